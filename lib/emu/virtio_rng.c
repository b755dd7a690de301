/* virtio_rng: virtio entropy device (see virtio.h for the contract).
 *
 * One queue; at each notify every available chain's device-writable buffers are
 * filled with host_entropy() (a logged input) and completed at once.
 */
#include <string.h>
#include "emu/virtio.h"

#define RNG_MAX_FILL 65536              /* bytes per chain; the rest is left unwritten */

struct virtio_rng_state {
	struct virtio_mmio_state t;
	uint64_t bytes;                 /* entropy handed to the guest so far */
};

struct rng_priv {
	struct virtq_req req;
};

static void rng_notify(struct virtio_dev *d, int q)
{
	struct virtio_rng_state *s = d->state;
	struct virtq_req *r = &((struct rng_priv *)d->priv)->req;
	int any = 0;
	if (q != 0)
		return;
	while (virtq_pop(d, 0, r) > 0) {
		uint32_t filled = 0;
		for (int i = 0; i < r->nseg && filled < RNG_MAX_FILL; i++) {
			if (!r->seg[i].write)
				continue;
			uint32_t n = r->seg[i].len;
			if (n > RNG_MAX_FILL - filled)
				n = RNG_MAX_FILL - filled;
			void *p = physmem_dma_ptr(d->pm, r->seg[i].addr, n, 1);
			if (!p)
				break;
			host_entropy(d->host, p, n);
			filled += n;
		}
		s->bytes += filled;
		virtq_push(d, 0, r->head, filled);
		any = 1;
	}
	if (any)
		virtq_irq(d, 0);
}

static const struct virtio_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.features = 0,
	.state_len = sizeof(struct virtio_rng_state),
	.priv_len = sizeof(struct rng_priv),
	.notify = rng_notify,
};

struct virtio_dev *virtio_rng_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host)
{
	return virtio_dev_new(pm, base, irq, host, 0, &rng_ops);
}
