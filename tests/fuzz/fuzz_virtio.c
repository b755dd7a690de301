/* libFuzzer target for virtio descriptor chains (lib/emu/virtio*.c; make fuzz).
 *
 * A fresh machine fragment for every input: 64 KiB of guest RAM at 0x80000000 (an
 * exact-size heap buffer, so ASan sees any access past it), a 4 KiB boot ROM at
 * 0x1000, and the four devices of the virt board on their virtio-mmio slots: blk
 * (over a 32 MiB sparse image file, overlay mode), net, rng and input, with a fake host
 * that holds block requests until the input completes them (in order, out of
 * order, after a reset, after a state reload), records frames sent and hands out
 * counter bytes as entropy.
 *
 * The input is a program of operations (one opcode byte, then its operands): raw
 * bytes into guest RAM, register writes and reads of any width and offset, a
 * driver bring-up with queues placed anywhere (in RAM, overlapping each other, in
 * ROM, in MMIO, unmapped), descriptors with addresses in RAM, at its end, in ROM,
 * on MMIO, unmapped or raw, any length, flags (NEXT, WRITE, INDIRECT) and next
 * index, avail-ring entries, notifies, block completions, received frames, key
 * events, device resets, a state save and reload with one byte changed (a hostile
 * snapshot), and direct calls of virtq_walk / virtq_pop / virtq_read / virtq_write.
 *
 * What must hold: no crash, no hang, no access outside guest RAM (ASan); the ROM
 * and the image file unchanged; every chain virtq_walk accepts lies inside RAM and
 * adds up; virtq_read/virtq_write never report more than asked; the interrupt line
 * follows the interrupt status; the block requests the host holds are counted by
 * the device as in flight, and bounded (flushes of reset devices included); the memory
 * the devices hold stays bounded (VIRTIO_BLK_MAX_INFLIGHT: 256 requests of
 * VIRTIO_BLK_MAX_BYTES each made the host allocate 4 GiB); nothing leaks.
 *
 * FUZZ_SEED_OUT=DIR writes hand-made seed programs there (well-formed requests of
 * every device, the attacks of tests/guest/hostile_virtio.c). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/allocator_interface.h>
#include "emu/virtio.h"
#include "emu/disk.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define ROM_BASE 0x1000ull
#define DISK_SIZE 0x10000               /* the image's first bytes, checked after each input */
#define DISK_IMAGE (32 << 20)           /* its size (sparse): room for the largest requests */
#define NDEV 4
#define MAX_OPS 512
/* What the devices may hold at once, beyond the baseline: the block device's bound
 * on the bytes of its requests in flight, and slack for the rest. */
#define MEM_BOUND (VIRTIO_BLK_MAX_INFLIGHT + (8u << 20))

static const uint64_t dev_base[NDEV] = { 0x10001000, 0x10002000, 0x10003000, 0x10004000 };

static char disk_path[64];
static uint8_t disk_ref[DISK_SIZE];
static uint8_t rom[4096];

struct fhost {
	struct emu_host host;
	struct emu_blk_req *pend[8192];
	int npend;
	uint8_t ent;
	uint64_t frames, frame_bytes;
};

static struct fhost H;
static struct physmem pm;
static uint8_t *ram;
static struct virtio_dev *dev[NDEV];
static int irq_level[NDEV];
static struct disk *dk;

static uint64_t h_rtc(void *c) { return 1; }
static void h_entropy(void *c, void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = H.ent++;
}
static uint64_t h_next(void *c, uint64_t ic, const struct emu_room *r) { return UINT64_MAX; }
static int h_poll(void *c, uint64_t ic, const struct emu_room *r, struct emu_input *in) { return 0; }
static uint64_t h_idle(void *c, uint64_t ic, uint64_t dl, const struct emu_room *r) { return dl; }
static void h_blk(void *c, struct emu_blk_req *r)
{
	if (H.npend >= (int)(sizeof H.pend / sizeof H.pend[0]))
		abort(); /* the device handed out more requests than any bound allows */
	if (r->dev != 0)
		abort();
	H.pend[H.npend++] = r;
}
static void h_net(void *c, uint32_t d, const uint8_t *f, size_t len)
{
	if (d != 1 || len > 65535)
		abort();
	volatile uint8_t x = 0;
	for (size_t i = 0; i < len; i++)
		x ^= f[i];               /* every byte readable */
	H.frames++;
	H.frame_bytes += len;
}
static void h_serial(void *c, uint32_t d, const uint8_t *b, size_t n) { }
static const struct emu_host_ops hops = { h_rtc, h_entropy, h_next, h_poll, h_idle, h_blk, h_net, h_serial };

static void set_irq(void *opaque, int irq, int level)
{
	if (irq < 1 || irq > NDEV)
		abort();
	irq_level[irq - 1] = level;
}

/* ---- the input ---- */
struct cur {
	const uint8_t *p;
	size_t n;
};
static uint64_t take(struct cur *c, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++) {
		if (c->n) {
			v |= (uint64_t)*c->p << (8 * i);
			c->p++;
			c->n--;
		}
	}
	return v;
}

/* An address chosen by a selector byte and operands. */
static uint64_t pick_addr(struct cur *c)
{
	switch (take(c, 1) % 8) {
	case 0: case 1: case 2:
		return RAM_BASE + take(c, 2);
	case 3:
		return RAM_BASE + RAM_SIZE - (take(c, 1) & 0x7f); /* at the end */
	case 4:
		return ROM_BASE + take(c, 1) * 16;
	case 5:
		return dev_base[take(c, 1) % NDEV] + (take(c, 1) & 0xfc);
	case 6:
		return take(c, 1) * 0x1000ull;          /* mostly unmapped */
	default:
		return take(c, 8);
	}
}

static uint32_t pick_len(struct cur *c)
{
	switch (take(c, 1) % 6) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 16 + 512 * (take(c, 1) % 9);
	case 3: return take(c, 2);
	case 4: return 0xffffffffu - (uint32_t)take(c, 1);
	default: return (uint32_t)take(c, 4);
	}
}

static void ram_put(uint64_t paddr, const void *b, size_t n)
{
	physmem_dma_write(&pm, paddr, b, n);    /* silently nothing outside RAM */
}

static void mmio_w(int d, uint32_t off, uint64_t v, int size)
{
	physmem_write(&pm, dev_base[d] + off, size, v);
}
static uint64_t mmio_r(int d, uint32_t off, int size)
{
	uint64_t v = 0;
	physmem_read(&pm, dev_base[d] + off, size, &v);
	return v;
}

static void check_walk(struct virtio_dev *d, int rc, const struct virtq_req *r)
{
	if (rc < 0)
		return;
	uint64_t in = 0, out = 0;
	if (r->nseg < 0 || r->nseg > VIRTQ_MAX_SIZE)
		abort();
	for (int i = 0; i < r->nseg; i++) {
		const struct virtq_seg *s = &r->seg[i];
		int in_ram = s->addr >= RAM_BASE && s->addr - RAM_BASE <= RAM_SIZE &&
			     s->len <= RAM_SIZE - (s->addr - RAM_BASE);
		int in_rom = s->addr >= ROM_BASE && s->addr - ROM_BASE <= sizeof rom &&
			     s->len <= sizeof rom - (s->addr - ROM_BASE);
		if (!in_ram && !(in_rom && !s->write))
			abort(); /* a segment outside RAM (the ROM may be read) */
		if (i && r->seg[i - 1].write && !s->write)
			abort(); /* readable after writable */
		if (s->write)
			in += s->len;
		else
			out += s->len;
	}
	if (in != r->in_len || out != r->out_len)
		abort();
}

/* Complete pending request k (performing its work first, as a host does). */
static void complete(int k)
{
	if (k >= H.npend)
		return;
	struct emu_blk_req *r = H.pend[k];
	memmove(H.pend + k, H.pend + k + 1, (H.npend - k - 1) * sizeof H.pend[0]);
	H.npend--;
	r->work(r);
	if (virtio_blk_complete(dev[0], r->id) != 0)
		abort(); /* a request the device handed out must be known to it */
}

static struct virtq_req scratch_req;
static uint8_t scratch[8192];
static uint8_t state_copy[65536];

static void run_op(struct cur *c)
{
	int op = take(c, 1) % 16;
	int d = take(c, 1) % NDEV;
	switch (op) {
	case 0: {       /* raw bytes into RAM */
		uint64_t off = take(c, 2);
		size_t n = take(c, 1);
		if (n > c->n)
			n = c->n;
		ram_put(RAM_BASE + off, c->p, n);
		c->p += n;
		c->n -= n;
		break;
	}
	case 1: {       /* a 64-bit value into RAM */
		uint64_t off = take(c, 2), v = take(c, 8);
		ram_put(RAM_BASE + off, &v, 8);
		break;
	}
	case 2: {       /* a register write: any offset, any width */
		uint32_t off = take(c, 2) & 0xfff;
		int size = 1 << (take(c, 1) & 3);
		mmio_w(d, off & ~(uint32_t)(size - 1), take(c, 4), size);
		break;
	}
	case 3: {       /* a register write at a register (aligned 32-bit) */
		uint32_t off = (take(c, 1) & 0x3f) * 4;
		mmio_w(d, off, take(c, 4), 4);
		break;
	}
	case 4: {       /* a read */
		uint32_t off = take(c, 2) & 0xfff;
		int size = 1 << (take(c, 1) & 3);
		mmio_r(d, off & ~(uint32_t)(size - 1), size);
		break;
	}
	case 5: {       /* driver bring-up with queues placed by the input */
		uint32_t feat = take(c, 1);
		mmio_w(d, 0x70, 0, 4);
		mmio_w(d, 0x70, 3, 4);
		mmio_w(d, 0x24, 1, 4);
		mmio_w(d, 0x20, (feat & 1) ? 1 : (uint32_t)take(c, 4), 4);
		mmio_w(d, 0x24, 0, 4);
		mmio_w(d, 0x20, (feat & 2) ? 0 : (uint32_t)take(c, 4), 4);
		mmio_w(d, 0x70, 0xb, 4);
		for (int q = 0; q < 2; q++) {
			uint32_t num = 1u << (take(c, 1) % 10);  /* 1..512 */
			uint64_t dsc = pick_addr(c), av = pick_addr(c), us = pick_addr(c);
			if (feat & 4) {      /* aligned, in RAM, apart */
				dsc = RAM_BASE + ((dsc & 0xf) << 12);
				av = dsc + 16 * num;
				us = (av + 6 + 2 * num + 3) & ~3ull;
			}
			mmio_w(d, 0x30, q, 4);
			mmio_w(d, 0x38, num, 4);
			mmio_w(d, 0x80, dsc, 4); mmio_w(d, 0x84, dsc >> 32, 4);
			mmio_w(d, 0x90, av, 4); mmio_w(d, 0x94, av >> 32, 4);
			mmio_w(d, 0xa0, us, 4); mmio_w(d, 0xa4, us >> 32, 4);
			mmio_w(d, 0x44, 1, 4);
		}
		if (!(feat & 8))
			mmio_w(d, 0x70, 0xf, 4);
		break;
	}
	case 6: {       /* descriptor i of queue q */
		int q = take(c, 1) & 1;
		uint32_t i = take(c, 2);
		struct { uint64_t addr; uint32_t len; uint16_t flags, next; } ds;
		ds.addr = pick_addr(c);
		ds.len = pick_len(c);
		ds.flags = take(c, 1) & 7;
		ds.next = take(c, 1) % 20;
		if (ds.next >= 16)
			ds.next = take(c, 2);
		if (i & 0x8000) {       /* a run of them, each chained to the next */
			uint32_t n = 1 + take(c, 1);
			for (uint32_t k = 0; k < n; k++) {
				uint32_t j = (i + k) % 512;
				ds.next = (uint16_t)(j + 1);
				ram_put(dev[d]->s->q[q].desc + 16ull * j, &ds, sizeof ds);
			}
			break;
		}
		ram_put(dev[d]->s->q[q].desc + 16ull * (i % 512), &ds, sizeof ds);
		break;
	}
	case 7: {       /* an avail entry (head), idx += k */
		int q = take(c, 1) & 1;
		uint16_t head = take(c, 1), how = take(c, 1), k = 1 + (how & 3);
		if (head >= 0xf0)
			head = take(c, 2);
		const struct virtq_state *vq = &dev[d]->s->q[q];
		uint16_t idx = 0;
		physmem_dma_read(&pm, vq->avail + 2, &idx, 2);
		uint32_t n = vq->num < 512 ? vq->num : 512;  /* num is the guest's: any value */
		if (how & 0x80)         /* the whole ring: the same head num times */
			k = n;
		for (uint32_t j = 0; vq->num && j < (how & 0x80 ? n : 1); j++)
			ram_put(vq->avail + 4 + 2ull * ((idx + j) % vq->num), &head, 2);
		idx += k;
		ram_put(vq->avail + 2, &idx, 2);
		break;
	}
	case 8:         /* notify */
		mmio_w(d, 0x50, take(c, 1) % 3, 4);
		break;
	case 9: {       /* complete block requests: the first, one of them, or all */
		int how = take(c, 1);
		if (how < 128)
			complete(0);
		else if (how < 240)
			complete(how % (H.npend ? H.npend : 1));
		else
			while (H.npend)
				complete(0);
		if (virtio_blk_complete(dev[0], take(c, 8) | 1ull << 63) != -1)
			abort(); /* an id never handed out */
		break;
	}
	case 10: {      /* a frame received */
		uint32_t len = take(c, 2);
		if (len > sizeof scratch)
			len = 65536 + (len & 0xff);
		static uint8_t frame[65536 + 256];
		memset(frame, 0x5a, len);
		virtio_net_can_receive(dev[1]);
		virtio_net_receive(dev[1], frame, len);
		break;
	}
	case 11:        /* a key event */
		virtio_input_event(dev[3], take(c, 2), take(c, 2), take(c, 4));
		break;
	case 12: {      /* state save, one byte changed, reload (a hostile snapshot) */
		size_t len;
		void *st = virtio_state(dev[d], &len);
		if (len > sizeof state_copy)
			abort();
		memcpy(state_copy, st, len);
		uint32_t off = take(c, 2);
		uint8_t x = take(c, 1);
		if (off < len)
			state_copy[off] ^= x;
		if (d == 0) {
			/* the host finished and dropped every request first (virtio.h);
			 * the device frees the records */
			for (int k = 0; k < H.npend; k++)
				H.pend[k]->work(H.pend[k]);
			H.npend = 0;
		}
		memcpy(st, state_copy, len);
		virtio_state_loaded(dev[d]);
		break;
	}
	case 13:        /* device reset (the driver's status 0, or the machine's) */
		if (take(c, 1) & 1)
			virtio_reset(dev[d]);
		else
			mmio_w(d, 0x70, 0, 4);
		break;
	case 14: {      /* virtq_walk, then read/write through the chain */
		int q = take(c, 1) & 1;
		uint16_t head = take(c, 2);
		int rc = virtq_walk(dev[d], q, head, &scratch_req);
		check_walk(dev[d], rc, &scratch_req);
		if (rc == 0) {
			uint64_t off = take(c, 4);
			size_t n = take(c, 2) % sizeof scratch;
			if (virtq_read(dev[d], &scratch_req, off, scratch, n) > n)
				abort();
			if (virtq_write(dev[d], &scratch_req, off, scratch, n) > n)
				abort();
		}
		break;
	}
	default: {      /* virtq_pop, then push or unpop */
		int q = take(c, 1) & 1;
		int how = take(c, 1);
		int rc = virtq_pop(dev[d], q, &scratch_req);
		if (rc > 0) {
			check_walk(dev[d], 0, &scratch_req);
			if (how & 1)
				virtq_unpop(dev[d], q);
			else
				virtq_push(dev[d], q, scratch_req.head, (uint32_t)take(c, 4));
			if (how & 2)
				virtq_irq(dev[d], q);
		}
		break;
	}
	}
}

static void check_invariants(void)
{
	for (int i = 0; i < NDEV; i++)
		if (irq_level[i] != (dev[i]->s->int_status != 0))
			abort(); /* the line does not follow the interrupt status */
	/* in flight and those of a reset device: bounded by the bytes charged */
	if (virtio_blk_inflight(dev[0]) < H.npend || H.npend > VIRTIO_BLK_MAX_INFLIGHT / 4096 + 1)
		abort();
}

static void machine_up(void)
{
	char err[256];
	physmem_init(&pm);
	ram = calloc(1, RAM_SIZE);
	if (!ram || physmem_add_ram(&pm, RAM_BASE, RAM_SIZE, ram, 0, "ram") < 0 ||
	    physmem_add_ram(&pm, ROM_BASE, sizeof rom, rom, 1, "rom") < 0)
		abort();
	if (!(dk = disk_open(disk_path, 0, err, sizeof err))) {
		fprintf(stderr, "fuzz_virtio: %s\n", err);
		abort();
	}
	memset(&H, 0, sizeof H);
	H.host.ops = &hops;
	H.host.ctx = &H;
	memset(irq_level, 0, sizeof irq_level);
	struct irq_line l[NDEV];
	for (int i = 0; i < NDEV; i++)
		l[i] = (struct irq_line){ set_irq, NULL, i + 1 };
	dev[0] = virtio_blk_new(&pm, dev_base[0], l[0], &H.host, 0, dk);
	dev[1] = virtio_net_new(&pm, dev_base[1], l[1], &H.host, 1, NULL);
	dev[2] = virtio_rng_new(&pm, dev_base[2], l[2], &H.host);
	dev[3] = virtio_input_new(&pm, dev_base[3], l[3], &H.host, 3);
	for (int i = 0; i < NDEV; i++)
		if (!dev[i])
			abort();
}

static void machine_down(void)
{
	/* the host finishes what it holds; the device releases its records */
	for (int k = 0; k < H.npend; k++)
		H.pend[k]->work(H.pend[k]);
	H.npend = 0;
	for (int i = 0; i < NDEV; i++)
		virtio_free(dev[i]);
	disk_close(dk);
	free(ram);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	machine_up();
	size_t m0 = __sanitizer_get_current_allocated_bytes();
	struct cur c = { data, size };
	for (int n = 0; n < MAX_OPS && c.n; n++) {
		run_op(&c);
		check_invariants();
		if (__sanitizer_get_current_allocated_bytes() > m0 + MEM_BOUND) {
			fprintf(stderr, "fuzz_virtio: the devices hold %zu bytes\n",
				__sanitizer_get_current_allocated_bytes() - m0);
			abort();
		}
	}
	machine_down();
	for (size_t i = 0; i < sizeof rom; i++)
		if (rom[i] != (uint8_t)(i * 7 + 1))
			abort(); /* a device wrote the ROM */
	uint8_t now[DISK_SIZE];
	int fd = open(disk_path, O_RDONLY);
	if (fd < 0 || pread(fd, now, sizeof now, 0) != DISK_SIZE || memcmp(now, disk_ref, sizeof now))
		abort(); /* the image file changed */
	close(fd);
	return 0;
}

/* ---- seeds ---- */
struct seed {
	uint8_t b[4096];
	size_t n;
};
static void put(struct seed *s, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes && s->n < sizeof s->b; i++)
		s->b[s->n++] = v >> (8 * i);
}
/* bring-up of d with both queues of 16 at RAM pages 1 and 2 (feat 1|2|4) */
static void s_init(struct seed *s, int d)
{
	put(s, 5, 1); put(s, d, 1); put(s, 1 | 2 | 4, 1);
	for (int q = 0; q < 2; q++) {
		put(s, 4, 1);                           /* num 16 */
		put(s, 0, 1); put(s, q + 1, 2);         /* desc page q+1 */
		put(s, 0, 1); put(s, 0, 2);
		put(s, 0, 1); put(s, 0, 2);
	}
}
static void s_desc(struct seed *s, int d, int q, int i, uint16_t off, uint8_t lensel, uint32_t len,
		   int flags, int next)
{
	put(s, 6, 1); put(s, d, 1); put(s, q, 1); put(s, i, 2);
	put(s, 0, 1); put(s, off, 2);
	put(s, lensel, 1);
	if (lensel == 3)
		put(s, len, 2);
	else if (lensel == 2)
		put(s, len, 1);
	put(s, flags, 1); put(s, next, 1);
}
static void s_avail(struct seed *s, int d, int q, int head)
{
	put(s, 7, 1); put(s, d, 1); put(s, q, 1); put(s, head, 1); put(s, 0, 1);
}
static void s_notify(struct seed *s, int d, int q)
{
	put(s, 8, 1); put(s, d, 1); put(s, q, 1);
}
static void s_write(const char *dir, const char *name, const struct seed *s)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (f) {
		fwrite(s->b, 1, s->n, f);
		fclose(f);
	}
}

static void write_seeds(const char *dir)
{
	struct seed s;
	/* blk: header (sector 2, IN), 1024 data bytes, status; then complete */
	for (int type = 0; type < 3; type++) {
		memset(&s, 0, sizeof s);
		s_init(&s, 0);
		uint64_t hdr[2] = { type == 2 ? 8 : (uint64_t)type, 2 };
		put(&s, 0, 1); put(&s, 0, 1); put(&s, 0x8000, 2); put(&s, 16, 1);
		for (int i = 0; i < 16; i++)
			put(&s, ((uint8_t *)hdr)[i], 1);
		s_desc(&s, 0, 0, 0, 0x8000, 2, 0, 1, 1);
		s_desc(&s, 0, 0, 1, 0x9000, 3, 1024, 1 | (type == 1 ? 0 : 2), 2);
		s_desc(&s, 0, 0, 2, 0x8100, 1, 0, 2, 0);
		s_avail(&s, 0, 0, 0);
		s_avail(&s, 0, 0, 0);
		s_notify(&s, 0, 0);
		put(&s, 9, 1); put(&s, 0, 1); put(&s, 0, 1);
		put(&s, 13, 1); put(&s, 0, 1); put(&s, 0, 1);   /* reset with one in flight */
		put(&s, 9, 1); put(&s, 0, 1); put(&s, 0xff, 1);
		char name[32];
		snprintf(name, sizeof name, "blk-%d", type);
		s_write(dir, name, &s);
	}
	/* blk with a request in flight across a state reload */
	memset(&s, 0, sizeof s);
	s_init(&s, 0);
	s_desc(&s, 0, 0, 0, 0x8000, 2, 0, 1, 1);
	s_desc(&s, 0, 0, 1, 0x9000, 3, 512, 3, 2);
	s_desc(&s, 0, 0, 2, 0x8100, 1, 0, 2, 0);
	s_avail(&s, 0, 0, 0);
	s_notify(&s, 0, 0);
	put(&s, 12, 1); put(&s, 0, 1); put(&s, 0xffff, 2); put(&s, 0, 1);
	put(&s, 9, 1); put(&s, 0, 1); put(&s, 0, 1);
	s_write(dir, "blk-reload", &s);
	/* blk: the same chain of 254 x 64 KiB (a valid 16 MB read) posted 256 times */
	memset(&s, 0, sizeof s);
	put(&s, 5, 1); put(&s, 0, 1); put(&s, 1 | 2 | 4, 1);
	for (int q = 0; q < 2; q++) {
		put(&s, 8, 1);                          /* num 256 */
		put(&s, 0, 1); put(&s, 1, 2);           /* desc page 1 */
		put(&s, 0, 1); put(&s, 0, 2);
		put(&s, 0, 1); put(&s, 0, 2);
	}
	put(&s, 0, 1); put(&s, 0, 1); put(&s, 0x8000, 2); put(&s, 16, 1);
	for (int i = 0; i < 16; i++)
		put(&s, 0, 1);
	s_desc(&s, 0, 0, 0, 0x8000, 2, 0, 1, 1);
	put(&s, 6, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 0x8001, 2);  /* 1..254 */
	put(&s, 0, 1); put(&s, 0, 2); put(&s, 5, 1); put(&s, 0x10000, 4); put(&s, 3, 1); put(&s, 0, 1);
	put(&s, 253, 1);
	s_desc(&s, 0, 0, 255, 0x8100, 1, 0, 2, 0);
	put(&s, 7, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 0x80, 1);
	s_notify(&s, 0, 0);
	put(&s, 9, 1); put(&s, 0, 1); put(&s, 0, 1);
	s_write(dir, "blk-256x16m", &s);
	/* blk: two requests in flight, a state reload (a hostile snapshot) that gives
	 * the second the first's id (byte 160: the id of in-flight entry 1), a device
	 * reset, both completed in order: the reload used to keep both, and the first
	 * completion freed the other record, which the host still held */
	memset(&s, 0, sizeof s);
	s_init(&s, 0);
	s_desc(&s, 0, 0, 0, 0x8000, 2, 0, 1, 1);
	s_desc(&s, 0, 0, 1, 0x9000, 3, 512, 3, 2);
	s_desc(&s, 0, 0, 2, 0x8100, 1, 0, 2, 0);
	s_avail(&s, 0, 0, 0);
	s_avail(&s, 0, 0, 0);
	s_notify(&s, 0, 0);
	put(&s, 12, 1); put(&s, 0, 1); put(&s, 160, 2); put(&s, 1, 1);
	put(&s, 13, 1); put(&s, 0, 1); put(&s, 1, 1);
	put(&s, 9, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 0, 8);
	put(&s, 9, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 0, 8);
	s_write(dir, "blk-dup-id", &s);
	/* net: a tx frame, an rx buffer and a frame */
	memset(&s, 0, sizeof s);
	s_init(&s, 1);
	s_desc(&s, 1, 1, 0, 0x8000, 3, 74, 0, 0);
	s_avail(&s, 1, 1, 0);
	s_notify(&s, 1, 1);
	s_desc(&s, 1, 0, 0, 0xa000, 3, 1526, 2, 0);
	s_avail(&s, 1, 0, 0);
	put(&s, 10, 1); put(&s, 1, 1); put(&s, 60, 2);
	s_write(dir, "net", &s);
	/* rng: two writable buffers in one chain */
	memset(&s, 0, sizeof s);
	s_init(&s, 2);
	s_desc(&s, 2, 0, 0, 0x8000, 2, 1, 3, 1);
	s_desc(&s, 2, 0, 1, 0x9000, 3, 300, 2, 0);
	s_avail(&s, 2, 0, 0);
	s_notify(&s, 2, 0);
	s_write(dir, "rng", &s);
	/* input: events before and after buffers; a status buffer */
	memset(&s, 0, sizeof s);
	s_init(&s, 3);
	put(&s, 11, 1); put(&s, 3, 1); put(&s, 1, 2); put(&s, 30, 2); put(&s, 1, 4);
	for (int i = 0; i < 3; i++) {
		s_desc(&s, 3, 0, i, 0x8000 + 8 * i, 2, 0, 2, 0);
		s_avail(&s, 3, 0, i);
	}
	s_notify(&s, 3, 0);
	put(&s, 11, 1); put(&s, 3, 1); put(&s, 0, 2); put(&s, 0, 2); put(&s, 0, 4);
	s_desc(&s, 3, 1, 0, 0x9000, 2, 0, 0, 0);
	s_avail(&s, 3, 1, 0);
	s_notify(&s, 3, 1);
	s_write(dir, "input", &s);
	/* attacks: a loop, an indirect descriptor, a buffer in ROM, on MMIO, huge */
	for (int k = 0; k < 5; k++) {
		memset(&s, 0, sizeof s);
		int d = k % NDEV;
		int q = (d == 1 || d == 3) ? 1 : 0;
		s_init(&s, d);
		s_desc(&s, d, q, 0, 0x8000, 2, 0, 1, 1);
		switch (k) {
		case 0: s_desc(&s, d, q, 1, 0x9000, 3, 512, 3, 0); break;
		case 1: s_desc(&s, d, q, 1, 0x9000, 3, 64, 4, 0); break;
		case 2:
			put(&s, 6, 1); put(&s, d, 1); put(&s, q, 1); put(&s, 1, 2);
			put(&s, 4, 1); put(&s, 0, 1); put(&s, 3, 1); put(&s, 512, 2); put(&s, 2, 1); put(&s, 0, 1);
			break;
		case 3:
			put(&s, 6, 1); put(&s, d, 1); put(&s, q, 1); put(&s, 1, 2);
			put(&s, 5, 1); put(&s, 0, 1); put(&s, 0, 1); put(&s, 3, 1); put(&s, 256, 2); put(&s, 2, 1); put(&s, 0, 1);
			break;
		default: s_desc(&s, d, q, 1, 0x9000, 4, 0, 2, 0); break;
		}
		s_avail(&s, d, q, 0);
		s_notify(&s, d, q);
		put(&s, 14, 1); put(&s, d, 1); put(&s, q, 1); put(&s, 0, 2); put(&s, 0, 4); put(&s, 64, 2);
		char name[32];
		snprintf(name, sizeof name, "attack-%d", k);
		s_write(dir, name, &s);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof rom; i++)
		rom[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof disk_ref; i++)
		disk_ref[i] = (uint8_t)(i * 13 + (i >> 9));
	/* the image: an unlinked temporary file, opened again per input through
	 * /proc/self/fd (nothing is left behind, even after a crash) */
	char tmpl[] = "/tmp/fuzz_virtio.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0 || write(fd, disk_ref, sizeof disk_ref) != (ssize_t)sizeof disk_ref) {
		perror("fuzz_virtio: disk image");
		exit(1);
	}
	if (ftruncate(fd, DISK_IMAGE) < 0) {
		perror("fuzz_virtio: disk image");
		exit(1);
	}
	unlink(tmpl);
	snprintf(disk_path, sizeof disk_path, "/proc/self/fd/%d", fd);
	const char *out = getenv("FUZZ_SEED_OUT");
	if (out)
		write_seeds(out);
	return 0;
}
