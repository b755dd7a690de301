/* virtio_net: virtio network device (see virtio.h for the contract).
 *
 * Queue 0 receives, queue 1 transmits; no control queue, no offloads, no mergeable
 * rx buffers: every frame carries the 12-byte virtio_net_hdr of VERSION_1 (zeroed,
 * num_buffers = 1) and must fit in one rx chain. Frames sent by the driver go to
 * host_net_send() at the notify; frames from the host arrive through
 * virtio_net_receive().
 */
#include <stdlib.h>
#include <string.h>
#include "emu/virtio.h"

#define VIRTIO_NET_F_MAC    (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1

#define NET_HDR   12
#define NET_FRAME_MAX 65535             /* largest frame either way (no offloads) */
#define RXQ 0
#define TXQ 1

struct virtio_net_state {
	struct virtio_mmio_state t;
	uint8_t mac[6];
	uint16_t link;
	uint32_t pad;
	uint64_t rx_frames, rx_dropped, tx_frames, tx_dropped;
};

struct net_priv {
	struct virtq_req req;
	uint8_t frame[NET_HDR + NET_FRAME_MAX];
};

static const struct virtio_ops net_ops;

static struct virtio_net_state *NS(struct virtio_dev *d) { return d->state; }
static struct net_priv *NP(struct virtio_dev *d) { return d->priv; }

/* Send every frame the driver queued for transmission. */
static void net_tx(struct virtio_dev *d)
{
	struct virtio_net_state *s = NS(d);
	struct net_priv *p = NP(d);
	int any = 0, rc;
	while ((rc = virtq_pop(d, TXQ, &p->req)) > 0) {
		uint64_t len = p->req.out_len;
		if (len < NET_HDR || len - NET_HDR > NET_FRAME_MAX) {
			s->tx_dropped++;
		} else {
			virtq_read(d, &p->req, 0, p->frame, len);
			host_net_send(d->host, d->index, p->frame + NET_HDR, len - NET_HDR);
			s->tx_frames++;
		}
		virtq_push(d, TXQ, p->req.head, 0);
		any = 1;
	}
	if (any)
		virtq_irq(d, TXQ);
}

static void net_notify(struct virtio_dev *d, int q)
{
	if (q == TXQ)
		net_tx(d);
	/* RXQ: new buffers; frames are only delivered by virtio_net_receive() */
}

int virtio_net_can_receive(struct virtio_dev *d)
{
	if (!d || d->ops != &net_ops || !virtq_usable(d, RXQ))
		return 0;
	const struct virtq_state *vq = &d->s->q[RXQ];
	uint16_t idx = 0;
	physmem_dma_read(d->pm, vq->avail + 2, &idx, 2);
	return idx != vq->last_avail;
}

int virtio_net_receive(struct virtio_dev *d, const uint8_t *frame, size_t len)
{
	if (!d || d->ops != &net_ops)
		return 0;
	struct virtio_net_state *s = NS(d);
	struct net_priv *p = NP(d);
	if (len > NET_FRAME_MAX || !virtq_usable(d, RXQ) || virtq_pop(d, RXQ, &p->req) <= 0) {
		s->rx_dropped++;
		return 0;
	}
	if (p->req.in_len < NET_HDR + len) {
		virtq_unpop(d, RXQ);            /* leave the buffer for a smaller frame */
		s->rx_dropped++;
		return 0;
	}
	uint8_t hdr[NET_HDR] = { 0 };
	hdr[10] = 1;                            /* num_buffers */
	virtq_write(d, &p->req, 0, hdr, NET_HDR);
	virtq_write(d, &p->req, NET_HDR, frame, len);
	virtq_push(d, RXQ, p->req.head, NET_HDR + len);
	virtq_irq(d, RXQ);
	s->rx_frames++;
	return 1;
}

uint64_t virtio_net_rx_dropped(struct virtio_dev *d)
{
	return d && d->ops == &net_ops ? NS(d)->rx_dropped : 0;
}

static size_t net_config(struct virtio_dev *d, uint8_t *buf)
{
	struct virtio_net_state *s = NS(d);
	uint16_t pairs = 1;
	memcpy(buf, s->mac, 6);
	memcpy(buf + 6, &s->link, 2);
	memcpy(buf + 8, &pairs, 2);
	return 12;
}

static void net_reset(struct virtio_dev *d)
{
	NS(d)->link = VIRTIO_NET_S_LINK_UP;
}

static const struct virtio_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nqueues = 2,
	.features = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS,
	.state_len = sizeof(struct virtio_net_state),
	.priv_len = sizeof(struct net_priv),
	.config = net_config,
	.notify = net_notify,
	.reset = net_reset,
};

struct virtio_dev *virtio_net_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index, const uint8_t *mac)
{
	static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct virtio_dev *d = virtio_dev_new(pm, base, irq, host, index, &net_ops);
	if (!d)
		return NULL;
	memcpy(NS(d)->mac, mac ? mac : qemu_mac, 6);
	NS(d)->link = VIRTIO_NET_S_LINK_UP;
	return d;
}
