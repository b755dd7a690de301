/* hostile_inflight: a guest that keeps virtio-blk requests in flight nearly all
 * the time, so that snapshots, seeks and state restores land between a request's
 * submission and its completion (tests/hostile.sh, tests/tools/rr-restore-check).
 *
 *   - 120 rounds of 8 requests posted together (4 writes of a per-round pattern,
 *     4 reads of what the previous round wrote), notified in two batches, with
 *     computation while they are in flight; every read is checked;
 *   - 4 writes posted and the device reset at once, with the writes in flight
 *     (QEMU drains them at the reset; so does rr-run's host), then the device
 *     brought up again and the sectors read back: the writes are there;
 *   - if sector 1023 of the disk begins with POWEROFF_MAGIC: a read left in flight
 *     at power-off (rr-run's live run freed the device under its disk worker then,
 *     a crash in about one run of 15: RELIABILITY.md, "Known limits");
 *   - if it begins with SCRIBBLE_MAGIC: every write buffer is changed (its first
 *     byte flipped) while its request is in flight. The spec forbids it and QEMU
 *     then writes either; rr-run writes what it took at the notify, and a state
 *     restored with the write in flight must too (the snapshot's HOST section).
 * Needs a virtio-blk disk of at least 1024 sectors; the image is never changed
 * (rr-run's overlay, QEMU's snapshot=on). Prints "OK" when every check passes.
 */
#include "rt.h"

#define QN 32
#define NREQ 8
#define ROUNDS 120
#define POWEROFF_MAGIC "rrkit: power off with a read in flight"
#define SCRIBBLE_MAGIC "rrkit: change write buffers in flight"

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
static struct {
	struct vdesc desc[QN];
	struct { uint16_t flags, idx, ring[QN], used_event; } avail;
	uint8_t pad[4096];
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QN]; uint16_t avail_event; } used;
} q __attribute__((aligned(4096)));
static uint16_t last_used;
static struct { uint32_t type, reserved; uint64_t sector; } hdr[NREQ];
static uint8_t buf[NREQ][1024] __attribute__((aligned(512)));
static volatile uint8_t st[NREQ];
static uint64_t blk;

static int blk_init(void)
{
	uint64_t b = blk;
	wr32(b + 0x70, 0);
	wr32(b + 0x70, 1 | 2);
	wr32(b + 0x24, 1);
	wr32(b + 0x20, 1);
	wr32(b + 0x24, 0);
	wr32(b + 0x20, 0);
	wr32(b + 0x70, 1 | 2 | 8);
	if (!(rd32(b + 0x70) & 8))
		return -1;
	wr32(b + 0x30, 0);
	if (rd32(b + 0x34) < QN)
		return -1;
	memset(&q, 0, sizeof q);
	last_used = 0;
	wr32(b + 0x38, QN);
	uint64_t d = (uint64_t)q.desc, a = (uint64_t)&q.avail, u = (uint64_t)&q.used;
	wr32(b + 0x80, d); wr32(b + 0x84, d >> 32);
	wr32(b + 0x90, a); wr32(b + 0x94, a >> 32);
	wr32(b + 0xa0, u); wr32(b + 0xa4, u >> 32);
	wr32(b + 0x44, 1);
	wr32(b + 0x70, 1 | 2 | 4 | 8);
	return 0;
}

/* Put request j (write or read of 1024 bytes at sector s) on the avail ring. */
static void post(int j, int write, uint64_t s)
{
	hdr[j].type = write;
	hdr[j].reserved = 0;
	hdr[j].sector = s;
	st[j] = 0xee;
	q.desc[3 * j] = (struct vdesc){ (uint64_t)&hdr[j], 16, 1, (uint16_t)(3 * j + 1) };
	q.desc[3 * j + 1] = (struct vdesc){ (uint64_t)buf[j], 1024, (uint16_t)(1 | (write ? 0 : 2)),
					    (uint16_t)(3 * j + 2) };
	q.desc[3 * j + 2] = (struct vdesc){ (uint64_t)&st[j], 1, 2, 0 };
	q.avail.ring[q.avail.idx % QN] = 3 * j;
	__sync_synchronize();
	q.avail.idx++;
	__sync_synchronize();
}

/* Wait (bounded) until n more requests are used; the number that were. */
static int wait_used(int n)
{
	int got = 0;
	for (long spin = 0; spin < 200000000 && got < n; spin++) {
		while (*(volatile uint16_t *)&q.used.idx != last_used) {
			last_used++;
			got++;
		}
	}
	wr32(blk + 0x64, rd32(blk + 0x60));
	__sync_synchronize();
	return got;
}

static uint8_t pat(int round, int j, int i) { return (uint8_t)(round * 37 + j * 11 + i * 3 + (i >> 7)); }
static uint64_t sector_of(int round, int j) { return 64 + 2 * ((round * NREQ + j) % 400); }

static volatile uint64_t work_sink;
static void compute(int n)
{
	uint64_t x = 88172645463325252ull + n;
	for (int i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	work_sink = x;
}

int main(void)
{
	blk = rt_virtio_find(2);
	if (!blk || blk_init() < 0) {
		rt_check("virtio-blk present and usable", 0, 1);
		return rt_done("hostile_inflight");
	}
	uint64_t cap = rd32(blk + 0x100) | (uint64_t)rd32(blk + 0x104) << 32;
	rt_check("capacity >= 1024 sectors", cap >= 1024, 1);
	post(0, 0, 1023);
	wr32(blk + 0x50, 0);
	rt_check("read sector 1023", wait_used(1), 1);
	int poweroff_inflight = !memcmp(buf[0], POWEROFF_MAGIC, sizeof POWEROFF_MAGIC - 1);
	int scribble = !memcmp(buf[0], SCRIBBLE_MAGIC, sizeof SCRIBBLE_MAGIC - 1);
	int lost = 0, bad_status = 0, bad_bytes = 0;
	for (int r = 0; r < ROUNDS; r++) {
		for (int j = 0; j < NREQ; j++) {
			if (j % 2 == 0) {                       /* write this round's pattern */
				for (int i = 0; i < 1024; i++)
					buf[j][i] = pat(r, j, i);
				post(j, 1, sector_of(r, j));
			} else {                                /* read the previous round's */
				memset(buf[j], 0, 1024);
				post(j, 0, sector_of(r > 0 ? r - 1 : 0, j - 1));
			}
			if (j == NREQ / 2 - 1)
				wr32(blk + 0x50, 0);            /* first batch */
		}
		wr32(blk + 0x50, 0);
		for (int j = 0; scribble && j < NREQ; j += 2)
			buf[j][0] ^= 0xff;
		compute(2000 + 37 * (r % 5));
		lost += NREQ - wait_used(NREQ);
		for (int j = 0; j < NREQ; j++) {
			bad_status += st[j] != 0;
			if (j % 2 && r > 0)
				for (int i = 0; i < 1024; i++)
					bad_bytes += buf[j][i] != pat(r - 1, j - 1, i);
		}
		if (r % 40 == 39) {
			rt_printf("rounds %d..%d:\n", r - 39, r);
			rt_check("  requests never completed", lost, 0);
			rt_check("  bad statuses", bad_status, 0);
			rt_check("  bytes read back wrong", bad_bytes, 0);
		}
	}
	/* writes in flight across a device reset */
	for (int j = 0; j < 4; j++) {
		for (int i = 0; i < 1024; i++)
			buf[j][i] = pat(200, j, i);
		post(j, 1, 900 + 2 * j);
	}
	wr32(blk + 0x50, 0);
	for (int j = 0; scribble && j < 4; j++)
		buf[j][0] ^= 0xff;
	wr32(blk + 0x70, 0);
	rt_check("status after the reset with writes in flight", rd32(blk + 0x70), 0);
	rt_check("device up again", blk_init(), 0);
	for (int j = 0; j < 4; j++) {
		memset(buf[j], 0, 1024);
		post(j, 0, 900 + 2 * j);
	}
	wr32(blk + 0x50, 0);
	rt_check("reads after the reset completed", wait_used(4), 4);
	int bad = 0;
	for (int j = 0; j < 4; j++) {
		bad += st[j] != 0;
		for (int i = 0; i < 1024; i++)
			bad += buf[j][i] != pat(200, j, i);
	}
	rt_check("the writes in flight at the reset reached the disk (bad statuses + bytes)", bad, 0);
	if (poweroff_inflight) {        /* no line printed: the output stays the same */
		post(0, 0, 64);
		wr32(blk + 0x50, 0);
	}
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_inflight");
}
