/* virtio_input: a virtio-input keyboard (see virtio.h for the contract).
 *
 * Queue 0 (eventq) carries 8-byte evdev events to the driver; queue 1 (statusq)
 * carries LED updates from it, which are consumed and ignored. Events that arrive
 * while the driver has no eventq buffer wait in a small ring in the state
 * (VIRTIO_INPUT_QLEN events; further events are dropped and counted).
 * Config space: select/subsel choose what the 128-byte union shows: the name, the
 * device ids (BUS_VIRTUAL, QEMU's vendor 0x0627), and the EV_KEY bitmap.
 */
#include <string.h>
#include "emu/virtio.h"

#define CFG_ID_NAME    0x01
#define CFG_ID_SERIAL  0x02
#define CFG_ID_DEVIDS  0x03
#define CFG_PROP_BITS  0x10
#define CFG_EV_BITS    0x11
#define CFG_ABS_INFO   0x12
#define EV_KEY 1
#define EVQ 0
#define STATUSQ 1
#define INPUT_NAME "rrkit keyboard"

struct input_event_le {
	uint16_t type, code;
	uint32_t value;
};

struct virtio_input_state {
	struct virtio_mmio_state t;
	uint8_t select, subsel;
	uint16_t pad;
	uint32_t qhead, qcount;
	uint32_t pad2;
	uint64_t delivered, dropped;
	struct input_event_le q[VIRTIO_INPUT_QLEN];
};

struct input_priv {
	struct virtq_req req;
};

static const struct virtio_ops input_ops;

static struct virtio_input_state *IS(struct virtio_dev *d) { return d->state; }

/* Move waiting events into eventq buffers. */
static void input_flush(struct virtio_dev *d)
{
	struct virtio_input_state *s = IS(d);
	struct virtq_req *r = &((struct input_priv *)d->priv)->req;
	int any = 0;
	while (s->qcount && virtq_pop(d, EVQ, r) > 0) {
		if (r->in_len < sizeof(struct input_event_le)) {
			virtio_set_needs_reset(d);
			break;
		}
		virtq_write(d, r, 0, &s->q[s->qhead], sizeof s->q[0]);
		virtq_push(d, EVQ, r->head, sizeof s->q[0]);
		s->qhead = (s->qhead + 1) % VIRTIO_INPUT_QLEN;
		s->qcount--;
		s->delivered++;
		any = 1;
	}
	if (any)
		virtq_irq(d, EVQ);
}

static void input_notify(struct virtio_dev *d, int q)
{
	if (q == EVQ) {
		input_flush(d);
	} else if (q == STATUSQ) {
		struct virtq_req *r = &((struct input_priv *)d->priv)->req;
		int any = 0;
		while (virtq_pop(d, STATUSQ, r) > 0) {
			virtq_push(d, STATUSQ, r->head, 0);
			any = 1;
		}
		if (any)
			virtq_irq(d, STATUSQ);
	}
}

int virtio_input_event(struct virtio_dev *d, uint16_t type, uint16_t code, uint32_t value)
{
	if (!d || d->ops != &input_ops)
		return -1;
	struct virtio_input_state *s = IS(d);
	if (s->qcount >= VIRTIO_INPUT_QLEN) {
		s->dropped++;
		return -1;
	}
	struct input_event_le *e = &s->q[(s->qhead + s->qcount) % VIRTIO_INPUT_QLEN];
	e->type = type;
	e->code = code;
	e->value = value;
	s->qcount++;
	if (virtq_usable(d, EVQ))
		input_flush(d);
	return 0;
}

int virtio_input_event_id(struct virtio_dev *d, uint64_t id)
{
	return virtio_input_event(d, id >> 48, id >> 32, (uint32_t)id);
}

static size_t input_config(struct virtio_dev *d, uint8_t *buf)
{
	struct virtio_input_state *s = IS(d);
	uint8_t *u = buf + 8, size = 0;
	buf[0] = s->select;
	buf[1] = s->subsel;
	switch (s->select) {
	case CFG_ID_NAME:
		size = strlen(INPUT_NAME);
		memcpy(u, INPUT_NAME, size);
		break;
	case CFG_ID_DEVIDS: {
		uint16_t ids[4] = { 0x06 /* BUS_VIRTUAL */, 0x0627, 0x0001, 0x0001 };
		memcpy(u, ids, sizeof ids);
		size = sizeof ids;
		break;
	}
	case CFG_EV_BITS:
		if (s->subsel == EV_KEY) {      /* key codes 1..255 */
			memset(u, 0xff, 32);
			u[0] &= ~1;
			size = 32;
		}
		break;
	}
	buf[2] = size;
	return 8 + 128;
}

static void input_config_write(struct virtio_dev *d, uint32_t off, uint64_t val, int size)
{
	struct virtio_input_state *s = IS(d);
	/* select and subsel are the first two bytes; a wide write may cover both */
	for (int i = 0; i < size; i++) {
		uint32_t o = off + i;
		if (o == 0)
			s->select = val >> (8 * i);
		else if (o == 1)
			s->subsel = val >> (8 * i);
	}
}

static void input_reset(struct virtio_dev *d)
{
	struct virtio_input_state *s = IS(d);
	s->select = s->subsel = 0;
	s->qhead = s->qcount = 0;
}

static void input_state_loaded(struct virtio_dev *d)
{
	struct virtio_input_state *s = IS(d);
	s->qhead %= VIRTIO_INPUT_QLEN;
	if (s->qcount > VIRTIO_INPUT_QLEN)
		s->qcount = VIRTIO_INPUT_QLEN;
}

static const struct virtio_ops input_ops = {
	.name = "virtio-input",
	.device_id = VIRTIO_ID_INPUT,
	.nqueues = 2,
	.features = 0,
	.state_len = sizeof(struct virtio_input_state),
	.priv_len = sizeof(struct input_priv),
	.config = input_config,
	.config_write = input_config_write,
	.notify = input_notify,
	.reset = input_reset,
	.state_loaded = input_state_loaded,
};

struct virtio_dev *virtio_input_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				    struct emu_host *host, uint32_t index)
{
	return virtio_dev_new(pm, base, irq, host, index, &input_ops);
}
