/* churn: rewrites 256 KiB of RAM with pseudo-random words, round after round (about
 * 100 million instructions), prints a checksum and powers off. Every snapshot of a
 * recording of it is large and incompressible: the reliability tests use it to make
 * the recorder write fast (a slow disk, a full disk). */
#include "rt.h"

static uint64_t buf[32768];

int main(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;
	for (int round = 0; round < 400; round++) {
		for (int i = 0; i < 32768; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		sum += buf[round * 81 & 32767];
	}
	rt_printf("churn checksum=%08x\n", (unsigned)(sum ^ sum >> 32));
	return 0;
}
