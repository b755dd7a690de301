/* hostile_smc: code that rewrites itself under a block-based CPU core, and DMA
 * (virtio-blk reads) into code pages that are then executed.
 *
 * Self-modifying code, in RAM buffers that have run many times before (hot,
 * decoded):
 *   - inside one block: an instruction stores a new instruction over a later one
 *     of the same straight-line block, then runs through it; with fence.i between
 *     (the new one must run) and without (either may: the ISA leaves it open);
 *   - across pages: the same with the store in one page and the target in the
 *     next, and with the target a 32-bit instruction that straddles the page
 *     boundary, of which only the half in the second page is rewritten;
 *   - a loop that patches the immediate of an instruction later in its own body
 *     every iteration (with fence.i): the sum shows each patch ran.
 * DMA into code (needs a virtio-blk disk of at least 64 sectors; the guest writes
 * the code to the disk first, so any image will do, and the image itself is never
 * changed: rr-run keeps writes in its overlay, QEMU runs the drive snapshot=on):
 *   - a hot function overwritten by a blk read, then fence.i: the new code runs;
 *     again without fence.i (either);
 *   - a read that covers only the second page of a block spanning two pages;
 *   - a read into the page the guest is executing (a polling loop copied there,
 *     whose constant the read changes): the loop ends, with the old constant or
 *     the new one.
 * Lines for the cases the ISA leaves open print "old or new" when the result is
 * one of the two, so QEMU and rr-run print the same bytes; anything else fails.
 * Prints "OK" when every check passes.
 */
#include "rt.h"


static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }

/* three pages of code space */
static uint8_t code[3 * 4096] __attribute__((aligned(4096)));

#define SW_A1_0A0   0x00b52023u   /* sw a1, 0(a0) */
#define SH_A1_0A0   0x00b51023u   /* sh a1, 0(a0) */
#define FENCE_I     0x0000100fu
#define NOP         0x00000013u
#define LI_A0_0     0x00000513u   /* addi a0, x0, 0 */
#define ADDI_A0_7   0x00750513u   /* addi a0, a0, 7 */
#define ADDI_A0_42  0x02a50513u   /* addi a0, a0, 42 */
#define RET         0x00008067u
#define C_NOP       0x0001u

static uint32_t li_a0(int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (10 << 7) | 0x13; }

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

typedef uint64_t (*fn2)(uint64_t, uint64_t);

/* The store-then-run block at p: [sw|sh a1,0(a0)] [fence.i|nop] [li a0,0]
 * (c.nop if straddle) [addi a0,a0,7: target] [ret]. Returns the target's address. */
static uint8_t *build(uint8_t *p, int fence, int half)
{
	put32(p, half ? SH_A1_0A0 : SW_A1_0A0);
	put32(p + 4, fence ? FENCE_I : NOP);
	put32(p + 8, LI_A0_0);
	uint8_t *t = p + 12;
	if (half) {
		put16(t, C_NOP);
		t += 2;
	}
	put32(t, ADDI_A0_7);
	put32(t + 4, RET);
	return t;
}

/* Run the block at p (target t) hot, then patched, then restored. */
static void smc_case(const char *name, uint8_t *p, uint8_t *t, int fence, int half)
{
	fence_i();
	fn2 f = (fn2)(uintptr_t)p;
	uint64_t a = (uint64_t)t + (half ? 2 : 0);
	uint32_t orig = half ? ADDI_A0_7 >> 16 : ADDI_A0_7, neu = half ? ADDI_A0_42 >> 16 : ADDI_A0_42;
	uint64_t sum = 0;
	for (int i = 0; i < 200; i++)
		sum += f(a, orig);
	rt_printf("%s:\n", name);
	rt_check("  200 hot runs, sum", sum, 1400);
	uint64_t r = f(a, neu);
	if (fence)
		rt_check("  patched ahead with fence.i: result", r, 42);
	else if (r == 7 || r == 42)
		rt_printf("  patched ahead without fence.i: old or new\n");
	else
		rt_check("  patched ahead without fence.i: result (7 or 42)", r, 42);
	fence_i();
	/* memory now holds the new instruction: after fence.i it runs */
	r = ((uint64_t (*)(void))(uintptr_t)(p + 8))();
	rt_check("  tail after fence.i", r, 42);
	r = f(a, orig);
	if (fence)
		rt_check("  restored with fence.i: result", r, 7);
	else if (r == 7 || r == 42)
		rt_printf("  restored without fence.i: old or new\n");
	else
		rt_check("  restored without fence.i: result (7 or 42)", r, 7);
	fence_i();
	r = ((uint64_t (*)(void))(uintptr_t)(p + 8))();
	rt_check("  tail after fence.i", r, 7);
}

/* A loop patching a later instruction of its own body: for i in 0..n-1,
 * "addi a0, a0, IMM" gets IMM = i before it runs (sw + fence.i). */
static void loop_case(uint8_t *p)
{
	/* a0 = n, a1 = slot address; t0 = i, a2 = sum
	 *   li a2,0 ; li t0,0
	 * L: slli t1,t0,20 ; lui t2,0x00000 ; addi t2,x0,... (build "addi a2,a2,i")
	 * Simpler: the patched word is precomputed into t3 = 0x00060613 (addi a2,a2,0)
	 * plus i<<20. */
	uint32_t w[] = {
		0x00000613, /* li a2, 0 */
		0x00000293, /* li t0, 0 */
		0x00060e37, /* lui t3, 0x60 : t3 = 0x60000 */
		0x613e0e1b, /* addiw t3, t3, 0x613 : t3 = 0x60613 = addi a2,a2,0 */
		/* L: */
		0x01429313, /* slli t1, t0, 20 */
		0x006e0333, /* add t1, t3, t1 */
		0x0065a023, /* sw t1, 0(a1) */
		0x0000100f, /* fence.i */
		0x00060613, /* addi a2, a2, 0   <- the slot (patched) */
		0x00128293, /* addi t0, t0, 1 */
		0xfea2c4e3, /* blt t0, a0, L (-24) */
		0x00060513, /* mv a0, a2 */
		0x00008067, /* ret */
	};
	for (unsigned i = 0; i < sizeof w / sizeof w[0]; i++)
		put32(p + 4 * i, w[i]);
	fence_i();
	fn2 f = (fn2)(uintptr_t)p;
	uint64_t slot = (uint64_t)(p + 32);
	uint64_t s1 = f(100, slot), s2 = f(300, slot);
	rt_check("loop patching its own body, 100 iterations: sum", s1, 4950);
	rt_check("loop patching its own body, 300 iterations: sum", s2, 44850);
}

/* ---- virtio-blk ---- */
struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
static struct {
	struct vdesc desc[8];
	struct { uint16_t flags, idx, ring[8], used_event; } avail;
	uint8_t pad[4096];
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[8]; uint16_t avail_event; } used;
	uint16_t last_used;
} q __attribute__((aligned(4096)));
static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static volatile uint8_t status;
static uint64_t blk;

static int blk_init(uint64_t b)
{
	return rt_virtio_setup(b, 8, q.desc, &q.avail, &q.used);
}

/* Post a request (write: 1) of n bytes at buf, sector s, and notify. */
static void blk_post(int write, uint64_t s, void *buf, uint32_t n)
{
	hdr.type = write;
	hdr.reserved = 0;
	hdr.sector = s;
	status = 0xee;
	q.desc[0] = (struct vdesc){ (uint64_t)&hdr, 16, 1, 1 };
	q.desc[1] = (struct vdesc){ (uint64_t)buf, n, (uint16_t)(1 | (write ? 0 : 2)), 2 };
	q.desc[2] = (struct vdesc){ (uint64_t)&status, 1, 2, 0 };
	q.avail.ring[q.avail.idx % 8] = 0;
	__sync_synchronize();
	q.avail.idx++;
	__sync_synchronize();
	wr32(blk + 0x50, 0);
}

static int blk_wait(void)
{
	for (long spin = 0; spin < 200000000; spin++) {
		if (*(volatile uint16_t *)&q.used.idx != q.last_used) {
			q.last_used++;
			wr32(blk + 0x64, rd32(blk + 0x60));
			__sync_synchronize();
			return status;
		}
	}
	return -1;
}

static int blk_rw(int write, uint64_t s, void *buf, uint32_t n)
{
	blk_post(write, s, buf, n);
	return blk_wait();
}

static uint8_t staging[4096] __attribute__((aligned(512)));

/* Sector s of the disk gets "li a0, v; ret" followed by nops. */
static int put_code(uint64_t s, int v)
{
	for (int i = 0; i < 512; i += 4)
		put32(staging + i, NOP);
	put32(staging, li_a0(v));
	put32(staging + 4, RET);
	return blk_rw(1, s, staging, 512);
}

/* The polling loop copied into code page 2 (a0 = &q.used.idx, a1 = value it waits
 * to change from):  L: lhu t0,0(a0) ; beq t0,a1,L ; li a0,K ; ret  */
static void poll_code(uint8_t *p, int k)
{
	for (int i = 0; i < 512; i += 4)
		put32(p + i, NOP);
	put32(p + 0, 0x00055283);       /* lhu t0, 0(a0) */
	put32(p + 4, 0xfeb28ee3);       /* beq t0, a1, -4 */
	put32(p + 8, li_a0(k));
	put32(p + 12, RET);
}

static void dma_cases(void)
{
	blk = rt_virtio_find(2);
	if (!blk || blk_init(blk) < 0) {
		rt_check("virtio-blk present and usable", 0, 1);
		return;
	}
	uint64_t cap = rd32(blk + 0x100) | (uint64_t)rd32(blk + 0x104) << 32;
	rt_check("capacity >= 64 sectors", cap >= 64, 1);
	/* the code the reads will bring in */
	rt_check("write code 99 to sector 40", put_code(40, 99), 0);
	rt_check("write code 55 to sector 41", put_code(41, 55), 0);
	rt_check("write code 77 to sector 42", put_code(42, 77), 0);
	poll_code(staging, 66);
	rt_check("write poll loop 66 to sector 43", blk_rw(1, 43, staging, 512), 0);

	/* a hot function overwritten by DMA */
	uint8_t *p = code;
	put32(p, li_a0(11));
	put32(p + 4, RET);
	fence_i();
	uint64_t (*f)(void) = (uint64_t (*)(void))(uintptr_t)p;
	uint64_t sum = 0;
	for (int i = 0; i < 500; i++)
		sum += f();
	rt_check("hot function before the read, 500 runs: sum", sum, 5500);
	rt_check("read sector 40 over it", blk_rw(0, 40, p, 512), 0);
	fence_i();
	rt_check("after the read and fence.i", f(), 99);
	rt_check("read sector 41 over it", blk_rw(0, 41, p, 512), 0);
	uint64_t r = f();
	if (r == 99 || r == 55)
		rt_printf("after the read without fence.i: old or new\n");
	else
		rt_check("after the read without fence.i (99 or 55)", r, 55);
	fence_i();
	rt_check("then fence.i", f(), 55);

	/* a block spanning pages 0 and 1: the read covers only page 1's start */
	uint8_t *s = code + 4096 - 8;
	put32(s, LI_A0_0);
	put32(s + 4, NOP);
	put32(code + 4096, ADDI_A0_7);
	put32(code + 4096 + 4, RET);
	fence_i();
	f = (uint64_t (*)(void))(uintptr_t)s;
	sum = 0;
	for (int i = 0; i < 500; i++)
		sum += f();
	rt_check("block across a page boundary, 500 runs: sum", sum, 3500);
	rt_check("read sector 42 into the second page", blk_rw(0, 42, code + 4096, 512), 0);
	fence_i();
	rt_check("after the read and fence.i", f(), 77);

	/* a read into the page being executed: the polling loop itself */
	uint8_t *pp = code + 2 * 4096;
	poll_code(pp, 33);
	fence_i();
	uint64_t (*poll)(uint64_t, uint64_t) = (uint64_t (*)(uint64_t, uint64_t))(uintptr_t)pp;
	uint16_t idx = *(volatile uint16_t *)&q.used.idx;
	blk_post(0, 43, pp, 512);
	r = poll((uint64_t)&q.used.idx, idx);
	q.last_used++;
	wr32(blk + 0x64, rd32(blk + 0x60));
	rt_check("  the read into the running page: status", status, 0);
	if (r == 33 || r == 66)
		rt_printf("read into the running loop's page: the loop ended, old or new constant\n");
	else
		rt_check("read into the running loop's page (33 or 66)", r, 66);
	fence_i();
	idx = *(volatile uint16_t *)&q.used.idx;
	rt_check("the loop page after fence.i (returns at once)", poll((uint64_t)&q.used.idx, idx + 1), 66);
}

int main(void)
{
	/* inside one block, in the middle of page 0 */
	uint8_t *t = build(code + 256, 1, 0);
	smc_case("in one block, fence.i", code + 256, t, 1, 0);
	t = build(code + 512, 0, 0);
	smc_case("in one block, no fence.i", code + 512, t, 0, 0);
	/* the store in page 0, the target in page 1 */
	t = build(code + 4096 - 12, 1, 0);
	smc_case("across pages, fence.i", code + 4096 - 12, t, 1, 0);
	t = build(code + 4096 - 12 + 1024, 0, 0);   /* page 1 only: control */
	smc_case("page 1 only, no fence.i", code + 4096 - 12 + 1024, t, 0, 0);
	/* a 32-bit target straddling pages 1 and 2, its upper half rewritten */
	t = build(code + 2 * 4096 - 16, 1, 1);
	rt_check("target straddles the page boundary", (uint64_t)(t + 2) == (uint64_t)(code + 2 * 4096), 1);
	smc_case("straddling target, upper half, fence.i", code + 2 * 4096 - 16, t, 1, 1);
	t = build(code + 2 * 4096 - 16, 0, 1);
	smc_case("straddling target, upper half, no fence.i", code + 2 * 4096 - 16, t, 0, 1);
	loop_case(code + 2048);
	dma_cases();
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_smc");
}
