/* hostile_virtio: a guest that attacks every virtio-mmio device it finds with
 * malformed queues and descriptor chains: buffers outside RAM, in ROM and in MMIO,
 * looping chains, huge lengths, indices out of range, indirect descriptors, an
 * avail index far ahead, rings outside RAM, bad queue sizes, notifies of absent
 * queues. After each attack the device must still answer, reset cleanly, and
 * (blk, rng) serve a well-formed request. What each device did (needs-reset,
 * completed with an error, ignored) is printed per device as counts.
 *
 * Run with the devices attached, e.g.
 *   rr-run --bios none --drive disk.img --net user hostile_virtio.elf
 *   qemu-system-riscv64 -M virt -bios none -kernel hostile_virtio.elf \
 *     -global virtio-mmio.force-legacy=false -device virtio-rng-device ...
 * Legacy (version 1) transports are skipped.
 */
#include "rt.h"

#define VIRTIO_BASE  0x10001000ul
#define VIRTIO_SLOTS 8
#define QN 16
#define ROM_ADDR 0x1000ul

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq {
	struct vdesc desc[QN];
	struct { uint16_t flags, idx, ring[QN], used_event; } avail;
	uint8_t pad[4096 - QN * 16 - (QN + 3) * 2];
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QN]; uint16_t avail_event; } used;
};

static struct vq vqs[2] __attribute__((aligned(4096)));
static uint8_t buf[8192] __attribute__((aligned(4096)));
static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static volatile uint8_t status;

enum { D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4 };

static const char *dev_name(uint32_t id)
{
	switch (id) {
	case 1: return "virtio-net";
	case 2: return "virtio-blk";
	case 4: return "virtio-rng";
	case 18: return "virtio-input";
	}
	return "virtio-other";
}

/* Reset and bring the device up with VERSION_1 and queues 0 and 1 (when present)
 * of QN entries. 0, or -1 if the device refuses. */
static int dev_init(uint64_t b)
{
	wr32(b + 0x70, 0);
	if (rd32(b + 0x70) != 0)
		return -1;
	wr32(b + 0x70, 3);
	wr32(b + 0x24, 1);
	wr32(b + 0x20, 1);
	wr32(b + 0x24, 0);
	wr32(b + 0x20, 0);
	wr32(b + 0x70, 0xb);
	if (!(rd32(b + 0x70) & 8))
		return -1;
	memset(vqs, 0, sizeof vqs);
	for (int q = 0; q < 2; q++) {
		wr32(b + 0x30, q);
		if (rd32(b + 0x34) < QN)
			continue;
		wr32(b + 0x38, QN);
		uint64_t d = (uint64_t)vqs[q].desc, a = (uint64_t)&vqs[q].avail;
		uint64_t u = (uint64_t)&vqs[q].used;
		wr32(b + 0x80, d); wr32(b + 0x84, d >> 32);
		wr32(b + 0x90, a); wr32(b + 0x94, a >> 32);
		wr32(b + 0xa0, u); wr32(b + 0xa4, u >> 32);
		wr32(b + 0x44, 1);
	}
	wr32(b + 0x70, 0xf);
	return 0;
}

static void post(int q, uint16_t head)
{
	vqs[q].avail.ring[vqs[q].avail.idx % QN] = head;
	__sync_synchronize();
	vqs[q].avail.idx++;
	__sync_synchronize();
}

/* Wait (bounded spin) for the used index of q to move or NEEDS_RESET. Returns
 * 'r' (needs reset), 'c' (completed) or 'i' (nothing happened). */
static int outcome(uint64_t b, int q, long spins)
{
	for (long i = 0; i < spins; i++) {
		if (rd32(b + 0x70) & 0x40)
			return 'r';
		if (*(volatile uint16_t *)&vqs[q].used.idx != 0)
			return 'c';
	}
	return 'i';
}

/* A blk-style header in descriptor 0 chained to descriptor 1. */
static void head_desc(uint16_t next)
{
	hdr.type = 0;
	hdr.reserved = 0;
	hdr.sector = 0;
	vqs[0].desc[0] = (struct vdesc){ (uint64_t)&hdr, 16, D_NEXT, next };
	vqs[1].desc[0] = vqs[0].desc[0];
}

#define NATTACKS 17

/* Set up attack k on queue q of device b (already initialised) and notify. */
static void attack(uint64_t b, uint32_t id, int q, int k)
{
	struct vdesc *d = vqs[q].desc;
	uint64_t sb = (uint64_t)&status;
	status = 0xee;
	switch (k) {
	case 0:         /* buffer at an unmapped address */
		d[0] = (struct vdesc){ 0, 16, D_NEXT, 1 };
		d[1] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 1:         /* device-writable buffer in the boot ROM */
		head_desc(1);
		d[1] = (struct vdesc){ ROM_ADDR, 512, D_WRITE | D_NEXT, 2 };
		d[2] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 2:         /* device-writable buffer on the UART's registers */
		head_desc(1);
		d[1] = (struct vdesc){ 0x10000000, 512, D_WRITE | D_NEXT, 2 };
		d[2] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 3:         /* a loop: 0 -> 1 -> 0 */
		head_desc(1);
		d[1] = (struct vdesc){ (uint64_t)buf, 512, D_WRITE | D_NEXT, 0 };
		post(q, 0);
		break;
	case 4:         /* a self loop */
		d[0] = (struct vdesc){ (uint64_t)&hdr, 16, D_NEXT, 0 };
		post(q, 0);
		break;
	case 5:         /* a huge length running off the end of RAM */
		head_desc(1);
		d[1] = (struct vdesc){ (uint64_t)buf, 0xffffffffu, D_WRITE | D_NEXT, 2 };
		d[2] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 6:         /* head index out of the queue */
		post(q, 200);
		break;
	case 7:         /* next index out of the queue */
		head_desc(QN + 3);
		post(q, 0);
		break;
	case 8:         /* an indirect descriptor (not negotiated) */
		d[0] = (struct vdesc){ (uint64_t)buf, 64, D_INDIRECT, 0 };
		post(q, 0);
		break;
	case 9:         /* avail index 1000 entries ahead */
		vqs[q].avail.idx = 1000;
		break;
	case 10:        /* descriptor table outside RAM */
		wr32(b + 0x30, q);
		wr32(b + 0x80, 0x20000000);
		wr32(b + 0x84, 0);
		post(q, 0);
		break;
	case 11:        /* used ring in the boot ROM */
		wr32(b + 0x30, q);
		wr32(b + 0xa0, ROM_ADDR);
		wr32(b + 0xa4, 0);
		head_desc(1);
		d[1] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 12:        /* a queue size that is not a power of two */
		wr32(b + 0x30, q);
		wr32(b + 0x38, 3);
		head_desc(1);
		d[1] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		post(q, 0);
		break;
	case 13:        /* a queue size above the maximum */
		wr32(b + 0x30, q);
		wr32(b + 0x38, 0xffff);
		post(q, 0);
		break;
	case 14:        /* notifies of queues that do not exist */
		wr32(b + 0x50, 7);
		wr32(b + 0x50, 0xffffffff);
		return;
	case 15:        /* a chain as long as the queue, every buffer zero-length */
		for (int i = 0; i < QN; i++)
			d[i] = (struct vdesc){ (uint64_t)buf, 0, D_NEXT, (uint16_t)(i + 1) };
		d[QN - 1].flags = 0;
		post(q, 0);
		break;
	case 16:        /* blk: a 64 MiB write from guest RAM (a huge, valid request) */
		hdr.type = 1;
		hdr.sector = 0;
		d[0] = (struct vdesc){ (uint64_t)&hdr, 16, D_NEXT, 1 };
		d[1] = (struct vdesc){ 0x80000000ul, 64u << 20, D_NEXT, 2 };
		d[2] = (struct vdesc){ sb, 1, D_WRITE, 0 };
		if (id != 2)
			d[1].len = 4096;
		post(q, 0);
		break;
	}
	wr32(b + 0x50, q);
}

/* A well-formed request must work after the attacks: blk reads sector 0, rng
 * fills 16 bytes. Returns 1 if it worked, 0 if not, -1 if not applicable. */
static int sanity(uint64_t b, uint32_t id)
{
	if (id != 2 && id != 4)
		return -1;
	if (dev_init(b) < 0)
		return 0;
	struct vdesc *d = vqs[0].desc;
	status = 0xee;
	if (id == 2) {
		hdr.type = 0;
		hdr.sector = 0;
		d[0] = (struct vdesc){ (uint64_t)&hdr, 16, D_NEXT, 1 };
		d[1] = (struct vdesc){ (uint64_t)buf, 512, D_WRITE | D_NEXT, 2 };
		d[2] = (struct vdesc){ (uint64_t)&status, 1, D_WRITE, 0 };
	} else {
		d[0] = (struct vdesc){ (uint64_t)buf, 16, D_WRITE, 0 };
	}
	post(0, 0);
	wr32(b + 0x50, 0);
	if (outcome(b, 0, 50000000) != 'c')
		return 0;
	wr32(b + 0x64, rd32(b + 0x60));
	if (id == 2)
		return status == 0 && vqs[0].used.ring[0].len == 513;
	return vqs[0].used.ring[0].len == 16;
}

int main(void)
{
	uint32_t rom0 = rd32(ROM_ADDR);
	int ndev = 0;
	rt_catch = 1;
	for (int s = 0; s < VIRTIO_SLOTS; s++) {
		uint64_t b = VIRTIO_BASE + 0x1000ul * s;
		uint32_t id = rd32(b + 8);
		if (rd32(b) != 0x74726976 || id == 0)
			continue;
		if (rd32(b + 4) != 2) {
			rt_printf("slot %d: %s: legacy transport, skipped\n", s, dev_name(id));
			continue;
		}
		ndev++;
		/* the queue a notify makes the device consume */
		int q = (id == 1 || id == 18) ? 1 : 0;
		int count[3] = { 0, 0, 0 }, broken = 0;
		for (int k = 0; k < NATTACKS; k++) {
			if (dev_init(b) < 0) {
				rt_printf("slot %d: init failed before attack %d\n", s, k);
				broken++;
				continue;
			}
			attack(b, id, q, k);
			int o = outcome(b, q, 20000);
			count[o == 'r' ? 0 : o == 'c' ? 1 : 2]++;
			/* the device still answers and resets */
			if (rd32(b) != 0x74726976 || rd32(b + 8) != id)
				broken++;
			wr32(b + 0x70, 0);
			if (rd32(b + 0x70) != 0)
				broken++;
		}
		rt_printf("slot %d: %s: %d attacks: needs-reset %d, completed %d, ignored %d\n",
			  s, dev_name(id), NATTACKS, count[0], count[1], count[2]);
		rt_check("device answers and resets after every attack (0 = yes)", broken, 0);
		int ok = sanity(b, id);
		if (ok >= 0)
			rt_check("well-formed request works afterwards", ok, 1);
		wr32(b + 0x70, 0);
	}
	rt_check("boot ROM unchanged", rd32(ROM_ADDR), rom0);
	rt_check("no exceptions", rt_trap.count, 0);
	rt_printf("%d devices attacked\n", ndev);
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_virtio");
}
