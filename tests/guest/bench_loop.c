/* bench_loop: a CPU-bound guest for the MIPS benchmark (bench/mips.sh): integer
 * arithmetic, loads/stores over 64 KiB, branches, calls; about 500 million
 * instructions; prints a checksum (the same on every machine) and powers off. */
#include "rt.h"

static uint32_t buf[16384];

static uint32_t crc32_step(uint32_t c, uint32_t v)
{
	c ^= v;
	for (int k = 0; k < 8; k++)
		c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	return c;
}

int main(void)
{
	uint32_t c = ~0u;
	for (int i = 0; i < 16384; i++)
		buf[i] = i * 2654435761u;
	for (int round = 0; round < 600; round++) {
		for (int i = 0; i < 16384; i++) {
			uint32_t v = buf[i] ^ (buf[(i * 7 + round) & 16383] >> 3);
			buf[i] = v + round;
			c = crc32_step(c, v);
		}
	}
	rt_printf("bench_loop checksum=%08x\n", c);
	return 0;
}
