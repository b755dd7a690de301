/* hello: the smallest test program: prints one line and passes. */
#include "rt.h"

int main(void)
{
	rt_printf("hello from hart %d, %s %u 0x%08x %d\n", (int)csr_read(mhartid), "ok", 42u, 0xbeefu, -7);
	return rt_done("hello");
}
