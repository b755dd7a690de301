/* virtio: the virtio-mmio (version 2) transport, split-virtqueue helpers, and the
 * four devices of the virt board: blk, net, rng, input.
 *
 * Transport (virtio 1.1 section 4.2.2): magic 0x74726976, version 2, vendor id
 * 0x554d4551 ("QEMU"). Registers below 0x100 take naturally aligned 32-bit accesses
 * only (others read 0 and are ignored); the config space at 0x100 takes any size.
 * VIRTIO_F_VERSION_1 is offered and required (FEATURES_OK is refused without it or
 * with features not offered). No event idx, no indirect descriptors, no packed
 * rings. Avail-ring VIRTQ_AVAIL_F_NO_INTERRUPT is honoured.
 *
 * Guest errors: a descriptor index out of the queue, a chain longer than the queue
 * (a loop), an indirect descriptor, a readable descriptor after a writable one, a
 * buffer or ring outside guest RAM, an avail index more than the queue size ahead,
 * or a request too short for its device: the device sets DEVICE_NEEDS_RESET
 * (status bit 0x40), raises a configuration-change interrupt when DRIVER_OK is set,
 * and ignores the queues until the driver resets it (writes status 0). A well-formed
 * request the device cannot serve (bad sector, too large, unknown type) completes
 * with an error status instead. Nothing a guest writes makes a device allocate more
 * than a fixed bound (VIRTIO_BLK_MAX_BYTES for a block request and
 * VIRTIO_BLK_MAX_INFLIGHT for all a block device holds, 64 KiB otherwise).
 *
 * State: each device's guest-visible state is one plain-data struct that begins
 * with struct virtio_mmio_state; virtio_state() returns it for snapshots and
 * virtio_state_loaded() re-derives the rest after it was overwritten.
 */
#ifndef EMU_VIRTIO_H
#define EMU_VIRTIO_H
#include <stddef.h>
#include <stdint.h>
#include "emu/physmem.h"
#include "emu/host.h"
#include "emu/irq.h"

#define VIRTIO_MMIO_SIZE   0x1000
#define VIRTIO_MAX_QUEUES  2
#define VIRTQ_MAX_SIZE     256          /* QueueNumMax of every device */

#define VIRTIO_ID_NET      1
#define VIRTIO_ID_BLK      2
#define VIRTIO_ID_RNG      4
#define VIRTIO_ID_INPUT    18

/* Device status bits */
#define VIRTIO_S_ACKNOWLEDGE 0x01
#define VIRTIO_S_DRIVER      0x02
#define VIRTIO_S_DRIVER_OK   0x04
#define VIRTIO_S_FEATURES_OK 0x08
#define VIRTIO_S_NEEDS_RESET 0x40
#define VIRTIO_S_FAILED      0x80

#define VIRTIO_F_VERSION_1   (1ull << 32)

/* One split virtqueue as the driver configured it, and the device's positions. */
struct virtq_state {
	uint64_t desc, avail, used;     /* guest physical addresses */
	uint32_t num;                   /* QueueNum */
	uint32_t ready;                 /* QueueReady */
	uint16_t last_avail;            /* next avail ring entry the device takes */
	uint16_t used_idx;              /* next used ring entry the device fills */
	uint32_t pad;
};

/* The transport's guest-visible state: first member of every device state. */
struct virtio_mmio_state {
	uint64_t driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	uint32_t int_status;            /* bit 0 used buffer, bit 1 config change */
	uint32_t config_gen;
	uint32_t irq_level;             /* level last driven on the irq line */
	uint32_t pad;
	struct virtq_state q[VIRTIO_MAX_QUEUES];
};

struct virtio_dev;

/* What a device type plugs into the transport. */
struct virtio_ops {
	const char *name;
	uint32_t device_id;
	int nqueues;
	uint64_t features;              /* offered, besides VIRTIO_F_VERSION_1 */
	size_t state_len;               /* the device state struct (>= transport) */
	size_t priv_len;                /* host-side, non-snapshot data */
	/* Fill buf (256 bytes) with the config space; return its length. */
	size_t (*config)(struct virtio_dev *d, uint8_t *buf);
	/* A config-space write (may be NULL: ignored). */
	void (*config_write)(struct virtio_dev *d, uint32_t off, uint64_t val, int size);
	/* The driver notified queue q (also called for every ready queue at DRIVER_OK). */
	void (*notify)(struct virtio_dev *d, int q);
	/* Device-specific reset; the transport state is already zeroed. May be NULL. */
	void (*reset)(struct virtio_dev *d);
	/* After virtio_state_loaded() re-derived the transport. May be NULL. */
	void (*state_loaded)(struct virtio_dev *d);
	/* Release priv resources. May be NULL. */
	void (*free)(struct virtio_dev *d);
};

/* A virtio-mmio device. state points to ops->state_len bytes of plain data
 * beginning with the transport state s; priv to ops->priv_len bytes. */
struct virtio_dev {
	struct virtio_mmio_state *s;
	void *state;
	void *priv;
	const struct virtio_ops *ops;
	struct physmem *pm;
	struct emu_host *host;
	struct irq_line irq;
	uint32_t index;                 /* device index for host inputs/outputs */
};

/* A descriptor chain taken from a queue: validated segments (all inside RAM). */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	uint32_t write;                 /* device-writable */
};
struct virtq_req {
	uint16_t head;
	int nseg;
	uint64_t out_len, in_len;       /* readable and writable byte totals */
	struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

/* ---- transport, for device implementations ---- */

/* Create a device of type ops at base (VIRTIO_MMIO_SIZE bytes): zeroed state and
 * priv. NULL if the range is taken or memory runs out. */
struct virtio_dev *virtio_dev_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index,
				  const struct virtio_ops *ops);
/* Take the next chain from queue q into r. 1: got one; 0: ring empty; -1: the
 * queue or chain is malformed (the device was marked NEEDS_RESET). */
int virtq_pop(struct virtio_dev *d, int q, struct virtq_req *r);
/* Give back the chain popped last from queue q (its buffers were not used). */
void virtq_unpop(struct virtio_dev *d, int q);
/* Walk the chain starting at head of queue q into r (no ring change). 0 or -1
 * (malformed; NEEDS_RESET is not set: the caller decides). */
int virtq_walk(struct virtio_dev *d, int q, uint16_t head, struct virtq_req *r);
/* Bytes [off, off+len) of the chain's readable part into buf / of buf into the
 * writable part. Return how many bytes were copied (short at the chain's end). */
size_t virtq_read(struct virtio_dev *d, const struct virtq_req *r, uint64_t off,
		  void *buf, size_t len);
size_t virtq_write(struct virtio_dev *d, const struct virtq_req *r, uint64_t off,
		   const void *buf, size_t len);
/* Put head on queue q's used ring with `written` bytes. Does not interrupt. */
void virtq_push(struct virtio_dev *d, int q, uint16_t head, uint32_t written);
/* Raise the used-buffer interrupt for queue q unless the driver suppressed it. */
void virtq_irq(struct virtio_dev *d, int q);
/* Queue q is configured, valid, and the driver is running (DRIVER_OK, no NEEDS_RESET). */
int virtq_usable(struct virtio_dev *d, int q);
/* Mark the device broken: NEEDS_RESET, config-change interrupt. */
void virtio_set_needs_reset(struct virtio_dev *d);

/* ---- every device: lifecycle and snapshots ---- */

/* Map an empty virtio-mmio slot (device id 0) at base. 0, or -1 if taken. */
int virtio_mmio_add_empty(struct physmem *pm, uint64_t base);
/* Release a device (blk: the host must have finished every request). */
void virtio_free(struct virtio_dev *d);
/* Device reset, as the driver writing status 0. */
void virtio_reset(struct virtio_dev *d);
/* The device's guest-visible state (transport + device) and its size. */
void *virtio_state(struct virtio_dev *d, size_t *len);
/* After the state was overwritten: sanitise, re-drive the irq line, and let the
 * device re-derive its host side (blk resubmits the requests in flight: the host
 * must have finished and dropped every earlier request of the device first). */
void virtio_state_loaded(struct virtio_dev *d);
/* Device id (VIRTIO_ID_*) of d. */
uint32_t virtio_device_id(const struct virtio_dev *d);

/* ---- virtio-blk ---- */
struct disk;
#define VIRTIO_BLK_MAX_BYTES (16u << 20) /* larger requests complete with IOERR */
/* Bytes of requests the host holds at once (those of a reset device too): a request
 * that would go over waits in the ring until completions make room (one request is
 * always taken when nothing is held). */
#define VIRTIO_BLK_MAX_INFLIGHT (64u << 20)

/* virtio-blk on disk (borrowed; outlives the device). Requests go to the host with
 * host_blk_submit() as struct emu_blk_req {id, dev = index}; the machine calls
 * virtio_blk_complete() when the host reports EMU_INPUT_BLOCK {dev, id}. */
struct virtio_dev *virtio_blk_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index, struct disk *disk);
/* Finish request id: copy read data into guest RAM, write the status byte, push the
 * used ring, interrupt. 0, or -1 if d is not a blk device or id is not in flight. */
int virtio_blk_complete(struct virtio_dev *d, uint64_t id);
/* Requests submitted to the host and not yet completed (also those submitted
 * before a device reset: the host still performs them). */
int virtio_blk_inflight(struct virtio_dev *d);
/* The data of the writes in flight that the host took from guest RAM at their
 * submission (a snapshot's HOST section: the guest may change its buffers since),
 * as one malloc'd buffer (layout in virtio_blk.c); d NULL or not blk: no write.
 * NULL if out of memory. */
void *virtio_blk_writes_save(struct virtio_dev *d, size_t *len);
/* Check (check_only) or keep what virtio_blk_writes_save made, for the next
 * virtio_state_loaded(): the requests in flight then take their data from it.
 * 0, or -1 if malformed (or writes given for a machine without virtio-blk). */
int virtio_blk_writes_load(struct virtio_dev *d, const void *data, size_t len, int check_only);

/* ---- virtio-net ---- */
/* virtio-net with MAC mac (NULL: 52:54:00:12:34:56); frames go out through
 * host_net_send(host, index, ...). */
struct virtio_dev *virtio_net_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index, const uint8_t *mac);
/* Deliver a received Ethernet frame (no virtio header). 1 if delivered, 0 if
 * dropped (no rx buffer, buffer too small, driver not ready, frame > 65535). */
int virtio_net_receive(struct virtio_dev *d, const uint8_t *frame, size_t len);
/* 1 if a frame could be delivered now (driver ready, an rx buffer available). */
int virtio_net_can_receive(struct virtio_dev *d);
/* Frames dropped on receive so far. */
uint64_t virtio_net_rx_dropped(struct virtio_dev *d);

/* ---- virtio-rng ---- */
/* virtio-rng: each device-writable buffer is filled with host_entropy() when the
 * driver notifies (at most 64 KiB per buffer chain). */
struct virtio_dev *virtio_rng_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host);

/* ---- virtio-input ---- */
#define VIRTIO_INPUT_QLEN 64            /* events held while the driver has no buffer */
/* EMU_INPUT_KEY's id: type, code and value of one evdev event. */
#define VIRTIO_INPUT_ID(type, code, value) \
	((uint64_t)(uint16_t)(type) << 48 | (uint64_t)(uint16_t)(code) << 32 | (uint32_t)(value))
/* A virtio-input keyboard named "rrkit keyboard" (EV_KEY codes 1..255). */
struct virtio_dev *virtio_input_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				    struct emu_host *host, uint32_t index);
/* Queue one evdev event (the driver expects EV_SYN/SYN_REPORT after a key) and
 * deliver what fits in the event queue's buffers. 0, or -1 if dropped (queue full
 * or d is not an input device). */
int virtio_input_event(struct virtio_dev *d, uint16_t type, uint16_t code, uint32_t value);
/* The same from an EMU_INPUT_KEY id (VIRTIO_INPUT_ID encoding). */
int virtio_input_event_id(struct virtio_dev *d, uint64_t id);

#endif
