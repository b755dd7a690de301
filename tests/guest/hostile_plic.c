/* hostile_plic: the PLIC with sources, contexts and ids out of range, and a real
 * interrupt routed through it.
 *  - priorities of source 0 and of sources past the last (96) read 0 after writes;
 *  - enable bits past the last source stay 0;
 *  - pending bits are read-only;
 *  - thresholds keep their low 3 bits;
 *  - claims and completes with ids 0, 97, 1023, 0xffffffff and for sources never
 *    claimed change nothing;
 *  - contexts of harts that do not exist read 0 or fault (caught), never act;
 *  - the UART's THR-empty interrupt (IRQ 10) goes pending, raises MEIP, is claimed
 *    and completed, and drops when the UART stops asking.
 * Machine-mode interrupts stay disabled (mstatus.MIE = 0): MEIP is polled.
 */
#include "rt.h"

#define PLIC 0xc000000ul
#define PRIO(s)      (PLIC + 4ul * (s))
#define PENDING(w)   (PLIC + 0x1000 + 4ul * (w))
#define ENABLE(c, w) (PLIC + 0x2000 + 0x80ul * (c) + 4ul * (w))
#define THRESH(c)    (PLIC + 0x200000 + 0x1000ul * (c))
#define CLAIM(c)     (PLIC + 0x200004 + 0x1000ul * (c))
#define MIP_MEIP     (1ul << 11)

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static volatile uint8_t *const uart = (volatile uint8_t *)UART_BASE;

/* Read a register that may fault (caught): the value, or 0 if it faulted. */
static uint32_t rd32_catch(uint64_t a)
{
	int before = rt_trap.count;
	uint32_t v = rd32(a);
	return rt_trap.count != before ? 0 : v;
}

int main(void)
{
	int ctx = 2 * (int)csr_read(mhartid);   /* this hart's M-mode context */
	rt_catch = 1;
	rt_trap_reset();

	/* priorities */
	wr32(PRIO(0), 7);
	rt_check("priority of source 0", rd32(PRIO(0)), 0);
	wr32(PRIO(96), 0xffffffff);
	rt_check("priority of source 96 (3 bits)", rd32(PRIO(96)), 7);
	wr32(PRIO(96), 0);
	uint32_t bad = 0;
	for (int s = 97; s < 1024; s++) {
		wr32(PRIO(s), 5);
		bad |= rd32_catch(PRIO(s));
	}
	rt_check("priorities of sources 97..1023", bad, 0);

	/* enables: sources 1..95 are all there; words past the last source read 0
	 * (QEMU 7.2 keeps the bit of source 0 and drops source 96, rr-run the reverse:
	 * neither is checked) */
	wr32(ENABLE(ctx, 0), 0xffffffff);
	rt_check("enable word 0 (sources 1..31)", rd32(ENABLE(ctx, 0)) | 1, 0xffffffff);
	wr32(ENABLE(ctx, 2), 0xffffffff);
	rt_check("enable word 2 (sources 64..95)", rd32(ENABLE(ctx, 2)), 0xffffffff);
	bad = 0;
	for (int w = 4; w < 32; w++) {
		wr32(ENABLE(ctx, w), 0xffffffff);
		bad |= rd32_catch(ENABLE(ctx, w));
	}
	rt_check("enable words 4..31", bad, 0);
	for (int w = 0; w < 4; w++)
		wr32(ENABLE(ctx, w), 0);

	/* pending is read-only */
	wr32(PENDING(0), 0xffffffff);
	wr32(PENDING(2), 0xffffffff);
	rt_check("pending after writes", rd32(PENDING(0)) | rd32(PENDING(2)), 0);

	/* thresholds keep their low 3 bits */
	wr32(THRESH(ctx), 0xb);
	rt_check("threshold 0xb -> 3", rd32(THRESH(ctx)), 3);
	wr32(THRESH(ctx), 0);

	/* claim with nothing pending, completes of bogus ids */
	rt_check("claim with nothing pending", rd32(CLAIM(ctx)), 0);
	static const uint32_t ids[] = { 0, 10, 97, 1023, 0xffffffff };
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++)
		wr32(CLAIM(ctx), ids[i]);
	rt_check("claim after bogus completes", rd32(CLAIM(ctx)), 0);

	/* contexts that do not exist (15871 is the last the layout can name) */
	static const int ctxs[] = { 16, 17, 100, 1000, 15871 };
	bad = 0;
	for (unsigned i = 0; i < sizeof ctxs / sizeof ctxs[0]; i++) {
		int c = ctxs[i];
		if (c < 0x200000 / 0x80 - 0x2000 / 0x80) {     /* enable block fits */
			wr32(ENABLE(c, 0), 0xffffffff);
			bad |= rd32_catch(ENABLE(c, 0));
		}
		wr32(THRESH(c), 1);
		bad |= rd32_catch(THRESH(c));
		bad |= rd32_catch(CLAIM(c));
		wr32(CLAIM(c), 10);
	}
	rt_check("absent contexts read 0", bad, 0);

	/* a real interrupt: UART THR empty -> IRQ 10 -> MEIP. Values are printed only
	 * at the end: printing would make the UART ask again. */
	rt_catch = 0;
	uint64_t v[9];
	wr32(PRIO(10), 1);
	wr32(ENABLE(ctx, 0), 1u << 10);
	wr32(THRESH(ctx), 0);
	uart[1] = 0x02;                         /* IER: THR empty */
	v[0] = (rd32(PENDING(0)) >> 10) & 1;
	v[1] = !!(csr_read(mip) & MIP_MEIP);
	wr32(THRESH(ctx), 1);
	v[2] = !!(csr_read(mip) & MIP_MEIP);
	v[3] = rd32(CLAIM(ctx));
	wr32(THRESH(ctx), 0);
	v[4] = rd32(CLAIM(ctx));
	v[5] = !!(csr_read(mip) & MIP_MEIP);
	v[6] = rd32(CLAIM(ctx));
	uart[1] = 0x00;                         /* the UART stops asking */
	wr32(CLAIM(ctx), 10);
	v[7] = (rd32(PENDING(0)) >> 10) & 1;
	v[8] = !!(csr_read(mip) & MIP_MEIP);
	rt_check("uart irq pending", v[0], 1);
	rt_check("MEIP raised", v[1], 1);
	rt_check("MEIP masked by threshold", v[2], 0);
	rt_check("claim masked by threshold", v[3], 0);
	rt_check("claim", v[4], 10);
	rt_check("MEIP drops once claimed", v[5], 0);
	rt_check("second claim", v[6], 0);
	rt_check("pending after complete, line low", v[7], 0);
	rt_check("MEIP after complete, line low", v[8], 0);
	wr32(ENABLE(ctx, 0), 0);
	wr32(PRIO(10), 0);
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_plic");
}
