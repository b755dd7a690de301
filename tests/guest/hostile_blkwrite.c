/* hostile_blkwrite: a guest whose virtio-blk writes succeed, for the "disk image
 * untouched" checks of tests/hostile.sh (rr-run keeps guest writes in a
 * copy-on-write overlay unless --drive FILE,persist on a live run).
 *   - single sectors (the first, a few inside, the last one): read the original,
 *     write a pattern, clear the buffer, read the sector back from the device:
 *     status OK each time, the pattern back byte for byte, and different from the
 *     original (the write really reached the device);
 *   - one request of 8 sectors (4 KiB) split over three data descriptors;
 *   - a write past the end of the disk: status IOERR, and the last sector keeps
 *     what was written before;
 *   - a second pass re-reads every sector written and finds the patterns still there.
 * Prints "OK" when all checks pass. Needs a disk of at least 64 sectors.
 */
#include "rt.h"


static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq {
	struct vdesc desc[8];
	struct { uint16_t flags, idx, ring[8], used_event; } avail;
	uint8_t pad[4096];
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[8]; uint16_t avail_event; } used;
	uint16_t last_used;
};
static struct vq q __attribute__((aligned(4096)));

static int virtio_init(uint64_t b)
{
	return rt_virtio_setup(b, 8, q.desc, &q.avail, &q.used);
}

/* Post the chain at descriptor 0, wait (bounded) for it; the used length or -1. */
static int submit(uint64_t b)
{
	q.avail.ring[q.avail.idx % 8] = 0;
	__sync_synchronize();
	q.avail.idx++;
	__sync_synchronize();
	wr32(b + 0x50, 0);
	for (long spin = 0; spin < 200000000; spin++) {
		if (*(volatile uint16_t *)&q.used.idx != q.last_used) {
			int len = q.used.ring[q.last_used % 8].len;
			q.last_used++;
			wr32(b + 0x64, rd32(b + 0x60));
			return len;
		}
	}
	return -1;
}

static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static uint8_t buf[4096] __attribute__((aligned(16)));
static volatile uint8_t status;

/* One request: type 0 read, 1 write, of n bytes of buf at sector s, the data split
 * into `parts` descriptors of equal size. Returns the status byte, or -1. */
static int rw(uint64_t b, int write, uint64_t s, uint32_t n, int parts)
{
	hdr.type = write;
	hdr.reserved = 0;
	hdr.sector = s;
	status = 0xee;
	q.desc[0] = (struct vdesc){ (uint64_t)&hdr, 16, 1, 1 };
	uint32_t each = n / parts;
	for (int i = 0; i < parts; i++)
		q.desc[1 + i] = (struct vdesc){ (uint64_t)buf + i * each,
			i == parts - 1 ? n - i * each : each, (uint16_t)(1 | (write ? 0 : 2)), (uint16_t)(2 + i) };
	q.desc[1 + parts] = (struct vdesc){ (uint64_t)&status, 1, 2, 0 };
	__sync_synchronize();
	if (submit(b) < 0)
		return -1;
	__sync_synchronize();
	return status;
}

static uint8_t pat(uint64_t s, int i) { return (uint8_t)(s * 31 + i * 7 + 0x5a + (i >> 8)); }
static void fill(uint64_t s, int nsec)
{
	for (int k = 0; k < nsec; k++)
		for (int i = 0; i < 512; i++)
			buf[k * 512 + i] = pat(s + k, i);
}
/* The number of bytes of buf (nsec sectors from s) that differ from the pattern. */
static int bad_bytes(uint64_t s, int nsec)
{
	int bad = 0;
	for (int k = 0; k < nsec; k++)
		for (int i = 0; i < 512; i++)
			bad += buf[k * 512 + i] != pat(s + k, i);
	return bad;
}

int main(void)
{
	uint64_t b = rt_virtio_find(2);
	rt_check("virtio-blk present", b != 0, 1);
	if (!b || virtio_init(b) != 0) {
		rt_printf("no usable virtio-blk device\n");
		return rt_done("hostile_blkwrite");
	}
	uint64_t cap = rd32(b + 0x100) | (uint64_t)rd32(b + 0x104) << 32;
	rt_check("capacity >= 64 sectors", cap >= 64, 1);
	rt_note("capacity", cap);
	uint64_t secs[4] = { 0, 1, 7, cap - 1 };
	for (int j = 0; j < 4; j++) {
		uint64_t s = secs[j];
		rt_printf("sector %s:\n", j == 3 ? "last" : (j == 0 ? "0" : (j == 1 ? "1" : "7")));
		memset(buf, 0, 512);
		rt_check("  read status", rw(b, 0, s, 512, 1), 0);
		int was = 512 - bad_bytes(s, 1);           /* bytes already equal to the pattern */
		rt_check("  original differs from the pattern", was < 512, 1);
		fill(s, 1);
		rt_check("  write status", rw(b, 1, s, 512, 1), 0);
		memset(buf, 0, 512);
		rt_check("  read-back status", rw(b, 0, s, 512, 1), 0);
		rt_check("  bytes differing from what was written", bad_bytes(s, 1), 0);
	}
	/* 8 sectors in one request, over three data descriptors. */
	fill(16, 8);
	rt_check("8-sector write status", rw(b, 1, 16, 4096, 3), 0);
	memset(buf, 0, sizeof buf);
	rt_check("8-sector read-back status", rw(b, 0, 16, 4096, 2), 0);
	rt_check("8-sector bytes differing", bad_bytes(16, 8), 0);
	/* Past the end: refused, and nothing beyond or at the last sector changes. */
	fill(cap, 1);
	rt_check("write past the end: IOERR", rw(b, 1, cap, 512, 1), 1);
	fill(cap + 100, 2);                        /* not the last sector's pattern */
	rt_check("write across the end: IOERR", rw(b, 1, cap - 1, 1024, 1), 1);
	memset(buf, 0, 512);
	rt_check("last sector read status", rw(b, 0, cap - 1, 512, 1), 0);
	rt_check("last sector bytes differing after the refused writes", bad_bytes(cap - 1, 1), 0);
	/* Second pass: every write is still there. */
	int bad = 0;
	for (int j = 0; j < 4; j++) {
		memset(buf, 0, 512);
		bad += rw(b, 0, secs[j], 512, 1) != 0;
		bad += bad_bytes(secs[j], 1);
	}
	memset(buf, 0, sizeof buf);
	bad += rw(b, 0, 16, 4096, 1) != 0;
	bad += bad_bytes(16, 8);
	rt_check("second pass: bad statuses + bytes", bad, 0);
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_blkwrite");
}
