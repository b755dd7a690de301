/* host: the one narrow interface through which every nondeterministic input enters
 * the machine (DESIGN.md, determinism rule 2).
 *
 * Devices and the machine loop call only these operations. A live host answers from
 * the real world (stdin, the clock, getrandom, libslirp, a disk worker thread); the
 * recorder wraps a live host and logs every answer with the icount at which the
 * guest saw it; the replayer answers from the log. Nothing else in lib/emu knows
 * which of the three it talks to.
 *
 * Synchronous inputs (rtc_ns, entropy) are answered at once, at the current icount.
 * Asynchronous inputs (serial bytes, frames, block completions, key events, host
 * shutdown) are only taken by the machine loop, at an instruction boundary: the loop
 * asks next_input() for the icount at which it must stop and call poll(), and
 * poll() hands over the inputs due at that icount, one per call. Outputs (serial
 * bytes, frames sent, block requests) go out through the same interface so the
 * replayer can drop or perform them as replay needs.
 *
 * Backpressure. next_input(), poll() and idle() are told how much the machine can
 * take now (struct emu_room: the free room of the UART's receive buffer), computed
 * afresh from guest state before every call, so a recording and its replay see the
 * same numbers. A host never hands over more serial bytes than room->serial: it
 * keeps the rest queued and hands it over later, in as many pieces as the room
 * allows (a chunk may be delivered in part). Serial bytes that do not fit are not
 * "due": while room->serial is 0, queued serial bytes must not make next_input()
 * answer "now" nor end idle() (the machine would spin); the room only grows while
 * the guest runs (it reads the receive buffer) or resets, and the machine tells the
 * host again at the next slice boundary. Other inputs are never held back by a full
 * UART. A live host reads its console only as fast as it hands bytes over (bounded
 * memory, real backpressure on a pipe, as QEMU's console does); the recorder logs
 * exactly what was handed over; the replayer checks that every logged console
 * input fits (a divergence otherwise). Serial bytes handed over beyond the room are
 * dropped by the UART and counted (a host bug, visible in the state hash).
 */
#ifndef EMU_HOST_H
#define EMU_HOST_H
#include <stddef.h>
#include <stdint.h>

enum emu_input_kind {
	EMU_INPUT_SERIAL = 1,   /* bytes typed on the console: data, len; dev = UART index */
	EMU_INPUT_NET,          /* a frame received: dev = virtio-net index; data, len */
	EMU_INPUT_BLOCK,        /* a block request completed: dev = virtio-blk index; id */
	EMU_INPUT_KEY,          /* virtio-input event: dev = index; id = VIRTIO_INPUT_ID(type, code, value) */
	EMU_INPUT_SHUTDOWN,     /* the host asks the machine to stop (SIGINT/SIGTERM, monitor quit) */
	EMU_INPUT_RESET,        /* the host asks for a system reset */
};

/* What the machine can take now: a function of guest state alone. */
struct emu_room {
	uint32_t serial;        /* bytes the UART's receive buffer can take (dev 0) */
};

struct emu_input {
	int kind;
	uint32_t dev;
	uint64_t id;
	const uint8_t *data;    /* valid until the next poll() */
	uint32_t len;
};

/* A block request handed to the host. The device embeds it in its own request
 * record. work() performs the I/O (disk <-> the request's bounce buffer, never guest
 * RAM) and may run on another thread; requests of one device are performed in
 * submission order. Completion reaches the guest later as EMU_INPUT_BLOCK {dev, id}. */
struct emu_blk_req {
	uint64_t id;
	uint32_t dev;
	void (*work)(struct emu_blk_req *req);
	struct emu_blk_req *next; /* for the host's queue */
};

struct emu_host_ops {
	/* Host real time, ns since the Unix epoch (goldfish RTC). */
	uint64_t (*rtc_ns)(void *ctx);
	/* Fill buf with len random bytes (virtio-rng). */
	void (*entropy)(void *ctx, void *buf, size_t len);
	/* The icount (>= icount) at which the machine must next call poll(); UINT64_MAX
	 * if no input can arrive before the machine blocks in idle(). Serial bytes that
	 * do not fit room are not due (see Backpressure above). */
	uint64_t (*next_input)(void *ctx, uint64_t icount, const struct emu_room *room);
	/* Take one input due at icount: returns 1 and fills *in, or 0 if none. An
	 * EMU_INPUT_SERIAL input has 1 <= len <= room->serial. The machine computes room
	 * again before each call (after delivering the previous input). */
	int (*poll)(void *ctx, uint64_t icount, const struct emu_room *room, struct emu_input *in);
	/* Every hart waits for an interrupt. Wait (live: real time, paced; replay: not at
	 * all) until an input that fits room arrives or virtual time reaches deadline
	 * (an icount, UINT64_MAX = none), and return the icount at which the machine
	 * resumes, in [icount, deadline]. */
	uint64_t (*idle)(void *ctx, uint64_t icount, uint64_t deadline, const struct emu_room *room);
	/* Outputs. */
	void (*blk_submit)(void *ctx, struct emu_blk_req *req);
	void (*net_send)(void *ctx, uint32_t dev, const uint8_t *frame, size_t len);
	void (*serial_write)(void *ctx, uint32_t dev, const uint8_t *buf, size_t len);
};

struct emu_host {
	const struct emu_host_ops *ops;
	void *ctx;
};

static inline uint64_t host_rtc_ns(struct emu_host *h) { return h->ops->rtc_ns(h->ctx); }
static inline void host_entropy(struct emu_host *h, void *b, size_t n) { h->ops->entropy(h->ctx, b, n); }
static inline void host_blk_submit(struct emu_host *h, struct emu_blk_req *r) { h->ops->blk_submit(h->ctx, r); }
static inline void host_net_send(struct emu_host *h, uint32_t dev, const uint8_t *f, size_t n)
{ h->ops->net_send(h->ctx, dev, f, n); }
static inline void host_serial_write(struct emu_host *h, uint32_t dev, const uint8_t *b, size_t n)
{ h->ops->serial_write(h->ctx, dev, b, n); }
#endif
