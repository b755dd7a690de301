/* machine_devices: the virt board's interrupt controller and I/O devices, wired to
 * the memory map, to the PLIC and to the host; input delivery; their state hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine_impl.h"
#include "emu/plic.h"
#include "emu/uart16550.h"
#include "emu/goldfish_rtc.h"
#include "emu/virtio.h"
#include "emu/disk.h"

/* Like QEMU, which hands -device virtio-*-device the highest free slot first, the
 * devices fill the slots from the top: blk 7, net 6, rng 5, input 4. */
enum { SLOT_BLK = 7, SLOT_NET = 6, SLOT_RNG = 5, SLOT_INPUT = 4 };

struct machine_devices {
	struct plic *plic;
	struct uart *uart;
	struct goldfish_rtc *rtc;
	struct disk *disk;
	struct virtio_dev *slot[VIRT_VIRTIO_SLOTS];
	struct virtio_dev *blk, *net, *rng, *input;
};

static struct irq_line plic_line(struct machine *m, int irq)
{
	struct irq_line l = { plic_set_irq, m->dev->plic, irq };
	return l;
}

int machine_devices_new(struct machine *m, char *err, size_t errlen)
{
	struct machine_devices *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->dev = d;
	struct hart *harts[MACHINE_MAX_HARTS];
	for (int i = 0; i < m->nharts; i++)
		harts[i] = &m->harts[i];
	d->plic = plic_new(&m->pm, VIRT_PLIC_BASE, harts, m->nharts);
	if (!d->plic)
		goto nomem;
	d->uart = uart_new(&m->pm, VIRT_UART_BASE, plic_line(m, VIRT_UART_IRQ), &m->dev_host, 0);
	d->rtc = goldfish_rtc_new(&m->pm, VIRT_RTC_BASE, plic_line(m, VIRT_RTC_IRQ), &m->dev_host);
	if (!d->uart || !d->rtc)
		goto nomem;
	const struct machine_config *c = &m->cfg;
	if (c->drive) {
		d->disk = disk_open(c->drive, c->drive_persist, err, errlen);
		if (!d->disk)
			return -1;
	}
#define SLOT_BASE(n) (VIRT_VIRTIO_BASE + 0x1000ull * (n))
#define SLOT_IRQ(n) plic_line(m, VIRT_VIRTIO_IRQ + (n))
	if (d->disk && !(d->blk = d->slot[SLOT_BLK] =
			 virtio_blk_new(&m->pm, SLOT_BASE(SLOT_BLK), SLOT_IRQ(SLOT_BLK), &m->dev_host, 0, d->disk)))
		goto nomem;
	if (c->net_user && !(d->net = d->slot[SLOT_NET] =
			     virtio_net_new(&m->pm, SLOT_BASE(SLOT_NET), SLOT_IRQ(SLOT_NET), &m->dev_host, 0, NULL)))
		goto nomem;
	if (c->rng && !(d->rng = d->slot[SLOT_RNG] =
			virtio_rng_new(&m->pm, SLOT_BASE(SLOT_RNG), SLOT_IRQ(SLOT_RNG), &m->dev_host)))
		goto nomem;
	if (c->input && !(d->input = d->slot[SLOT_INPUT] =
			  virtio_input_new(&m->pm, SLOT_BASE(SLOT_INPUT), SLOT_IRQ(SLOT_INPUT), &m->dev_host, 0)))
		goto nomem;
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		if (!d->slot[i] && virtio_mmio_add_empty(&m->pm, SLOT_BASE(i)) < 0)
			goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "cannot create the board's devices (out of memory)");
	return -1;
}

void machine_devices_free(struct machine *m)
{
	struct machine_devices *d = m->dev;
	if (!d)
		return;
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		virtio_free(d->slot[i]);
	disk_close(d->disk);
	goldfish_rtc_free(d->rtc);
	uart_free(d->uart);
	plic_free(d->plic);
	free(d);
	m->dev = NULL;
}

void machine_devices_deliver(struct machine *m, const struct emu_input *in)
{
	struct machine_devices *d = m->dev;
	switch (in->kind) {
	case EMU_INPUT_SERIAL:
		uart_receive(d->uart, in->data, in->len);
		break;
	case EMU_INPUT_NET:
		if (d->net)
			virtio_net_receive(d->net, in->data, in->len);
		break;
	case EMU_INPUT_BLOCK:
		if (d->blk)
			virtio_blk_complete(d->blk, in->id);
		break;
	case EMU_INPUT_KEY:
		if (d->input)
			virtio_input_event_id(d->input, in->id);
		break;
	default:
		break; /* an input for a device this board does not have: ignored */
	}
}

void machine_devices_room(struct machine *m, struct emu_room *room)
{
	memset(room, 0, sizeof *room);
	room->serial = (uint32_t)uart_rx_room(m->dev->uart);
}

uint64_t machine_devices_hash(struct machine *m)
{
	struct machine_devices *d = m->dev;
	size_t n;
	void *s;
	uint64_t h = 0;
	s = plic_state(d->plic, &n);
	h = machine_hash_bytes(h + 11, s, n);
	s = uart_state(d->uart, &n);
	h = machine_hash_bytes(h + 12, s, n);
	s = goldfish_rtc_state(d->rtc, &n);
	h = machine_hash_bytes(h + 13, s, n);
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++) {
		if (!d->slot[i])
			continue;
		s = virtio_state(d->slot[i], &n);
		h = machine_hash_bytes(h + 20 + i, s, n);
	}
	/* The disk overlay is left out: while recording, the disk worker applies
	 * requests at host-timed moments, so the overlay at a given icount is not
	 * deterministic; what the guest reads from it lands in RAM, which is hashed. */
	return h;
}

/* ---- snapshots: each device's state as u64 length + bytes, in a fixed order, then
 * the disk overlay the same way (length 0 without a disk) ---- */

static int dev_states(struct machine_devices *d, void **st, size_t *len)
{
	int n = 0;
	st[n] = plic_state(d->plic, &len[n]); n++;
	st[n] = uart_state(d->uart, &len[n]); n++;
	st[n] = goldfish_rtc_state(d->rtc, &len[n]); n++;
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		if (d->slot[i]) {
			st[n] = virtio_state(d->slot[i], &len[n]);
			n++;
		}
	return n;
}

int machine_device_states(struct machine *m, const void **st, size_t *len, const char **names)
{
	struct machine_devices *d = m->dev;
	void *s[3 + VIRT_VIRTIO_SLOTS];
	int n = dev_states(d, s, len);
	static const char *slot_names[VIRT_VIRTIO_SLOTS] = { "virtio-slot0", "virtio-slot1", "virtio-slot2",
		"virtio-slot3", "virtio-input", "virtio-rng", "virtio-net", "virtio-blk" };
	names[0] = "plic";
	names[1] = "uart";
	names[2] = "rtc";
	for (int i = 0, k = 3; i < VIRT_VIRTIO_SLOTS; i++)
		if (d->slot[i])
			names[k++] = slot_names[i];
	for (int i = 0; i < n; i++)
		st[i] = s[i];
	return n;
}

void *machine_devices_save(struct machine *m, int changed_only, size_t *len)
{
	struct machine_devices *d = m->dev;
	void *st[3 + VIRT_VIRTIO_SLOTS];
	size_t sl[3 + VIRT_VIRTIO_SLOTS], total = 8, ovlen = 0;
	int n = dev_states(d, st, sl);
	void *ov = NULL;
	if (d->disk && !(ov = disk_overlay_save(d->disk, changed_only, &ovlen)))
		return NULL;
	for (int i = 0; i < n; i++)
		total += 8 + sl[i];
	total += ovlen;
	uint8_t *buf = malloc(total), *p = buf;
	if (!buf) {
		free(ov);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		uint64_t l = sl[i];
		memcpy(p, &l, 8);
		memcpy(p + 8, st[i], sl[i]);
		p += 8 + sl[i];
	}
	uint64_t l = ovlen;
	memcpy(p, &l, 8);
	if (ovlen)
		memcpy(p + 8, ov, ovlen);
	free(ov);
	*len = total;
	return buf;
}

/* Splits one saved buffer into device states and overlay; 0 or -1. */
static int dev_split(struct machine_devices *d, const uint8_t *p, size_t len,
		     const uint8_t **src, const uint8_t **ov, size_t *ovlen)
{
	void *st[3 + VIRT_VIRTIO_SLOTS];
	size_t sl[3 + VIRT_VIRTIO_SLOTS];
	int n = dev_states(d, st, sl);
	const uint8_t *end = p + len;
	for (int i = 0; i < n; i++) {
		uint64_t l;
		if (end - p < 8)
			return -1;
		memcpy(&l, p, 8);
		if (l != sl[i] || l > (uint64_t)(end - p - 8))
			return -1;
		src[i] = p + 8;
		p += 8 + l;
	}
	uint64_t l;
	if (end - p < 8)
		return -1;
	memcpy(&l, p, 8);
	if (l != (uint64_t)(end - p - 8) || (l && !d->disk) || (!l && d->disk))
		return -1;
	*ov = p + 8;
	*ovlen = l;
	return 0;
}

int machine_devices_load(struct machine *m, const void *const *bufs, const size_t *lens, int n,
			 int check_only, char *err, size_t errlen)
{
	struct machine_devices *d = m->dev;
	void *st[3 + VIRT_VIRTIO_SLOTS];
	size_t sl[3 + VIRT_VIRTIO_SLOTS];
	int ns = dev_states(d, st, sl);
	const uint8_t *src[3 + VIRT_VIRTIO_SLOTS];
	const void *ov[64];
	size_t ovl[64];
	if (n < 1 || n > 64)
		goto bad;
	for (int k = 0; k < n; k++) {
		const uint8_t *o;
		if (dev_split(d, bufs[k], lens[k], src, &o, &ovl[k]) < 0)
			goto bad;
		ov[k] = o;
	}
	/* the last buffer's device states (src) stay for the copy below */
	if (d->disk && disk_overlay_load(d->disk, ov, ovl, n, check_only, err, errlen) < 0)
		return -1;
	if (check_only)
		return 0;
	for (int i = 0; i < ns; i++)
		memcpy(st[i], src[i], sl[i]);
	return 0;
bad:
	snprintf(err, errlen, "snapshot's device states do not fit this machine (another configuration or build)");
	return -1;
}

void *machine_devices_host_save(struct machine *m, size_t *len)
{
	return virtio_blk_writes_save(m->dev->blk, len);
}

int machine_devices_host_load(struct machine *m, const void *buf, size_t len, int check_only,
			      char *err, size_t errlen)
{
	if (virtio_blk_writes_load(m->dev->blk, buf, len, check_only) < 0) {
		snprintf(err, errlen, "snapshot's data of the disk writes in flight is malformed");
		return -1;
	}
	return 0;
}

void machine_devices_loaded(struct machine *m)
{
	struct machine_devices *d = m->dev;
	plic_state_loaded(d->plic);
	uart_state_loaded(d->uart);
	goldfish_rtc_state_loaded(d->rtc);
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		if (d->slot[i])
			virtio_state_loaded(d->slot[i]);
}

int machine_io_inflight(struct machine *m)
{
	return virtio_blk_inflight(m->dev->blk);
}

void machine_devices_reset(struct machine *m)
{
	struct machine_devices *d = m->dev;
	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		if (d->slot[i])
			virtio_reset(d->slot[i]);
	uart_reset(d->uart);
	goldfish_rtc_reset(d->rtc);
	plic_reset(d->plic);
}
