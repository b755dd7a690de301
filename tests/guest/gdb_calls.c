/* gdb_calls: a target for the replay debugger test (tests/gdb-replay.sh): work() is
 * called five times with the arguments 1..5, with a loop between calls so that the
 * calls lie in different snapshot intervals of a recording made with a small
 * --snapshot-every. `counter` is written by every call (a watchpoint target). */
#include "rt.h"

volatile uint64_t counter;

__attribute__((noinline)) uint64_t work(uint64_t n)
{
	uint64_t acc = 0;
	for (uint64_t i = 0; i < 2000 * n; i++)
		acc += i ^ n;
	counter += n;
	return acc;
}

int main(void)
{
	uint64_t sum = 0;
	for (uint64_t k = 1; k <= 5; k++)
		sum += work(k);
	rt_printf("gdb_calls: counter=%d sum=%d\n", (int)counter, (int)(sum & 0x7fffffff));
	return rt_done("gdb_calls");
}
