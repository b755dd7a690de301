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
#include "emu/virtio.h"
#include "emu/disk.h"

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
#define RAM_SIZE (32u << 20)

#include "fake_host.h"

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
	wr32(PB + 0x200000, 14);                  /* WARL: low 3 bits */
	ck_assert_uint_eq(rd32(PB + 0x200000), 6);
	wr32(PB + 0x200000, 9);
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
	/* the serial input is cut off: no room for the host, and what comes is dropped */
	ck_assert_int_eq(uart_rx_room(u), 0);
	ck_assert_uint_eq(uart_receive(u, (const uint8_t *)"xy", 2), 0);
	ck_assert_uint_eq(uart_rx_dropped(u), 2);
	ck_assert_uint_eq(rd(UB + 5, 1) & 1, 0);
	wr(UB + 4, 1, 0x00);
	ck_assert_int_eq(uart_rx_room(u), UART_RX_SIZE);
	wr(UB + 4, 1, 0x1f);
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
	size_t taken = 0, sent = 0;
	int rounds = UART_RX_SIZE / 1000 + 10;   /* about 10000 bytes more than fit */
	for (int i = 0; i < rounds; i++) {
		taken += uart_receive(u, buf, sizeof buf);
		sent += sizeof buf;
	}
	ck_assert_uint_eq(taken, UART_RX_SIZE);
	ck_assert_int_eq(uart_rx_room(u), 0);
	ck_assert_uint_eq(uart_rx_dropped(u), sent - UART_RX_SIZE);
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

/* ---- virtio: a tiny driver ---- */

#define VB 0x10001000ull               /* slot 0 */
#define QSIZE 16
#define QAREA(q) (RAM_BASE + 0x4000ull * (q))   /* desc, +0x1000 avail, +0x2000 used */
#define DATA (RAM_BASE + 0x100000ull)           /* data buffers */

static void *gp(uint64_t a) { return ram + (a - RAM_BASE); }     /* guest RAM pointer */
static uint16_t ld16(uint64_t a) { uint16_t v; memcpy(&v, gp(a), 2); return v; }
static uint32_t ld32(uint64_t a) { uint32_t v; memcpy(&v, gp(a), 4); return v; }
static void st16(uint64_t a, uint16_t v) { memcpy(gp(a), &v, 2); }

struct seg { uint64_t addr; uint32_t len; int write; };
static uint16_t next_desc[2];

/* Negotiate (VERSION_1 plus extra feature bits), set up nq queues, DRIVER_OK. */
static void drv_init(uint64_t base, int nq, uint64_t extra)
{
	wr32(base + 0x70, 0);
	wr32(base + 0x70, 1);
	wr32(base + 0x70, 3);
	wr32(base + 0x24, 0);
	wr32(base + 0x20, (uint32_t)extra);
	wr32(base + 0x24, 1);
	wr32(base + 0x20, 1 | (uint32_t)(extra >> 32));
	wr32(base + 0x70, 0xb);
	ck_assert_uint_eq(rd32(base + 0x70), 0xb);
	memset(ram, 0, 0x10000);
	for (int q = 0; q < nq; q++) {
		next_desc[q] = 0;
		wr32(base + 0x30, q);
		ck_assert_uint_eq(rd32(base + 0x34), VIRTQ_MAX_SIZE);
		wr32(base + 0x38, QSIZE);
		wr32(base + 0x80, (uint32_t)QAREA(q));
		wr32(base + 0x84, QAREA(q) >> 32);
		wr32(base + 0x90, (uint32_t)(QAREA(q) + 0x1000));
		wr32(base + 0x94, 0);
		wr32(base + 0xa0, (uint32_t)(QAREA(q) + 0x2000));
		wr32(base + 0xa4, 0);
		wr32(base + 0x44, 1);
	}
	wr32(base + 0x70, 0xf);
}

/* Put a chain of n segments on queue q's avail ring; returns its head. */
static uint16_t add_chain(int q, int n, const struct seg *s)
{
	uint16_t head = next_desc[q] % QSIZE;
	for (int i = 0; i < n; i++) {
		uint16_t di = (next_desc[q] + i) % QSIZE;
		uint8_t *d = gp(QAREA(q) + 16 * di);
		uint16_t flags = (s[i].write ? 2 : 0) | (i + 1 < n ? 1 : 0);
		uint16_t next = (di + 1) % QSIZE;
		memcpy(d, &s[i].addr, 8);
		memcpy(d + 8, &s[i].len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
	}
	next_desc[q] += n;
	uint64_t av = QAREA(q) + 0x1000;
	uint16_t idx = ld16(av + 2);
	st16(av + 4 + 2 * (idx % QSIZE), head);
	st16(av + 2, idx + 1);
	return head;
}

static uint16_t used_idx(int q) { return ld16(QAREA(q) + 0x2000 + 2); }
static uint32_t used_id(int q, int i) { return ld32(QAREA(q) + 0x2000 + 4 + 8 * (i % QSIZE)); }
static uint32_t used_len(int q, int i) { return ld32(QAREA(q) + 0x2000 + 8 + 8 * (i % QSIZE)); }
static void notify(uint64_t base, int q) { wr32(base + 0x50, q); }
static int needs_reset(uint64_t base) { return (rd32(base + 0x70) & 0x40) != 0; }

/* A raw descriptor write for hostile tests. */
static void put_desc(int q, int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = gp(QAREA(q) + 16 * i);
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}
static void put_avail(int q, uint16_t head)
{
	uint64_t av = QAREA(q) + 0x1000;
	uint16_t idx = ld16(av + 2);
	st16(av + 4 + 2 * (idx % QSIZE), head);
	st16(av + 2, idx + 1);
}

/* A temporary disk image of n bytes: byte i = (i * 7 + i / 512) & 0xff. */
static char img_path[64];
static void make_image(size_t n)
{
	strcpy(img_path, "/tmp/check_devices_XXXXXX");
	int fd = mkstemp(img_path);
	ck_assert_int_ge(fd, 0);
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (i * 7 + i / 512) & 0xff;
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	free(b);
	close(fd);
}
static uint8_t img_byte(uint64_t i) { return (i * 7 + i / 512) & 0xff; }
/* Load one serialized overlay (a chain of one). */
static int ovl(struct disk *d, const void *buf, size_t len)
{
	char err[256];
	const void *b[1] = { buf };
	size_t l[1] = { len };
	return disk_overlay_load(d, b, l, 1, 0, err, sizeof err);
}

static int image_intact(size_t n)
{
	FILE *f = fopen(img_path, "rb");
	int ok = f != NULL;
	for (size_t i = 0; ok && i < n; i++)
		ok = fgetc(f) == img_byte(i);
	ok = ok && fgetc(f) == EOF;
	if (f)
		fclose(f);
	return ok;
}

/* ---- disk ---- */

START_TEST(disk_cow)
{
	char err[256];
	make_image(64 * 1024 + 512);            /* last 4 KiB chunk is partial */
	struct disk *d = disk_open(img_path, 0, err, sizeof err);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(disk_size(d), 64 * 1024 + 512);
	uint8_t buf[10000], w[10000];
	ck_assert_int_eq(disk_read(d, 100, buf, 9000), 0);
	for (int i = 0; i < 9000; i++)
		ck_assert_uint_eq(buf[i], img_byte(100 + i));
	/* a write straddling three chunks, and one into the partial last chunk */
	for (int i = 0; i < 10000; i++)
		w[i] = 0xc0 ^ i;
	ck_assert_int_eq(disk_write(d, 4000, w, 9000), 0);
	ck_assert_int_eq(disk_write(d, 64 * 1024 + 100, w, 412), 0);
	ck_assert_int_eq(disk_write(d, 64 * 1024 + 100, w, 413), -1);   /* past the end */
	ck_assert_int_eq(disk_read(d, 64 * 1024, buf, 513), -1);
	ck_assert_uint_eq(disk_overlay_chunks(d), 5);   /* chunks 0-3 and the last */
	ck_assert_int_eq(disk_read(d, 0, buf, 10000), 0);
	for (int i = 0; i < 10000; i++)
		ck_assert_uint_eq(buf[i], i >= 4000 && i < 13000 ? w[i - 4000] : img_byte(i));
	/* snapshot the overlay, change it, restore it */
	size_t len;
	void *ov = disk_overlay_save(d, 0, &len);
	ck_assert_ptr_nonnull(ov);
	ck_assert_uint_eq(len, 32 + 5 * (8 + DISK_CHUNK));
	memset(w, 0x11, sizeof w);
	ck_assert_int_eq(disk_write(d, 20000, w, 5000), 0);
	/* the changes since that save: chunks 4-6 only */
	size_t dlen;
	void *delta = disk_overlay_save(d, 1, &dlen);
	ck_assert_uint_eq(dlen, 32 + 3 * (8 + DISK_CHUNK));
	ck_assert_int_eq(ovl(d, ov, len), 0);
	ck_assert_uint_eq(disk_overlay_chunks(d), 5);
	ck_assert_int_eq(disk_read(d, 20000, buf, 5000), 0);
	for (int i = 0; i < 5000; i++)
		ck_assert_uint_eq(buf[i], img_byte(20000 + i));
	/* the full one then the delta: the state after the second write again */
	const void *chain[2] = { ov, delta };
	size_t chain_len[2] = { len, dlen };
	ck_assert_int_eq(disk_overlay_load(d, chain, chain_len, 2, 0, err, sizeof err), 0);
	ck_assert_uint_eq(disk_overlay_chunks(d), 8);
	ck_assert_int_eq(disk_read(d, 20000, buf, 5000), 0);
	for (int i = 0; i < 5000; i++)
		ck_assert_uint_eq(buf[i], 0x11);
	ck_assert_int_eq(ovl(d, ov, len), 0);
	free(delta);
	/* bad overlays are refused and change nothing */
	ck_assert_int_eq(ovl(d, ov, len - 1), -1);
	((uint8_t *)ov)[16] ^= 1;               /* image size */
	ck_assert_int_eq(ovl(d, ov, len), -1);
	((uint8_t *)ov)[16] ^= 1;
	((uint8_t *)ov)[32 + 7] = 0x7f;         /* chunk index far beyond the image */
	ck_assert_int_eq(ovl(d, ov, len), -1);
	ck_assert_int_eq(ovl(d, "RRDSKOV1", 8), -1);
	ck_assert_uint_eq(disk_overlay_chunks(d), 5);
	free(ov);
	disk_close(d);
	ck_assert(image_intact(64 * 1024 + 512));
	/* persist writes through */
	d = disk_open(img_path, 1, err, sizeof err);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(disk_write(d, 512, "XY", 2), 0);
	ck_assert_int_eq(disk_flush(d), 0);
	ck_assert_uint_eq(disk_overlay_chunks(d), 0);
	disk_close(d);
	ck_assert(!image_intact(64 * 1024 + 512));
	unlink(img_path);
}
END_TEST

START_TEST(disk_bad_images)
{
	char err[256];
	ck_assert_ptr_null(disk_open("/nonexistent/disk.img", 0, err, sizeof err));
	ck_assert(strstr(err, "/nonexistent/disk.img: ") == err);
	ck_assert_ptr_null(disk_open("/tmp", 0, err, sizeof err));
	ck_assert(strstr(err, "directory") != NULL);
	make_image(100);
	ck_assert_ptr_null(disk_open(img_path, 0, err, sizeof err));
	ck_assert(strstr(err, "too small") != NULL);
	if (getuid() != 0) {                    /* root reads anything */
		chmod(img_path, 0);
		ck_assert_ptr_null(disk_open(img_path, 0, err, sizeof err));
	}
	unlink(img_path);
}
END_TEST

/* ---- virtio transport ---- */

static struct disk *test_disk(size_t n)
{
	char err[256];
	make_image(n);
	struct disk *d = disk_open(img_path, 0, err, sizeof err);
	ck_assert_ptr_nonnull(d);
	return d;
}

START_TEST(virtio_transport)
{
	struct disk *disk = test_disk(1 << 20);
	struct virtio_dev *blk = virtio_blk_new(&pm, VB, line(1), &host, 0, disk);
	struct virtio_dev *net = virtio_net_new(&pm, VB + 0x1000, line(2), &host, 0, NULL);
	struct virtio_dev *rng = virtio_rng_new(&pm, VB + 0x2000, line(3), &host);
	struct virtio_dev *inp = virtio_input_new(&pm, VB + 0x3000, line(4), &host, 0);
	ck_assert(blk && net && rng && inp);
	ck_assert_int_eq(virtio_mmio_add_empty(&pm, VB + 0x4000), 0);
	static const uint32_t ids[5] = { 2, 1, 4, 18, 0 };
	for (int i = 0; i < 5; i++) {
		uint64_t b = VB + 0x1000 * i;
		ck_assert_uint_eq(rd32(b + 0), 0x74726976);
		ck_assert_uint_eq(rd32(b + 4), 2);
		ck_assert_uint_eq(rd32(b + 8), ids[i]);
		ck_assert_uint_eq(rd32(b + 0xc), 0x554d4551);
	}
	ck_assert_uint_eq(rd(VB, 2), 0);         /* registers take 32-bit accesses only */
	/* features: VERSION_1 offered; FEATURES_OK refused without it, or with extras */
	wr32(VB + 0x14, 1);
	ck_assert_uint_eq(rd32(VB + 0x10), 1);
	wr32(VB + 0x14, 0);
	ck_assert_uint_eq(rd32(VB + 0x10), (1u << 2) | (1u << 9));
	wr32(VB + 0x70, 3);
	wr32(VB + 0x70, 0xb);
	ck_assert_uint_eq(rd32(VB + 0x70), 3);
	wr32(VB + 0x24, 1);
	wr32(VB + 0x20, 1);
	wr32(VB + 0x24, 0);
	wr32(VB + 0x20, 1u << 20);             /* not offered */
	wr32(VB + 0x70, 0xb);
	ck_assert_uint_eq(rd32(VB + 0x70), 3);
	wr32(VB + 0x20, 1u << 9);
	wr32(VB + 0x70, 0xb);
	ck_assert_uint_eq(rd32(VB + 0x70), 0xb);
	/* queue registers read back; an absent queue reads 0 */
	wr32(VB + 0x30, 0);
	wr32(VB + 0x80, 0x12345670);
	wr32(VB + 0x84, 0x9);
	ck_assert_uint_eq(rd32(VB + 0x80), 0x12345670);
	ck_assert_uint_eq(rd32(VB + 0x84), 0x9);
	wr32(VB + 0x30, 1);
	ck_assert_uint_eq(rd32(VB + 0x34), 0);
	wr32(VB + 0x44, 1);
	ck_assert_uint_eq(rd32(VB + 0x44), 0);
	/* config space: capacity in sectors, any access size */
	ck_assert_uint_eq(rd(VB + 0x100, 8), (1 << 20) / 512);
	ck_assert_uint_eq(rd(VB + 0x101, 1), ((1 << 20) / 512) >> 8);
	ck_assert_uint_eq(rd(VB + 0x10c, 4), VIRTQ_MAX_SIZE - 2);
	ck_assert_uint_eq(rd(VB + 0x1000 + 0x100, 4), 0x12005452);    /* 52:54:00:12 */
	ck_assert_uint_eq(rd(VB + 0x1000 + 0x104, 2), 0x5634);
	ck_assert_uint_eq(rd(VB + 0x1000 + 0x106, 2), 1);             /* link up */
	/* a reset clears the transport */
	wr32(VB + 0x70, 0);
	ck_assert_uint_eq(rd32(VB + 0x70), 0);
	wr32(VB + 0x30, 0);
	ck_assert_uint_eq(rd32(VB + 0x80), 0);
	/* every offset and size of every slot: no crash */
	for (int i = 0; i < 5; i++)
		poke_everything(VB + 0x1000 * i, VIRTIO_MMIO_SIZE, 1);
	virtio_free(blk);
	virtio_free(net);
	virtio_free(rng);
	virtio_free(inp);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

/* ---- virtio-blk ---- */

/* Queue a request: header, then data (len bytes at DATA, device-writable for IN),
 * then a status byte at DATA - 1. */
static void blk_req(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, int in)
{
	static uint8_t hdrs[16][16];
	static int nh;
	uint64_t ha = DATA - 0x1000 + 16 * (nh % 16);
	uint8_t h[16] = { 0 };
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	memcpy(gp(ha), h, 16);
	memcpy(hdrs[nh++ % 16], h, 16);
	*(uint8_t *)gp(DATA - 1) = 0xee;
	struct seg s[3] = { { ha, 16, 0 }, { data, len, in }, { DATA - 1, 1, 1 } };
	if (len)
		add_chain(0, 3, s);
	else
		add_chain(0, 2, (struct seg[]){ s[0], s[2] });
}

static void work_all(void)
{
	for (int i = 0; i < fh.nblk; i++)
		fh.blk[i]->work(fh.blk[i]);
}

START_TEST(virtio_blk_rw)
{
	const size_t isz = 1 << 20;
	struct disk *disk = test_disk(isz);
	struct virtio_dev *d = virtio_blk_new(&pm, VB, line(1), &host, 3, disk);
	drv_init(VB, 1, 1u << 9);
	/* read sectors 2..3: goes to the host, nothing reaches the guest before completion */
	blk_req(0, 2, DATA, 1024, 1);
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, 1);
	ck_assert_uint_eq(fh.blk[0]->dev, 3);
	ck_assert_int_eq(virtio_blk_inflight(d), 1);
	ck_assert_uint_eq(used_idx(0), 0);
	ck_assert_int_eq(irq_level[1], 0);
	work_all();
	ck_assert_uint_eq(*(uint8_t *)gp(DATA), 0);
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[0] + 1), -1);  /* unknown id */
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[0]), 0);
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[0]), -1);      /* only once */
	ck_assert_uint_eq(used_idx(0), 1);
	ck_assert_uint_eq(used_id(0, 0), 0);
	ck_assert_uint_eq(used_len(0, 0), 1025);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 0);
	ck_assert_int_eq(irq_level[1], 1);
	ck_assert_uint_eq(rd32(VB + 0x60), 1);
	wr32(VB + 0x64, 1);
	ck_assert_int_eq(irq_level[1], 0);
	for (int i = 0; i < 1024; i++)
		ck_assert_uint_eq(((uint8_t *)gp(DATA))[i], img_byte(1024 + i));
	/* write sector 5, then read it back: the guest sees it, the file does not */
	for (int i = 0; i < 512; i++)
		((uint8_t *)gp(DATA + 0x1000))[i] = 0x5a ^ i;
	blk_req(1, 5, DATA + 0x1000, 512, 0);
	notify(VB, 0);
	memset(gp(DATA + 0x1000), 0, 512);      /* data was copied at submission */
	blk_req(0, 5, DATA, 512, 1);
	blk_req(4, 0, 0, 0, 0);                 /* flush */
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, 4);
	ck_assert_int_eq(virtio_blk_inflight(d), 3);
	for (int i = 1; i < 4; i++) {
		fh.blk[i]->work(fh.blk[i]);
		ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[i]), 0);
	}
	ck_assert_uint_eq(used_idx(0), 4);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(((uint8_t *)gp(DATA))[i], (uint8_t)(0x5a ^ i));
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 0);
	/* GET_ID, an unknown type, a sector past the end, an odd length: at once */
	blk_req(8, 0, DATA, 20, 1);
	notify(VB, 0);
	ck_assert_uint_eq(used_idx(0), 5);
	ck_assert_str_eq((char *)gp(DATA), "rrkit-virtio-blk");
	blk_req(99, 0, DATA, 512, 1);
	notify(VB, 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 2);
	blk_req(0, isz / 512 - 1, DATA, 1024, 1);
	notify(VB, 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 1);
	blk_req(0, ~0ull, DATA, 512, 1);
	notify(VB, 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 1);
	blk_req(1, 0, DATA, 100, 0);
	notify(VB, 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 1);
	/* larger than VIRTIO_BLK_MAX_BYTES: IOERR, nothing allocated or submitted */
	blk_req(0, 0, RAM_BASE + 0x200000, VIRTIO_BLK_MAX_BYTES + 512, 1);
	notify(VB, 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 1);
	ck_assert_uint_eq(used_idx(0), 10);
	ck_assert_int_eq(fh.nblk, 4);
	ck_assert(!needs_reset(VB));
	virtio_free(d);
	disk_close(disk);
	ck_assert(image_intact(isz));
	unlink(img_path);
}
END_TEST

/* The bytes the host holds for one device are bounded (VIRTIO_BLK_MAX_INFLIGHT):
 * requests over the bound wait in the ring, those of a reset device count too. */
START_TEST(virtio_blk_inflight_bound)
{
	struct disk *disk = test_disk(VIRTIO_BLK_MAX_BYTES);
	struct virtio_dev *d = virtio_blk_new(&pm, VB, line(1), &host, 0, disk);
	drv_init(VB, 1, 0);
	uint32_t big = VIRTIO_BLK_MAX_BYTES;   /* the largest request there is */
	int fit = VIRTIO_BLK_MAX_INFLIGHT / big - 1;  /* each also counts its record */
	for (int i = 0; i < 5; i++)
		blk_req(0, 0, RAM_BASE + 0x200000, big, 1);
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, fit);
	ck_assert_int_eq(virtio_blk_inflight(d), fit);
	ck_assert(!needs_reset(VB));
	/* a completion makes room for one more */
	fh.blk[0]->work(fh.blk[0]);
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[0]), 0);
	ck_assert_uint_eq(used_idx(0), 1);
	ck_assert_int_eq(fh.nblk, fit + 1);
	ck_assert_int_eq(virtio_blk_inflight(d), fit);
	/* reset: the host still holds them; a new request waits for their bytes */
	wr32(VB + 0x70, 0);
	ck_assert_int_eq(virtio_blk_inflight(d), fit);
	drv_init(VB, 1, 0);
	blk_req(0, 0, RAM_BASE + 0x200000, big, 1);
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, fit + 1);
	for (int i = 1; i <= fit; i++) {
		fh.blk[i]->work(fh.blk[i]);
		ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[i]), 0);
	}
	ck_assert_int_eq(fh.nblk, fit + 2);     /* taken once the bytes were released */
	ck_assert_int_eq(virtio_blk_inflight(d), 1);
	fh.blk[fit + 1]->work(fh.blk[fit + 1]);
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[fit + 1]), 0);
	ck_assert_uint_eq(used_idx(0), 1);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA - 1), 0);
	virtio_free(d);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

START_TEST(virtio_blk_reset_and_snapshot)
{
	struct disk *disk = test_disk(1 << 16);
	struct virtio_dev *d = virtio_blk_new(&pm, VB, line(1), &host, 0, disk);
	drv_init(VB, 1, 0);
	/* reset with requests in flight: their completions are swallowed */
	blk_req(0, 0, DATA, 512, 1);
	blk_req(0, 1, DATA + 512, 512, 1);
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, 2);
	wr32(VB + 0x70, 0);
	/* the host still performs them: they count as in flight (the recorder takes
	 * no snapshot until they are done) */
	ck_assert_int_eq(virtio_blk_inflight(d), 2);
	work_all();
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[0]), 0);
	ck_assert_int_eq(virtio_blk_inflight(d), 1);
	ck_assert_int_eq(virtio_blk_complete(d, fh.blk_id[1]), 0);
	ck_assert_int_eq(virtio_blk_inflight(d), 0);
	ck_assert_uint_eq(*(uint8_t *)gp(DATA), 0);
	/* snapshot with a request in flight, drain, restore: it is resubmitted */
	fh.nblk = 0;
	drv_init(VB, 1, 0);
	blk_req(0, 3, DATA, 512, 1);
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, 1);
	size_t len;
	void *st = virtio_state(d, &len);
	void *copy = malloc(len);
	memcpy(copy, st, len);
	uint64_t id = fh.blk_id[0];
	work_all();
	ck_assert_int_eq(virtio_blk_complete(d, id), 0);
	ck_assert_uint_eq(used_idx(0), 1);
	st16(QAREA(0) + 0x2000 + 2, 0);         /* guest RAM goes back too */
	memset(gp(DATA), 0, 512);
	memcpy(st, copy, len);
	virtio_state_loaded(d);
	ck_assert_int_eq(fh.nblk, 2);
	ck_assert_uint_eq(fh.blk_id[1], id);
	fh.blk[1]->work(fh.blk[1]);
	ck_assert_int_eq(virtio_blk_complete(d, id), 0);
	ck_assert_uint_eq(used_idx(0), 1);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(((uint8_t *)gp(DATA))[i], img_byte(3 * 512 + i));
	free(copy);
	virtio_free(d);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

/* A write in flight whose buffer the guest changes after the notify: a state saved
 * then, with the writes' data (virtio_blk_writes_save), restores a request that
 * writes what the host took at the notify; without it (a format 2 snapshot), the
 * changed bytes. Malformed write data is refused. */
START_TEST(virtio_blk_writes_in_snapshot)
{
	struct disk *disk = test_disk(1 << 16);
	struct virtio_dev *d = virtio_blk_new(&pm, VB, line(1), &host, 0, disk);
	drv_init(VB, 1, 0);
	fh.nblk = 0;
	for (int i = 0; i < 1024; i++)
		((uint8_t *)gp(DATA))[i] = (uint8_t)(0xa5 ^ i);
	blk_req(1, 6, DATA, 1024, 0);
	blk_req(0, 9, DATA + 0x1000, 512, 1);   /* a read in flight beside it */
	notify(VB, 0);
	ck_assert_int_eq(fh.nblk, 2);
	size_t len, wlen;
	void *st = virtio_state(d, &len);
	void *copy = malloc(len);
	memcpy(copy, st, len);
	void *w = virtio_blk_writes_save(d, &wlen);
	ck_assert(w != NULL);
	ck_assert_uint_eq(wlen, 8 + 16 + 1024);
	((uint8_t *)gp(DATA))[0] ^= 0xff;       /* the guest changes the buffer in flight */
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: restored with the writes' data; pass 1: without (format 2) */
		memcpy(st, copy, len);
		if (pass == 0)
			ck_assert_int_eq(virtio_blk_writes_load(d, w, wlen, 0), 0);
		int n0 = fh.nblk;
		virtio_state_loaded(d);
		ck_assert_int_eq(fh.nblk, n0 + 2);
		fh.blk[n0]->work(fh.blk[n0]);
		uint8_t back[1024];
		ck_assert_int_eq(disk_read(disk, 6 * 512, back, sizeof back), 0);
		ck_assert_uint_eq(back[0], pass == 0 ? 0xa5 : 0x5a);
		for (int i = 1; i < 1024; i++)
			ck_assert_uint_eq(back[i], (uint8_t)(0xa5 ^ i));
	}
	/* malformed: count over the ring, a length not of sectors, cut short, bytes
	 * left over; writes for a machine without virtio-blk */
	uint8_t *bad = malloc(wlen + 8);
	memcpy(bad, w, wlen);
	bad[1] = 1;
	ck_assert_int_eq(virtio_blk_writes_load(d, bad, wlen, 1), -1);
	memcpy(bad, w, wlen);
	bad[8 + 8] = 7;
	ck_assert_int_eq(virtio_blk_writes_load(d, bad, wlen, 1), -1);
	ck_assert_int_eq(virtio_blk_writes_load(d, w, wlen - 1, 1), -1);
	memcpy(bad, w, wlen);
	memset(bad + wlen, 0, 8);
	ck_assert_int_eq(virtio_blk_writes_load(d, bad, wlen + 8, 1), -1);
	ck_assert_int_eq(virtio_blk_writes_load(d, w, 7, 1), -1);
	ck_assert_int_eq(virtio_blk_writes_load(NULL, w, wlen, 1), -1);
	memset(bad, 0, 8);
	ck_assert_int_eq(virtio_blk_writes_load(NULL, bad, 8, 1), 0);
	ck_assert_int_eq(virtio_blk_writes_load(d, w, wlen, 1), 0);
	free(bad);
	free(w);
	free(copy);
	virtio_free(d);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

/* Each hostile queue setup must end in NEEDS_RESET with a config interrupt, touch
 * no host memory, and recover with a reset. */
START_TEST(virtio_hostile_chains)
{
	struct disk *disk = test_disk(1 << 16);
	struct virtio_dev *d = virtio_blk_new(&pm, VB, line(1), &host, 0, disk);
	for (int t = 0; t < 9; t++) {
		drv_init(VB, 1, 0);
		uint64_t h = DATA - 0x1000;
		uint32_t zero = 0;
		memcpy(gp(h), &zero, 4);
		switch (t) {
		case 0:         /* a loop: 0 -> 1 -> 0 */
			put_desc(0, 0, h, 16, 1, 1);
			put_desc(0, 1, DATA, 512, 3, 0);
			put_avail(0, 0);
			break;
		case 1:         /* a self loop */
			put_desc(0, 0, h, 16, 1, 0);
			put_avail(0, 0);
			break;
		case 2:         /* head index beyond the queue */
			put_avail(0, 1000);
			break;
		case 3:         /* next index beyond the queue */
			put_desc(0, 0, h, 16, 1, QSIZE);
			put_avail(0, 0);
			break;
		case 4:         /* buffer outside RAM */
			put_desc(0, 0, 0x1000, 16, 1, 1);
			put_desc(0, 1, DATA, 1, 2, 0);
			put_avail(0, 0);
			break;
		case 5:         /* huge length running past the end of RAM */
			put_desc(0, 0, h, 16, 1, 1);
			put_desc(0, 1, DATA, 0xffffffff, 2, 0);
			put_avail(0, 0);
			break;
		case 6:         /* indirect descriptor */
			put_desc(0, 0, h, 16, 4, 0);
			put_avail(0, 0);
			break;
		case 7:         /* avail index far ahead */
			st16(QAREA(0) + 0x1000 + 2, 1000);
			break;
		case 8:         /* rings outside RAM */
			wr32(VB + 0x30, 0);
			wr32(VB + 0x80, 0x10000000);
			put_avail(0, 0);
			break;
		}
		notify(VB, 0);
		ck_assert_msg(needs_reset(VB), "case %d", t);
		ck_assert_uint_eq(rd32(VB + 0x60) & 2, 2);
		ck_assert_int_eq(irq_level[1], 1);
		ck_assert_uint_eq(used_idx(0), 0);
		ck_assert_int_eq(fh.nblk, 0);
		notify(VB, 0);                  /* ignored until reset */
		wr32(VB + 0x70, 0);
		ck_assert(!needs_reset(VB));
		ck_assert_int_eq(irq_level[1], 0);
	}
	/* a header too short is a malformed request, not an I/O error */
	drv_init(VB, 1, 0);
	add_chain(0, 2, (struct seg[]){ { DATA, 8, 0 }, { DATA - 1, 1, 1 } });
	notify(VB, 0);
	ck_assert(needs_reset(VB));
	virtio_free(d);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

/* Random descriptor tables and rings against every device: no crash, no access
 * outside guest RAM (run under ASan by make SANITIZE=1). */
START_TEST(virtio_fuzz)
{
	struct disk *disk = test_disk(1 << 16);
	struct virtio_dev *dv[4] = {
		virtio_blk_new(&pm, VB, line(1), &host, 0, disk),
		virtio_net_new(&pm, VB + 0x1000, line(2), &host, 0, NULL),
		virtio_rng_new(&pm, VB + 0x2000, line(3), &host),
		virtio_input_new(&pm, VB + 0x3000, line(4), &host, 0),
	};
	uint64_t x = 88172645463325252ull;
	for (int round = 0; round < 400; round++) {
		int k = round % 4;
		uint64_t b = VB + 0x1000 * k;
		drv_init(b, k == 1 || k == 3 ? 2 : 1, 0);
		for (int i = 0; i < 0x3000; i += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			uint64_t v = x;
			if ((v & 3) == 0)       /* plausible addresses now and then */
				v = RAM_BASE + (v >> 8) % (RAM_SIZE + 0x1000);
			if ((i & 15) == 8)      /* small lengths, flags, next mostly */
				v &= (round & 1) ? 0x000f0007000fffffull : ~0ull;
			memcpy(gp(QAREA(0) + i), &v, 8);
			memcpy(gp(QAREA(1) + i), &v, 8);
		}
		st16(QAREA(0) + 0x1000 + 2, x % 20);
		st16(QAREA(1) + 0x1000 + 2, x % 20);
		fh.nblk = 0;
		notify(b, 0);
		notify(b, 1);
		virtio_net_receive(dv[1], (const uint8_t *)"frame", 5);
		virtio_input_event(dv[3], 1, 30, 1);
		work_all();
		for (int i = 0; i < fh.nblk; i++)
			virtio_blk_complete(dv[0], fh.blk_id[i]);
	}
	for (int i = 0; i < 4; i++)
		virtio_free(dv[i]);
	disk_close(disk);
	unlink(img_path);
}
END_TEST

/* ---- virtio-net ---- */

START_TEST(virtio_net_txrx)
{
	struct virtio_dev *d = virtio_net_new(&pm, VB, line(2), &host, 0, NULL);
	drv_init(VB, 2, (1u << 5) | (1u << 16));
	ck_assert_int_eq(virtio_net_can_receive(d), 0);
	uint8_t frame[60];
	for (int i = 0; i < 60; i++)
		frame[i] = i * 3;
	ck_assert_int_eq(virtio_net_receive(d, frame, 60), 0);
	ck_assert_uint_eq(virtio_net_rx_dropped(d), 1);
	/* transmit: header and frame split over two descriptors */
	memset(gp(DATA), 0, 12);
	memcpy(gp(DATA + 12), frame, 60);
	add_chain(1, 2, (struct seg[]){ { DATA, 20, 0 }, { DATA + 20, 52, 0 } });
	notify(VB, 1);
	ck_assert_int_eq(fh.nframes, 1);
	ck_assert_uint_eq(fh.frame_len, 60);
	ck_assert_int_eq(memcmp(fh.frame, frame, 60), 0);
	ck_assert_uint_eq(used_idx(1), 1);
	ck_assert_int_eq(irq_level[2], 1);
	wr32(VB + 0x64, 3);
	/* receive: a small buffer is skipped over (kept), a big one is used */
	add_chain(0, 1, (struct seg[]){ { DATA + 0x1000, 40, 1 } });
	ck_assert_int_eq(virtio_net_can_receive(d), 1);
	ck_assert_int_eq(virtio_net_receive(d, frame, 60), 0);
	ck_assert_int_eq(virtio_net_receive(d, frame, 20), 1);
	ck_assert_uint_eq(used_len(0, 0), 32);
	add_chain(0, 1, (struct seg[]){ { DATA + 0x2000, 1526, 1 } });
	ck_assert_int_eq(virtio_net_receive(d, frame, 60), 1);
	ck_assert_uint_eq(used_idx(0), 2);
	ck_assert_uint_eq(used_len(0, 1), 72);
	ck_assert_uint_eq(*(uint16_t *)gp(DATA + 0x2000 + 10), 1);   /* num_buffers */
	ck_assert_int_eq(memcmp(gp(DATA + 0x2000 + 12), frame, 60), 0);
	ck_assert_int_eq(irq_level[2], 1);
	ck_assert_int_eq(virtio_net_receive(d, frame, 65536), 0);    /* too big */
	ck_assert_uint_eq(virtio_net_rx_dropped(d), 3);
	/* suppressed interrupts stay off */
	wr32(VB + 0x64, 3);
	st16(QAREA(0) + 0x1000, 1);
	add_chain(0, 1, (struct seg[]){ { DATA + 0x2000, 1526, 1 } });
	ck_assert_int_eq(virtio_net_receive(d, frame, 60), 1);
	ck_assert_int_eq(irq_level[2], 0);
	/* a transmit chain too short for the header is dropped, not sent */
	add_chain(1, 1, (struct seg[]){ { DATA, 5, 0 } });
	notify(VB, 1);
	ck_assert_int_eq(fh.nframes, 1);
	ck_assert_uint_eq(used_idx(1), 2);
	virtio_free(d);
}
END_TEST

/* ---- virtio-rng ---- */

START_TEST(virtio_rng_fill)
{
	struct virtio_dev *d = virtio_rng_new(&pm, VB, line(3), &host);
	drv_init(VB, 1, 0);
	fh.ent_byte = 7;
	add_chain(0, 2, (struct seg[]){ { DATA, 10, 1 }, { DATA + 100, 6, 1 } });
	notify(VB, 0);
	ck_assert_uint_eq(used_idx(0), 1);
	ck_assert_uint_eq(used_len(0, 0), 16);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(((uint8_t *)gp(DATA))[i], 7 + i);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(((uint8_t *)gp(DATA + 100))[i], 17 + i);
	ck_assert_int_eq(irq_level[3], 1);
	/* a huge buffer gets at most 64 KiB */
	add_chain(0, 1, (struct seg[]){ { RAM_BASE + 0x200000, 0x800000, 1 } });
	notify(VB, 0);
	ck_assert_uint_eq(used_len(0, 1), 65536);
	ck_assert_uint_eq(fh.ent_total, 16 + 65536);
	virtio_free(d);
}
END_TEST

/* ---- virtio-input ---- */

START_TEST(virtio_input_keys)
{
	struct virtio_dev *d = virtio_input_new(&pm, VB, line(4), &host, 0);
	/* config: name, ids, EV_KEY bitmap; other selects are empty */
	wr(VB + 0x100, 1, 1);
	wr(VB + 0x101, 1, 0);
	ck_assert_uint_eq(rd(VB + 0x102, 1), 14);
	char name[15] = { 0 };
	for (int i = 0; i < 14; i++)
		name[i] = rd(VB + 0x108 + i, 1);
	ck_assert_str_eq(name, "rrkit keyboard");
	wr(VB + 0x100, 2, 0x0111);              /* EV_BITS, subsel EV_KEY in one write */
	ck_assert_uint_eq(rd(VB + 0x102, 1), 32);
	ck_assert_uint_eq(rd(VB + 0x108, 1), 0xfe);
	wr(VB + 0x101, 1, 2);
	ck_assert_uint_eq(rd(VB + 0x102, 1), 0);
	wr(VB + 0x100, 1, 3);
	ck_assert_uint_eq(rd(VB + 0x108, 2), 6);
	ck_assert_uint_eq(rd(VB + 0x10a, 2), 0x0627);
	/* events wait for buffers */
	drv_init(VB, 2, 0);
	ck_assert_int_eq(virtio_input_event(d, 1, 30, 1), 0);
	ck_assert_int_eq(virtio_input_event_id(d, VIRTIO_INPUT_ID(0, 0, 0)), 0);
	ck_assert_uint_eq(used_idx(0), 0);
	for (int i = 0; i < 4; i++)
		add_chain(0, 1, (struct seg[]){ { DATA + 8 * i, 8, 1 } });
	notify(VB, 0);
	ck_assert_uint_eq(used_idx(0), 2);
	ck_assert_uint_eq(ld32(DATA), 1 | 30 << 16);
	ck_assert_uint_eq(ld32(DATA + 4), 1);
	ck_assert_uint_eq(ld32(DATA + 8), 0);
	ck_assert_int_eq(irq_level[4], 1);
	ck_assert_int_eq(virtio_input_event_id(d, VIRTIO_INPUT_ID(1, 30, 0)), 0);
	ck_assert_uint_eq(used_idx(0), 3);
	ck_assert_uint_eq(ld32(DATA + 16), 1 | 30 << 16);
	/* the waiting ring is bounded */
	int ok = 0;
	for (int i = 0; i < 200; i++)
		ok += virtio_input_event(d, 1, 31, 1) == 0;
	ck_assert_int_eq(ok, 1 + VIRTIO_INPUT_QLEN);
	/* LED status from the driver is consumed */
	add_chain(1, 1, (struct seg[]){ { DATA + 0x100, 8, 0 } });
	notify(VB, 1);
	ck_assert_uint_eq(used_idx(1), 1);
	ck_assert_int_eq(virtio_input_event(NULL, 1, 1, 1), -1);
	virtio_free(d);
}
END_TEST

static void add_virtio_tests(Suite *s)
{
	TCase *tc = tcase_create("disk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, disk_cow);
	tcase_add_test(tc, disk_bad_images);
	suite_add_tcase(s, tc);
	tc = tcase_create("virtio");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, virtio_transport);
	tcase_add_test(tc, virtio_blk_rw);
	tcase_add_test(tc, virtio_blk_inflight_bound);
	tcase_add_test(tc, virtio_blk_reset_and_snapshot);
	tcase_add_test(tc, virtio_blk_writes_in_snapshot);
	tcase_add_test(tc, virtio_hostile_chains);
	tcase_add_test(tc, virtio_fuzz);
	tcase_add_test(tc, virtio_net_txrx);
	tcase_add_test(tc, virtio_rng_fill);
	tcase_add_test(tc, virtio_input_keys);
	suite_add_tcase(s, tc);
}

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
	add_virtio_tests(s);
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
