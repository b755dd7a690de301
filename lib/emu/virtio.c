/* virtio: virtio-mmio v2 transport and split virtqueues (see virtio.h). */
#include <stdlib.h>
#include <string.h>
#include "emu/virtio.h"

enum {
	R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR_ID = 0x00c,
	R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
	R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
	R_QUEUE_DESC_LO = 0x080, R_QUEUE_DESC_HI = 0x084,
	R_QUEUE_DRIVER_LO = 0x090, R_QUEUE_DRIVER_HI = 0x094,
	R_QUEUE_DEVICE_LO = 0x0a0, R_QUEUE_DEVICE_HI = 0x0a4,
	R_SHM_SEL = 0x0ac, R_SHM_LEN_LO = 0x0b0, R_SHM_LEN_HI = 0x0b4,
	R_SHM_BASE_LO = 0x0b8, R_SHM_BASE_HI = 0x0bc,
	R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100,
};

#define VIRTIO_MAGIC  0x74726976
#define VIRTIO_VENDOR 0x554d4551

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

static void virtio_update_irq(struct virtio_dev *d)
{
	uint32_t level = d->s->int_status != 0;
	if (level != d->s->irq_level) {
		d->s->irq_level = level;
		irq_set(&d->irq, level);
	}
}

void virtio_set_needs_reset(struct virtio_dev *d)
{
	d->s->status |= VIRTIO_S_NEEDS_RESET;
	if (d->s->status & VIRTIO_S_DRIVER_OK) {
		d->s->int_status |= 2;
		virtio_update_irq(d);
	}
}

/* ---- virtqueues ---- */

/* Queue q is well-formed: size a power of two within bounds, rings aligned and
 * inside guest RAM. */
static int virtq_valid(struct virtio_dev *d, int q)
{
	if (q < 0 || q >= d->ops->nqueues)
		return 0;
	const struct virtq_state *vq = &d->s->q[q];
	uint64_t n = vq->num;
	if (!vq->ready || n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return 0;
	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return 0;
	return physmem_dma_ptr(d->pm, vq->desc, 16 * n, 0) &&
	       physmem_dma_ptr(d->pm, vq->avail, 6 + 2 * n, 0) &&
	       physmem_dma_ptr(d->pm, vq->used, 6 + 8 * n, 1);
}

int virtq_usable(struct virtio_dev *d, int q)
{
	uint32_t st = d->s->status;
	return (st & VIRTIO_S_DRIVER_OK) && !(st & VIRTIO_S_NEEDS_RESET) && virtq_valid(d, q);
}

/* Little-endian loads/stores in guest RAM at an address known to be valid. */
static uint16_t ram_ld16(struct virtio_dev *d, uint64_t a)
{
	uint16_t v = 0;
	physmem_dma_read(d->pm, a, &v, 2);
	return v;
}
static void ram_st16(struct virtio_dev *d, uint64_t a, uint16_t v)
{
	physmem_dma_write(d->pm, a, &v, 2);
}

int virtq_walk(struct virtio_dev *d, int q, uint16_t head, struct virtq_req *r)
{
	if (!virtq_valid(d, q))
		return -1;
	const struct virtq_state *vq = &d->s->q[q];
	uint32_t i = head, count = 0;
	r->head = head;
	r->nseg = 0;
	r->out_len = r->in_len = 0;
	for (;;) {
		if (i >= vq->num || ++count > vq->num)
			return -1;              /* bad index, or a loop */
		struct {
			uint64_t addr;
			uint32_t len;
			uint16_t flags, next;
		} desc;
		if (physmem_dma_read(d->pm, vq->desc + 16ull * i, &desc, 16) < 0)
			return -1;
		if (desc.flags & VIRTQ_DESC_F_INDIRECT)
			return -1;              /* not negotiated */
		int w = !!(desc.flags & VIRTQ_DESC_F_WRITE);
		if (!w && r->in_len)
			return -1;              /* readable after writable */
		if (desc.len) {
			if (!physmem_dma_ptr(d->pm, desc.addr, desc.len, w))
				return -1;
			struct virtq_seg *s = &r->seg[r->nseg++];
			s->addr = desc.addr;
			s->len = desc.len;
			s->write = w;
			if (w)
				r->in_len += desc.len;
			else
				r->out_len += desc.len;
		}
		if (!(desc.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = desc.next;
	}
}

int virtq_pop(struct virtio_dev *d, int q, struct virtq_req *r)
{
	uint32_t st = d->s->status;
	if (st & VIRTIO_S_NEEDS_RESET)
		return -1;
	if (!(st & VIRTIO_S_DRIVER_OK) || q < 0 || q >= d->ops->nqueues || !d->s->q[q].ready)
		return 0;
	if (!virtq_valid(d, q)) {
		virtio_set_needs_reset(d);      /* a ready queue that is malformed */
		return -1;
	}
	struct virtq_state *vq = &d->s->q[q];
	uint16_t avail_idx = ram_ld16(d, vq->avail + 2);
	uint16_t ahead = avail_idx - vq->last_avail;
	if (ahead == 0)
		return 0;
	if (ahead > vq->num) {
		virtio_set_needs_reset(d);
		return -1;
	}
	uint16_t head = ram_ld16(d, vq->avail + 4 + 2ull * (vq->last_avail % vq->num));
	vq->last_avail++;
	if (virtq_walk(d, q, head, r) < 0) {
		virtio_set_needs_reset(d);
		return -1;
	}
	return 1;
}

void virtq_unpop(struct virtio_dev *d, int q)
{
	d->s->q[q].last_avail--;
}

/* virtq_read (write 0: the readable segments, up to the first writable one) and
 * virtq_write (write 1: the writable segments) in one. */
static size_t virtq_copy(struct virtio_dev *d, const struct virtq_req *r, uint64_t off,
			 uint8_t *buf, size_t len, int write)
{
	size_t done = 0;
	for (int i = 0; i < r->nseg && done < len; i++) {
		const struct virtq_seg *s = &r->seg[i];
		if (s->write != (uint32_t)write) {
			if (!write)
				break;
			continue;
		}
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		size_t n = s->len - off;
		if (n > len - done)
			n = len - done;
		if ((write ? physmem_dma_write(d->pm, s->addr + off, buf + done, n)
			   : physmem_dma_read(d->pm, s->addr + off, buf + done, n)) < 0)
			break;
		done += n;
		off = 0;
	}
	return done;
}

size_t virtq_read(struct virtio_dev *d, const struct virtq_req *r, uint64_t off,
		  void *buf, size_t len)
{
	return virtq_copy(d, r, off, buf, len, 0);
}

size_t virtq_write(struct virtio_dev *d, const struct virtq_req *r, uint64_t off,
		   const void *buf, size_t len)
{
	return virtq_copy(d, r, off, (uint8_t *)buf, len, 1);
}

void virtq_push(struct virtio_dev *d, int q, uint16_t head, uint32_t written)
{
	if (!virtq_valid(d, q))
		return;
	struct virtq_state *vq = &d->s->q[q];
	struct { uint32_t id, len; } e = { head, written };
	physmem_dma_write(d->pm, vq->used + 4 + 8ull * (vq->used_idx % vq->num), &e, 8);
	vq->used_idx++;
	ram_st16(d, vq->used + 2, vq->used_idx);
}

void virtq_irq(struct virtio_dev *d, int q)
{
	if (!virtq_valid(d, q))
		return;
	if (ram_ld16(d, d->s->q[q].avail) & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	d->s->int_status |= 1;
	virtio_update_irq(d);
}

/* ---- registers ---- */

static uint64_t offered_features(const struct virtio_dev *d)
{
	return d->ops->features | VIRTIO_F_VERSION_1;
}

static uint64_t config_access(struct virtio_dev *d, uint64_t off, int size)
{
	uint8_t buf[256] = { 0 };
	size_t n = d->ops->config ? d->ops->config(d, buf) : 0;
	uint64_t v = 0;
	if (n > sizeof buf)
		n = sizeof buf;
	if (off < n && (uint64_t)size <= n - off)
		memcpy(&v, buf + off, size);
	return v;
}

static uint64_t virtio_read(void *opaque, uint64_t off, int size)
{
	struct virtio_dev *d = opaque;
	struct virtio_mmio_state *s = d->s;
	if (off >= R_CONFIG)
		return config_access(d, off - R_CONFIG, size);
	if (size != 4 || (off & 3))
		return 0;
	int qs = s->queue_sel < (uint32_t)d->ops->nqueues;
	struct virtq_state *vq = qs ? &s->q[s->queue_sel] : NULL;
	switch (off) {
	case R_MAGIC: return VIRTIO_MAGIC;
	case R_VERSION: return 2;
	case R_DEVICE_ID: return d->ops->device_id;
	case R_VENDOR_ID: return VIRTIO_VENDOR;
	case R_DEV_FEATURES:
		if (s->device_features_sel > 1)
			return 0;
		return (uint32_t)(offered_features(d) >> (32 * s->device_features_sel));
	case R_QUEUE_NUM_MAX: return qs ? VIRTQ_MAX_SIZE : 0;
	case R_QUEUE_READY: return qs ? vq->ready : 0;
	case R_INT_STATUS: return s->int_status;
	case R_STATUS: return s->status;
	case R_QUEUE_DESC_LO: return qs ? (uint32_t)vq->desc : 0;
	case R_QUEUE_DESC_HI: return qs ? vq->desc >> 32 : 0;
	case R_QUEUE_DRIVER_LO: return qs ? (uint32_t)vq->avail : 0;
	case R_QUEUE_DRIVER_HI: return qs ? vq->avail >> 32 : 0;
	case R_QUEUE_DEVICE_LO: return qs ? (uint32_t)vq->used : 0;
	case R_QUEUE_DEVICE_HI: return qs ? vq->used >> 32 : 0;
	case R_SHM_LEN_LO: case R_SHM_LEN_HI:
	case R_SHM_BASE_LO: case R_SHM_BASE_HI:
		return 0xffffffff;              /* no shared memory regions */
	case R_CONFIG_GEN: return s->config_gen;
	}
	return 0;
}

/* Set a 32-bit half of a 64-bit queue address. */
static void set_half(uint64_t *a, int hi, uint32_t v)
{
	if (hi)
		*a = (*a & 0xffffffffull) | (uint64_t)v << 32;
	else
		*a = (*a & ~0xffffffffull) | v;
}

static void virtio_write_status(struct virtio_dev *d, uint32_t v)
{
	struct virtio_mmio_state *s = d->s;
	if (v == 0) {
		virtio_reset(d);
		return;
	}
	uint32_t old = s->status;
	v &= 0xff & ~VIRTIO_S_NEEDS_RESET;
	if ((v & VIRTIO_S_FEATURES_OK) && !(old & VIRTIO_S_FEATURES_OK)) {
		uint64_t f = s->driver_features;
		if (!(f & VIRTIO_F_VERSION_1) || (f & ~offered_features(d)))
			v &= ~VIRTIO_S_FEATURES_OK;
	}
	s->status = v | (old & VIRTIO_S_NEEDS_RESET);
	if ((v & VIRTIO_S_DRIVER_OK) && !(old & VIRTIO_S_DRIVER_OK) && d->ops->notify)
		for (int q = 0; q < d->ops->nqueues; q++)
			if (virtq_usable(d, q))
				d->ops->notify(d, q);
}

static void virtio_write(void *opaque, uint64_t off, uint64_t val, int size)
{
	struct virtio_dev *d = opaque;
	struct virtio_mmio_state *s = d->s;
	if (off >= R_CONFIG) {
		if (d->ops->config_write)
			d->ops->config_write(d, off - R_CONFIG, val, size);
		return;
	}
	if (size != 4 || (off & 3))
		return;
	uint32_t v = val;
	int qs = s->queue_sel < (uint32_t)d->ops->nqueues;
	struct virtq_state *vq = qs ? &s->q[s->queue_sel] : NULL;
	switch (off) {
	case R_DEV_FEATURES_SEL:
		s->device_features_sel = v;
		break;
	case R_DRV_FEATURES:
		if (s->driver_features_sel <= 1 && !(s->status & VIRTIO_S_FEATURES_OK))
			set_half(&s->driver_features, s->driver_features_sel, v);
		break;
	case R_DRV_FEATURES_SEL:
		s->driver_features_sel = v;
		break;
	case R_QUEUE_SEL:
		s->queue_sel = v;
		break;
	case R_QUEUE_NUM:
		if (qs)
			vq->num = v;
		break;
	case R_QUEUE_READY:
		if (qs)
			vq->ready = v & 1;
		break;
	case R_QUEUE_NOTIFY:
		if (v < (uint32_t)d->ops->nqueues && d->ops->notify &&
		    (s->status & VIRTIO_S_DRIVER_OK) && !(s->status & VIRTIO_S_NEEDS_RESET)) {
			if (virtq_valid(d, v))
				d->ops->notify(d, v);
			else
				virtio_set_needs_reset(d);
		}
		break;
	case R_INT_ACK:
		s->int_status &= ~v;
		virtio_update_irq(d);
		break;
	case R_STATUS:
		virtio_write_status(d, v);
		break;
	case R_QUEUE_DESC_LO: case R_QUEUE_DESC_HI:
		if (qs)
			set_half(&vq->desc, off == R_QUEUE_DESC_HI, v);
		break;
	case R_QUEUE_DRIVER_LO: case R_QUEUE_DRIVER_HI:
		if (qs)
			set_half(&vq->avail, off == R_QUEUE_DRIVER_HI, v);
		break;
	case R_QUEUE_DEVICE_LO: case R_QUEUE_DEVICE_HI:
		if (qs)
			set_half(&vq->used, off == R_QUEUE_DEVICE_HI, v);
		break;
	}
}

/* ---- lifecycle ---- */

struct virtio_dev *virtio_dev_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index,
				  const struct virtio_ops *ops)
{
	struct virtio_dev *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->state = calloc(1, ops->state_len);
	d->priv = ops->priv_len ? calloc(1, ops->priv_len) : NULL;
	if (!d->state || (ops->priv_len && !d->priv)) {
		free(d->state);
		free(d->priv);
		free(d);
		return NULL;
	}
	d->s = d->state;
	d->ops = ops;
	d->pm = pm;
	d->host = host;
	d->irq = irq;
	d->index = index;
	if (physmem_add_device(pm, base, VIRTIO_MMIO_SIZE, d, virtio_read, virtio_write,
			       ops->name) < 0) {
		free(d->state);
		free(d->priv);
		free(d);
		return NULL;
	}
	return d;
}

void virtio_free(struct virtio_dev *d)
{
	if (!d)
		return;
	if (d->ops->free)
		d->ops->free(d);
	free(d->state);
	free(d->priv);
	free(d);
}

void virtio_reset(struct virtio_dev *d)
{
	memset(d->s, 0, sizeof *d->s);
	if (d->ops->reset)
		d->ops->reset(d);
	irq_set(&d->irq, 0);
}

void *virtio_state(struct virtio_dev *d, size_t *len)
{
	*len = d->ops->state_len;
	return d->state;
}

void virtio_state_loaded(struct virtio_dev *d)
{
	d->s->irq_level = d->s->int_status != 0;
	irq_set(&d->irq, d->s->irq_level);
	if (d->ops->state_loaded)
		d->ops->state_loaded(d);
}

uint32_t virtio_device_id(const struct virtio_dev *d)
{
	return d->ops->device_id;
}

/* An empty slot: a transport with device id 0, as QEMU leaves unused slots. */
static uint64_t empty_read(void *opaque, uint64_t off, int size)
{
	if (size != 4)
		return 0;
	switch (off) {
	case R_MAGIC: return VIRTIO_MAGIC;
	case R_VERSION: return 2;
	case R_VENDOR_ID: return VIRTIO_VENDOR;
	}
	return 0;
}

static void empty_write(void *opaque, uint64_t off, uint64_t val, int size)
{
}

int virtio_mmio_add_empty(struct physmem *pm, uint64_t base)
{
	return physmem_add_device(pm, base, VIRTIO_MMIO_SIZE, NULL, empty_read, empty_write,
				  "virtio-empty");
}
