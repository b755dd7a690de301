/* rr_inputs: a bare-metal guest that takes one of every nondeterministic input the
 * board has, for the record/replay tests (tests/rr-bare.sh):
 *   - the goldfish RTC (host real time),
 *   - console bytes (a line on the UART, waited for with WFI and a timer so the
 *     machine idles),
 *   - virtio-rng bytes,
 *   - virtio-blk reads and writes (completions arrive asynchronously),
 *   - virtio-net: an ARP request for the user-net gateway 10.0.2.2, whose reply
 *     arrives as a received frame,
 * and prints what it got. A replay must print exactly what the recording printed.
 * The printed values differ from run to run (time, entropy): compare a recording
 * with its replays, not with a constant.
 */
#include "rt.h"

#define RTC_BASE     0x101000ul

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(uint64_t a) { return *(volatile uint8_t *)a; }

/* ---- a minimal virtio-mmio (version 2) driver, one queue of 8 ---- */

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq {
	struct vdesc desc[8];
	struct { uint16_t flags, idx, ring[8], used_event; } avail;
	uint8_t pad[4096];
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[8]; uint16_t avail_event; } used;
	uint16_t last_used;
};

static struct vq rngq __attribute__((aligned(4096)));
static struct vq blkq __attribute__((aligned(4096)));
static struct vq netrx __attribute__((aligned(4096)));
static struct vq nettx __attribute__((aligned(4096)));

static void virtio_queue(uint64_t b, int n, struct vq *q)
{
	wr32(b + 0x30, n);
	wr32(b + 0x38, 8);
	uint64_t d = (uint64_t)q->desc, a = (uint64_t)&q->avail, u = (uint64_t)&q->used;
	wr32(b + 0x80, d); wr32(b + 0x84, d >> 32);
	wr32(b + 0x90, a); wr32(b + 0x94, a >> 32);
	wr32(b + 0xa0, u); wr32(b + 0xa4, u >> 32);
	wr32(b + 0x44, 1);
}

/* Negotiate VERSION_1 only and set up queues 0 (q0) and 1 (q1, may be NULL). */
static int virtio_init2(uint64_t b, struct vq *q0, struct vq *q1)
{
	wr32(b + 0x70, 0);
	wr32(b + 0x70, 1 | 2);
	wr32(b + 0x24, 1);       /* driver features, high word: VERSION_1 */
	wr32(b + 0x20, 1);
	wr32(b + 0x24, 0);
	wr32(b + 0x20, 0);
	wr32(b + 0x70, 1 | 2 | 8);
	if (!(rd32(b + 0x70) & 8))
		return -1;
	wr32(b + 0x30, 0);
	if (rd32(b + 0x34) < 8)
		return -1;
	virtio_queue(b, 0, q0);
	if (q1)
		virtio_queue(b, 1, q1);
	wr32(b + 0x70, 1 | 2 | 4 | 8);
	return 0;
}

static int virtio_init(uint64_t b, struct vq *q)
{
	return virtio_init2(b, q, NULL);
}

/* Post the chain starting at descriptor 0 on queue qn without waiting. */
static void virtio_post(uint64_t b, struct vq *q, int qn)
{
	q->avail.ring[q->avail.idx % 8] = 0;
	__sync_synchronize();
	q->avail.idx++;
	__sync_synchronize();
	wr32(b + 0x50, qn);
}

/* Wait (spin on the used ring, with a bound) for the next used buffer of q and
 * acknowledge the interrupt. Returns the used length or -1. */
static int virtio_wait(uint64_t b, struct vq *q)
{
	for (long spin = 0; spin < 100000000; spin++) {
		if (*(volatile uint16_t *)&q->used.idx != q->last_used) {
			int len = q->used.ring[q->last_used % 8].len;
			q->last_used++;
			wr32(b + 0x64, rd32(b + 0x60));
			return len;
		}
	}
	return -1;
}

/* Post descriptor 0's chain on queue 0 and wait for it. */
static int virtio_submit(uint64_t b, struct vq *q)
{
	virtio_post(b, q, 0);
	return virtio_wait(b, q);
}

static uint32_t fnv(const uint8_t *p, int n)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint8_t rngbuf[16];
static uint8_t rxbuf[12 + 1514], txbuf[12 + 42];
static struct { uint32_t type, reserved; uint64_t sector; } blkhdr;
static uint8_t sector[512];
static uint8_t blkstatus;

static int blk_rw(uint64_t b, int write, uint64_t s)
{
	blkhdr.type = write;
	blkhdr.sector = s;
	blkstatus = 0xff;
	blkq.desc[0] = (struct vdesc){ (uint64_t)&blkhdr, 16, 1, 1 };
	blkq.desc[1] = (struct vdesc){ (uint64_t)sector, 512, (uint16_t)(1 | (write ? 0 : 2)), 2 };
	blkq.desc[2] = (struct vdesc){ (uint64_t)&blkstatus, 1, 2, 0 };
	if (virtio_submit(b, &blkq) < 0)
		return -1;
	return blkstatus;
}

/* ---- main ---- */

static uint64_t mtime(void) { return *(volatile uint64_t *)CLINT_MTIME; }

int main(void)
{
	/* RTC: TIME_LOW latches, TIME_HIGH returns the latched high half. */
	uint64_t lo = rd32(RTC_BASE), hi = rd32(RTC_BASE + 4);
	uint64_t ns = hi << 32 | lo;
	rt_printf("rtc ns=%lx plausible=%d\n", ns, ns > 1500000000ull * 1000000000ull);

	/* Console: a line, waiting with WFI on a 1 ms timer between polls (the machine
	 * idles), giving up after 2 s of virtual time. */
	char line[64];
	int n = 0;
	uint64_t start = mtime();
	csr_set(mie, 1 << 7);
	while (n < (int)sizeof line - 1 && mtime() - start < 20000000) {
		if (rd8(UART_BASE + 5) & 1) {
			char c = rd8(UART_BASE);
			if (c == '\n' || c == '\r')
				break;
			line[n++] = c;
			continue;
		}
		*(volatile uint64_t *)CLINT_MTIMECMP = mtime() + 10000;
		__asm__ volatile("wfi");
	}
	*(volatile uint64_t *)CLINT_MTIMECMP = ~0ull;
	csr_clear(mie, 1 << 7);
	line[n] = 0;
	rt_printf("serial line='%s' len=%d\n", line, n);

	uint64_t rng = rt_virtio_find(4);
	if (rng && virtio_init(rng, &rngq) == 0) {
		rngq.desc[0] = (struct vdesc){ (uint64_t)rngbuf, sizeof rngbuf, 2, 0 };
		int got = virtio_submit(rng, &rngq);
		rt_printf("rng len=%d bytes=", got);
		for (int i = 0; i < (int)sizeof rngbuf; i++)
			rt_printf("%02x", rngbuf[i]);
		rt_printf("\n");
	} else {
		rt_printf("rng absent\n");
	}

	uint64_t blk = rt_virtio_find(2);
	if (blk && virtio_init(blk, &blkq) == 0) {
		int st = blk_rw(blk, 0, 0);
		rt_printf("blk read0 status=%d fnv=%x\n", st, fnv(sector, 512));
		for (int i = 0; i < 512; i++)
			sector[i] = (uint8_t)(i * 7 + 3);
		st = blk_rw(blk, 1, 1);
		rt_printf("blk write1 status=%d\n", st);
		for (int i = 0; i < 512; i++)
			sector[i] = 0;
		st = blk_rw(blk, 0, 1);
		rt_printf("blk read1 status=%d fnv=%x\n", st, fnv(sector, 512));
	} else {
		rt_printf("blk absent\n");
	}
	/* virtio-net: ARP "who has 10.0.2.2, tell 10.0.2.15"; the gateway answers. */
	uint64_t net = rt_virtio_find(1);
	if (net && virtio_init2(net, &netrx, &nettx) == 0) {
		static const uint8_t arp[42] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
			0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
			0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
			0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
		};
		netrx.desc[0] = (struct vdesc){ (uint64_t)rxbuf, sizeof rxbuf, 2, 0 };
		virtio_post(net, &netrx, 0);
		for (int i = 0; i < 42; i++)
			txbuf[12 + i] = arp[i];
		nettx.desc[0] = (struct vdesc){ (uint64_t)txbuf, sizeof txbuf, 0, 0 };
		virtio_post(net, &nettx, 1);
		int sent = virtio_wait(net, &nettx);
		int got = virtio_wait(net, &netrx);
		const uint8_t *f = rxbuf + 12;
		rt_printf("net sent=%d got=%d ethertype=%02x%02x op=%d sender=%d.%d.%d.%d mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
			  sent, got, f[12], f[13], f[21], f[28], f[29], f[30], f[31],
			  f[22], f[23], f[24], f[25], f[26], f[27]);
	} else {
		rt_printf("net absent\n");
	}
	rt_printf("done\n");
	return 0;
}
