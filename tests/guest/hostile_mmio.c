/* hostile_mmio: loads and stores of every size (1, 2, 4, 8) at aligned and odd
 * offsets across every device of the virt board: RTC, CLINT, PLIC, UART, the eight
 * virtio-mmio slots, and reads of the boot ROM, sifive_test and unmapped holes.
 * Faults (misaligned, access) are caught and counted. Afterwards every device must
 * still work: the UART prints, the RTC reads without a fault, the virtio slots answer with their
 * magic, a PLIC claim returns a valid source.
 *
 * Values written never hold a guest RAM address (0xa5a5a5a5 patterns), so a device
 * talked into DMA can only hit addresses outside RAM. The UART is kept in loopback
 * while it is hammered so nothing reaches the console; sifive_test is only read
 * (a write could power off).
 */
#include "rt.h"

#define RTC_BASE    0x101000ul
#define PLIC_BASE   0xc000000ul
#define VIRTIO_BASE 0x10001000ul

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

static long accesses;

static void rd_any(uint64_t a, int size)
{
	switch (size) {
	case 1: (void)*(volatile uint8_t *)a; break;
	case 2: (void)*(volatile uint16_t *)a; break;
	case 4: (void)*(volatile uint32_t *)a; break;
	case 8: (void)*(volatile uint64_t *)a; break;
	}
	accesses++;
}

static void wr_any(uint64_t a, int size, uint64_t v)
{
	switch (size) {
	case 1: *(volatile uint8_t *)a = v; break;
	case 2: *(volatile uint16_t *)a = v; break;
	case 4: *(volatile uint32_t *)a = v; break;
	case 8: *(volatile uint64_t *)a = v; break;
	}
	accesses++;
}

/* Every size at offsets [0, fine) step 1, then [fine, size) by step. */
static void hammer(const char *name, uint64_t base, uint64_t size, uint64_t fine,
		   uint64_t step, int write)
{
	static const int sizes[4] = { 1, 2, 4, 8 };
	long before = accesses;
	int traps = rt_trap.count;
	for (uint64_t off = 0; off < size; off += off < fine ? 1 : step) {
		for (int i = 0; i < 4; i++) {
			rd_any(base + off, sizes[i]);
			if (write)
				wr_any(base + off, sizes[i], 0xa5a5a5a5a5a5a5a5ull ^ (off & 0xff00));
		}
	}
	rt_printf("%s: %ld accesses, %s\n", name, accesses - before,
		  rt_trap.count > traps ? "some faulted (caught)" : "no faults");
}

/* The UART: in loopback, so THR bytes loop back instead of printing; every
 * write to MCR keeps the loopback bit. */
static void hammer_uart(void)
{
	static const int sizes[4] = { 1, 2, 4, 8 };
	volatile uint8_t *u = (volatile uint8_t *)UART_BASE;
	u[4] = 0x10;
	for (uint64_t off = 0; off < 0x100; off++) {
		for (int i = 0; i < 4; i++) {
			rd_any(UART_BASE + off, sizes[i]);
			uint64_t v = 0xa5a5a5a5a5a5a5a5ull;
			if (off <= 4 && off + sizes[i] > 4)
				v |= 0x10ull << (8 * (4 - off));   /* keep MCR loopback */
			if (off <= 3 && off + sizes[i] > 3)
				v &= ~(0x80ull << (8 * (3 - off))); /* keep DLAB clear */
			wr_any(UART_BASE + off, sizes[i], v);
		}
	}
	/* back to a sane console: 8N1, FIFO on and cleared, no interrupts */
	u[3] = 0x03;
	u[1] = 0x00;
	u[2] = 0x07;
	for (int i = 0; i < 100000 && (u[5] & 1); i++)
		(void)u[0];
	u[4] = 0x00;
	rt_printf("uart: hammered in loopback\n");
}

int main(void)
{
	rt_catch = 1;
	rt_trap_reset();
	hammer("boot rom (read)", 0x1000, 0x1000, 0x40, 0x3f, 0);
	hammer("sifive_test (read)", 0x100000, 0x1000, 0x10, 0x101, 0);
	hammer("rtc", RTC_BASE, 0x1000, 0x40, 0x1f, 1);
	hammer("clint", CLINT_BASE, 0x10000, 0x20, 0xfb, 1);
	hammer("plic priorities", PLIC_BASE, 0x1000, 0x80, 0x3d, 1);
	hammer("plic pending/enable", PLIC_BASE + 0x1000, 0x2000, 0x40, 0x3d, 1);
	hammer("plic contexts", PLIC_BASE + 0x200000, 0x3000, 0x20, 0x1f, 1);
	hammer("plic window", PLIC_BASE, 0x600000, 0, 0x1ffd, 1);
	hammer_uart();
	for (int s = 0; s < 8; s++) {
		uint64_t b = VIRTIO_BASE + 0x1000ul * s;
		hammer("virtio slot", b, 0x1000, 0x200, 0x7, 1);
	}
	hammer("unmapped 0x0 (read)", 0x0, 0x100, 0, 0x11, 0);
	hammer("unmapped 0x9000000", 0x9000000, 0x100, 0, 0x11, 1);

	/* everything still works */
	rt_catch = 0;
	for (int s = 0; s < 8; s++) {
		uint64_t b = VIRTIO_BASE + 0x1000ul * s;
		wr32(b + 0x70, 0);
		rt_check("virtio magic", rd32(b), 0x74726976);
	}
	(void)rd32(RTC_BASE);                   /* still readable (its time was set) */
	(void)rd32(RTC_BASE + 4);
	*(volatile uint64_t *)CLINT_MTIMECMP = ~0ull;
	*(volatile uint32_t *)CLINT_MSIP = 0;
	uint32_t claim = rd32(PLIC_BASE + 0x200004);
	rt_check("plic claim in range", claim <= 96, 1);
	if (claim)
		wr32(PLIC_BASE + 0x200004, claim);
	for (int w = 0; w < 4; w++)
		wr32(PLIC_BASE + 0x2000 + 4 * w, 0);
	rt_printf("%ld accesses in all\n", accesses);
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_mmio");
}
