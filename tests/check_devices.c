/* check_devices: unit tests for the virt board's devices (PLIC, UART, RTC, disk,
 * virtio-mmio blk/net/rng/input), driven through their MMIO callbacks with a RAM
 * buffer in a physmem map and a fake host that records outputs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "emu/physmem.h"
#include "emu/host.h"
#include "emu/irq.h"
#include "emu/hart.h"
#include "emu/plic.h"
#include "emu/uart16550.h"
#include "emu/goldfish_rtc.h"

/* ---- fakes: harts (only what the PLIC touches), host, irq lines ---- */

static int mip_calls;

/* The PLIC only calls hart_set_mip(); a fake keeps the test independent of hart.c. */
void hart_set_mip(struct hart *h, uint64_t bits, int level)
{
	mip_calls++;
	if (level)
		h->s.mip |= bits;
	else
		h->s.mip &= ~bits;
}

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)

struct fake_host {
	uint64_t rtc;                 /* next rtc_ns answer */
	int rtc_calls;
	uint8_t ent_byte;             /* entropy: ent_byte, ent_byte+1, ... */
	size_t ent_total;
	uint8_t serial[8192];
	size_t nserial;
	uint8_t frame[70000];
	size_t frame_len;
	int nframes;
	struct emu_blk_req *blk[512]; /* submitted, not yet worked */
	int nblk;
};

static uint64_t fh_rtc(void *ctx) { struct fake_host *f = ctx; f->rtc_calls++; return f->rtc; }
static void fh_entropy(void *ctx, void *buf, size_t len)
{
	struct fake_host *f = ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = f->ent_byte++;
	f->ent_total += len;
}
static uint64_t fh_next(void *ctx, uint64_t ic) { return UINT64_MAX; }
static int fh_poll(void *ctx, uint64_t ic, struct emu_input *in) { return 0; }
static uint64_t fh_idle(void *ctx, uint64_t ic, uint64_t dl) { return dl; }
static void fh_blk(void *ctx, struct emu_blk_req *r)
{
	struct fake_host *f = ctx;
	ck_assert_int_lt(f->nblk, 512);
	f->blk[f->nblk++] = r;
}
static void fh_net(void *ctx, uint32_t dev, const uint8_t *frame, size_t len)
{
	struct fake_host *f = ctx;
	ck_assert_uint_le(len, sizeof f->frame);
	memcpy(f->frame, frame, len);
	f->frame_len = len;
	f->nframes++;
}
static void fh_serial(void *ctx, uint32_t dev, const uint8_t *buf, size_t len)
{
	struct fake_host *f = ctx;
	for (size_t i = 0; i < len && f->nserial < sizeof f->serial; i++)
		f->serial[f->nserial++] = buf[i];
}
static const struct emu_host_ops fh_ops = {
	fh_rtc, fh_entropy, fh_next, fh_poll, fh_idle, fh_blk, fh_net, fh_serial,
};

static struct fake_host fh;
static struct emu_host host = { &fh_ops, &fh };
static struct physmem pm;
static uint8_t *ram;

/* irq lines that record their level */
static int irq_level[128], irq_changes[128];
static void rec_irq(void *opaque, int irq, int level)
{
	if (irq_level[irq] != !!level)
		irq_changes[irq]++;
	irq_level[irq] = !!level;
}
static struct irq_line line(int n) { struct irq_line l = { rec_irq, NULL, n }; return l; }

static void setup(void)
{
	memset(&fh, 0, sizeof fh);
	memset(irq_level, 0, sizeof irq_level);
	memset(irq_changes, 0, sizeof irq_changes);
	mip_calls = 0;
	physmem_init(&pm);
	ram = calloc(1, RAM_SIZE);
	ck_assert_int_eq(physmem_add_ram(&pm, RAM_BASE, RAM_SIZE, ram, 0, "ram"), 0);
}

static void teardown(void)
{
	free(ram);
}

static uint64_t rd(uint64_t a, int size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;
	ck_assert_int_eq(physmem_read(&pm, a, size, &v), 0);
	return v;
}
static void wr(uint64_t a, int size, uint64_t v)
{
	ck_assert_int_eq(physmem_write(&pm, a, size, v), 0);
}
static uint32_t rd32(uint64_t a) { return rd(a, 4); }
static void wr32(uint64_t a, uint32_t v) { wr(a, 4, v); }

/* Every offset (stepped) and size of a region: must never crash; returns the
 * number of accesses made. Writes use a pattern that is not "reset" (0). */
static int poke_everything(uint64_t base, uint64_t size, uint64_t step)
{
	int n = 0;
	static const int sizes[] = { 1, 2, 4, 8 };
	for (uint64_t off = 0; off < size; off += step) {
		for (int i = 0; i < 4; i++) {
			if (off + sizes[i] > size)
				continue;
			uint64_t v;
			physmem_read(&pm, base + off, sizes[i], &v);
			physmem_write(&pm, base + off, sizes[i], 0xa5a5a5a5a5a5a5a5ull ^ off);
			n += 2;
		}
	}
	return n;
}

/* ---- PLIC ---- */

#define PB 0xc000000ull
static struct hart harts[2];
static struct hart *hp[2] = { &harts[0], &harts[1] };

static struct plic *mkplic(int n)
{
	memset(harts, 0, sizeof harts);
	struct plic *p = plic_new(&pm, PB, hp, n);
	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(plic_basic)
{
	struct plic *p = mkplic(2);
	/* source 10 to hart 0 S-mode (context 1) */
	wr32(PB + 4 * 10, 5);
	ck_assert_uint_eq(rd32(PB + 4 * 10), 5);
	wr32(PB + 4 * 11, 0xff);                   /* only 3 priority bits */
	ck_assert_uint_eq(rd32(PB + 4 * 11), 7);
	wr32(PB + 0x2000 + 0x80 * 1, 1u << 10);
	ck_assert_uint_eq(rd32(PB + 0x2000 + 0x80), 1u << 10);
	wr32(PB + 0x200000 + 0x1000 * 1, 0);       /* threshold 0 */
	plic_set_irq(p, 10, 1);
	ck_assert_uint_eq(rd32(PB + 0x1000), 1u << 10);
	ck_assert(harts[0].s.mip & MIP_SEIP);
	ck_assert(!(harts[0].s.mip & MIP_MEIP));
	ck_assert(harts[0].stop);
	ck_assert(!(harts[1].s.mip & (MIP_SEIP | MIP_MEIP)));
	/* M context of hart 0 has nothing enabled: claim 0 */
	ck_assert_uint_eq(rd32(PB + 0x200004), 0);
	/* claim from S context */
	ck_assert_uint_eq(rd32(PB + 0x201004), 10);
	ck_assert(!(harts[0].s.mip & MIP_SEIP));
	ck_assert_uint_eq(rd32(PB + 0x1000), 0);      /* claimed: not pending */
	ck_assert_uint_eq(rd32(PB + 0x201004), 0);    /* nothing else */
	/* line still high: completing makes it pending again */
	wr32(PB + 0x201004, 10);
	ck_assert(harts[0].s.mip & MIP_SEIP);
	ck_assert_uint_eq(rd32(PB + 0x201004), 10);
	plic_set_irq(p, 10, 0);
	wr32(PB + 0x201004, 10);
	ck_assert(!(harts[0].s.mip & MIP_SEIP));
	ck_assert_uint_eq(rd32(PB + 0x1000), 0);
	plic_free(p);
}
END_TEST

START_TEST(plic_priority_threshold)
{
	struct plic *p = mkplic(1);
	wr32(PB + 4 * 1, 2);
	wr32(PB + 4 * 2, 6);
	wr32(PB + 4 * 3, 6);
	wr32(PB + 4 * 96, 7);
	wr32(PB + 0x2000, 0xe);                   /* ctx 0: sources 1,2,3 */
	wr32(PB + 0x2000 + 12, 1u << 0);          /* source 96 */
	plic_set_irq(p, 1, 1);
	plic_set_irq(p, 2, 1);
	plic_set_irq(p, 3, 1);
	ck_assert(harts[0].s.mip & MIP_MEIP);
	wr32(PB + 0x200000, 6);                   /* threshold 6: nothing above */
	ck_assert(!(harts[0].s.mip & MIP_MEIP));
	ck_assert_uint_eq(rd32(PB + 0x200004), 0);
	wr32(PB + 0x200000, 8);                   /* out of range: ignored */
	ck_assert_uint_eq(rd32(PB + 0x200000), 6);
	wr32(PB + 0x200000, 1);
	ck_assert(harts[0].s.mip & MIP_MEIP);
	ck_assert_uint_eq(rd32(PB + 0x200004), 2); /* tie 2/3 at prio 6: lowest id */
	ck_assert_uint_eq(rd32(PB + 0x200004), 3);
	plic_set_irq(p, 96, 1);
	ck_assert_uint_eq(rd32(PB + 0x200004), 96);
	ck_assert_uint_eq(rd32(PB + 0x200004), 1);
	ck_assert_uint_eq(rd32(PB + 0x200004), 0);
	ck_assert(!(harts[0].s.mip & MIP_MEIP));
	/* completing with a wrong id or an unclaimed source changes nothing */
	wr32(PB + 0x200004, 5);
	wr32(PB + 0x200004, 200);
	ck_assert_uint_eq(rd32(PB + 0x200004), 0);
	wr32(PB + 0x200004, 2);
	ck_assert_uint_eq(rd32(PB + 0x200004), 2);
	plic_free(p);
}
END_TEST

START_TEST(plic_hostile)
{
	struct plic *p = mkplic(1);
	/* out-of-range sources: no effect, no crash */
	plic_set_irq(p, 0, 1);
	plic_set_irq(p, 97, 1);
	plic_set_irq(p, -1, 1);
	plic_set_irq(p, 1 << 30, 1);
	for (int w = 0; w < 4; w++)
		ck_assert_uint_eq(rd32(PB + 0x1000 + 4 * w), 0);
	/* enable bits for nonexistent sources stick at 0 */
	wr32(PB + 0x2000, ~0u);
	ck_assert_uint_eq(rd32(PB + 0x2000), ~1u);
	wr32(PB + 0x2000 + 12, ~0u);
	ck_assert_uint_eq(rd32(PB + 0x2000 + 12), 1u);   /* only source 96 */
	/* contexts of harts that do not exist read 0 and ignore writes */
	wr32(PB + 0x2000 + 0x80 * 5, ~0u);
	ck_assert_uint_eq(rd32(PB + 0x2000 + 0x80 * 5), 0);
	wr32(PB + 0x200000 + 0x1000 * 3, 1);
	ck_assert_uint_eq(rd32(PB + 0x200000 + 0x1000 * 3), 0);
	ck_assert_uint_eq(rd32(PB + 0x200000 + 0x1000 * 15 + 4), 0);
	/* odd sizes and misaligned: 0 and ignored */
	wr32(PB + 4, 3);
	ck_assert_uint_eq(rd(PB + 4, 1), 0);
	ck_assert_uint_eq(rd(PB + 4, 8), 0);
	wr(PB + 4, 2, 7);
	wr(PB + 5, 1, 7);
	ck_assert_uint_eq(rd32(PB + 4), 3);
	/* the whole region at a coarse step, then the context area finely */
	ck_assert_int_gt(poke_everything(PB, PLIC_SIZE, 0x1ff1), 0);
	poke_everything(PB + 0x200000, 0x3000, 1);
	plic_free(p);
}
END_TEST

START_TEST(plic_state_roundtrip)
{
	struct plic *p = mkplic(1);
	wr32(PB + 4 * 7, 1);
	wr32(PB + 0x2000 + 0x80, 1u << 7);       /* S context */
	plic_set_irq(p, 7, 1);
	ck_assert(harts[0].s.mip & MIP_SEIP);
	size_t len;
	void *st = plic_state(p, &len);
	ck_assert_uint_eq(len, sizeof(struct plic_state));
	void *copy = malloc(len);
	memcpy(copy, st, len);
	plic_set_irq(p, 7, 0);
	ck_assert(!(harts[0].s.mip & MIP_SEIP));
	memcpy(st, copy, len);
	plic_state_loaded(p);
	ck_assert(harts[0].s.mip & MIP_SEIP);
	ck_assert_uint_eq(rd32(PB + 0x201004), 7);
	/* reset: registers cleared, line level kept */
	plic_reset(p);
	ck_assert_uint_eq(rd32(PB + 4 * 7), 0);
	ck_assert_uint_eq(rd32(PB + 0x1000), 1u << 7);
	ck_assert(!(harts[0].s.mip & MIP_SEIP));
	free(copy);
	plic_free(p);
}
END_TEST

START_TEST(plic_bad_new)
{
	ck_assert_ptr_null(plic_new(&pm, PB, hp, 0));
	ck_assert_ptr_null(plic_new(&pm, PB, hp, 9));
	struct plic *p = mkplic(1);
	ck_assert_ptr_null(plic_new(&pm, PB, hp, 1));   /* range taken */
	plic_free(p);
}
END_TEST

/* ---- UART ---- */

#define UB 0x10000000ull

START_TEST(uart_tx_rx)
{
	struct uart *u = uart_new(&pm, UB, line(10), &host, 0);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(rd(UB + 5, 1), 0x60);     /* LSR: THRE|TEMT */
	ck_assert_uint_eq(rd(UB + 2, 1), 0x01);     /* IIR: none */
	wr(UB + 0, 1, 'h');
	wr(UB + 0, 1, 'i');
	ck_assert_uint_eq(fh.nserial, 2);
	ck_assert_int_eq(memcmp(fh.serial, "hi", 2), 0);
	ck_assert_int_eq(irq_level[10], 0);         /* no IER bits */
	/* RX interrupt */
	wr(UB + 1, 1, 0x01);
	const uint8_t in[] = "abc";
	ck_assert_uint_eq(uart_receive(u, in, 3), 3);
	ck_assert_int_eq(irq_level[10], 1);
	ck_assert_uint_eq(rd(UB + 2, 1), 0x04);
	ck_assert_uint_eq(rd(UB + 5, 1), 0x61);
	ck_assert_uint_eq(rd(UB + 0, 1), 'a');
	ck_assert_uint_eq(rd(UB + 0, 1), 'b');
	ck_assert_uint_eq(rd(UB + 0, 1), 'c');
	ck_assert_int_eq(irq_level[10], 0);
	ck_assert_uint_eq(rd(UB + 0, 1), 0);        /* empty reads 0 */
	/* THR empty interrupt: raised on enabling, acked by reading IIR */
	wr(UB + 1, 1, 0x02);
	ck_assert_int_eq(irq_level[10], 1);
	ck_assert_uint_eq(rd(UB + 2, 1), 0x02);
	ck_assert_int_eq(irq_level[10], 0);
	wr(UB + 0, 1, 'x');                          /* sent: THR empty again */
	ck_assert_int_eq(irq_level[10], 1);
	/* FIFO enable shows in IIR bits 7:6 */
	wr(UB + 2, 1, 0x07);
	ck_assert_uint_eq(rd(UB + 2, 1), 0xc2);
	ck_assert_uint_eq(rd(UB + 2, 1), 0xc1);
	/* divisor latch and scratch */
	wr(UB + 3, 1, 0x83);
	wr(UB + 0, 1, 0x12);
	wr(UB + 1, 1, 0x34);
	ck_assert_uint_eq(rd(UB + 0, 1), 0x12);
	ck_assert_uint_eq(rd(UB + 1, 1), 0x34);
	wr(UB + 3, 1, 0x03);
	ck_assert_uint_eq(rd(UB + 1, 1), 0x02);     /* IER again */
	ck_assert_uint_eq(fh.nserial, 3);            /* DLL writes are not output */
	wr(UB + 7, 1, 0x5a);
	ck_assert_uint_eq(rd(UB + 7, 1), 0x5a);
	ck_assert_uint_eq(rd(UB + 6, 1), 0xb0);     /* DCD DSR CTS */
	uart_free(u);
}
END_TEST

START_TEST(uart_loopback)
{
	struct uart *u = uart_new(&pm, UB, line(10), &host, 0);
	/* what Linux's 8250 autoconfig checks */
	wr(UB + 4, 1, 0x10 | 0x0a);
	ck_assert_uint_eq(rd(UB + 6, 1) & 0xf0, 0x90);
	wr(UB + 4, 1, 0x1f);
	ck_assert_uint_eq(rd(UB + 6, 1) & 0xf0, 0xf0);
	wr(UB + 0, 1, 'L');
	ck_assert_uint_eq(fh.nserial, 0);
	ck_assert_uint_eq(rd(UB + 5, 1) & 1, 1);
	ck_assert_uint_eq(rd(UB + 0, 1), 'L');
	/* modem status interrupt from a loopback change */
	wr(UB + 1, 1, 0x08);
	wr(UB + 4, 1, 0x10);
	ck_assert_int_eq(irq_level[10], 1);
	ck_assert_uint_eq(rd(UB + 2, 1), 0x00);
	ck_assert((rd(UB + 6, 1) & 0x0f) != 0);    /* deltas; reading clears */
	ck_assert_int_eq(irq_level[10], 0);
	uart_free(u);
}
END_TEST

START_TEST(uart_flood)
{
	struct uart *u = uart_new(&pm, UB, line(10), &host, 0);
	uint8_t buf[1000];
	for (int i = 0; i < 1000; i++)
		buf[i] = i;
	size_t taken = 0;
	for (int i = 0; i < 10; i++)
		taken += uart_receive(u, buf, sizeof buf);
	ck_assert_uint_eq(taken, UART_RX_SIZE);
	ck_assert_int_eq(uart_rx_room(u), 0);
	ck_assert_uint_eq(uart_rx_dropped(u), 10000 - UART_RX_SIZE);
	for (int i = 0; i < UART_RX_SIZE; i++)
		ck_assert_uint_eq(rd(UB, 1), (uint8_t)(i % 1000));
	ck_assert_int_eq(uart_rx_room(u), UART_RX_SIZE);
	/* FCR clear-RX drops buffered bytes */
	uart_receive(u, buf, 10);
	wr(UB + 2, 1, 0x03);
	ck_assert_uint_eq(rd(UB + 5, 1) & 1, 0);
	/* odd sizes and offsets everywhere; TX flood through 8-byte writes */
	poke_everything(UB, UART_SIZE, 1);
	for (int i = 0; i < 100000; i++)
		wr(UB, 8, 'A');
	ck_assert_uint_le(fh.nserial, sizeof fh.serial);
	uart_free(u);
}
END_TEST

START_TEST(uart_state_roundtrip)
{
	struct uart *u = uart_new(&pm, UB, line(10), &host, 0);
	wr(UB + 1, 1, 0x01);
	uart_receive(u, (const uint8_t *)"xy", 2);
	size_t len;
	void *st = uart_state(u, &len);
	ck_assert_uint_eq(len, sizeof(struct uart_state));
	void *copy = malloc(len);
	memcpy(copy, st, len);
	rd(UB, 1);
	rd(UB, 1);
	ck_assert_int_eq(irq_level[10], 0);
	memcpy(st, copy, len);
	uart_state_loaded(u);
	ck_assert_int_eq(irq_level[10], 1);
	ck_assert_uint_eq(rd(UB, 1), 'x');
	uart_reset(u);
	ck_assert_int_eq(irq_level[10], 0);
	ck_assert_uint_eq(rd(UB + 5, 1), 0x60);
	free(copy);
	uart_free(u);
}
END_TEST

/* ---- goldfish RTC ---- */

#define RB 0x101000ull

START_TEST(rtc_time)
{
	struct goldfish_rtc *r = goldfish_rtc_new(&pm, RB, line(11), &host);
	ck_assert_ptr_nonnull(r);
	fh.rtc = 0x123456789abcdef0ull;
	ck_assert_uint_eq(rd32(RB + 0), 0x9abcdef0);
	fh.rtc = 0;                                   /* high half is latched */
	ck_assert_uint_eq(rd32(RB + 4), 0x12345678);
	ck_assert_int_eq(fh.rtc_calls, 1);
	/* set the clock: 1000 s ahead of host time */
	fh.rtc = 5000000000ull;
	uint64_t want = 1005000000000ull;
	wr32(RB + 4, want >> 32);
	wr32(RB + 0, (uint32_t)want);
	fh.rtc = 6000000000ull;
	uint64_t lo = rd32(RB + 0), hi = rd32(RB + 4);
	ck_assert_uint_eq(hi << 32 | lo, want + 1000000000ull);
	/* alarm in the past fires at once when enabled */
	wr32(RB + 0x10, 1);
	wr32(RB + 0x0c, 0);
	wr32(RB + 0x08, 1);
	ck_assert_int_eq(irq_level[11], 1);
	wr32(RB + 0x1c, 1);
	ck_assert_int_eq(irq_level[11], 0);
	/* alarm in the future: armed, not fired */
	wr32(RB + 0x0c, 0xffffffff);
	wr32(RB + 0x08, 0);
	ck_assert_uint_eq(rd32(RB + 0x18), 1);
	ck_assert_int_eq(irq_level[11], 0);
	wr32(RB + 0x14, 1);
	ck_assert_uint_eq(rd32(RB + 0x18), 0);
	/* odd accesses: no host reads, no crash */
	int calls = fh.rtc_calls;
	ck_assert_uint_eq(rd(RB + 0, 1), 0);
	ck_assert_uint_eq(rd(RB + 0, 8), 0);
	ck_assert_uint_eq(rd(RB + 2, 2), 0);
	ck_assert_int_eq(fh.rtc_calls, calls);
	poke_everything(RB, GOLDFISH_RTC_SIZE, 1);
	goldfish_rtc_free(r);
}
END_TEST

/* @VIRTIO_TESTS@ */

Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("plic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plic_basic);
	tcase_add_test(tc, plic_priority_threshold);
	tcase_add_test(tc, plic_hostile);
	tcase_add_test(tc, plic_state_roundtrip);
	tcase_add_test(tc, plic_bad_new);
	suite_add_tcase(s, tc);
	tc = tcase_create("uart");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, uart_tx_rx);
	tcase_add_test(tc, uart_loopback);
	tcase_add_test(tc, uart_flood);
	tcase_add_test(tc, uart_state_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("rtc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rtc_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(devices_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
