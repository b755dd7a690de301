/* virtio_blk: virtio block device over a disk (see virtio.h for the contract).
 *
 * A request (header: type, reserved, sector; data; status byte) is checked when it
 * is taken from the queue. Requests that need the disk (IN, OUT, FLUSH) go to the
 * host as a struct blk_rec holding a bounce buffer (filled from guest RAM at
 * submission for OUT); the host runs blk_work() on its I/O thread, and the machine
 * calls virtio_blk_complete() when the host reports completion: only then is read
 * data copied into guest RAM, the status written, the used ring pushed. Requests
 * that do not need the disk (GET_ID, errors) complete at once.
 *
 * The plain-data state keeps the in-flight requests as (id, head) pairs in
 * submission order; the host-side records (bounce buffers) are parallel to it. A
 * snapshot carries the data of the writes in flight besides the state
 * (virtio_blk_writes_save): the guest may have changed its buffer since the
 * submission, and the host writes what it took then. After a state load the records
 * are rebuilt from that data and, for reads and for snapshots without it (format
 * 2), from the state and guest RAM.
 *
 * A device reset with requests in flight drains them as QEMU does, as far as the
 * guest can tell: the writes among them are applied to the disk at once (from their
 * bounce buffers, in submission order), and every one of them stays in the ring,
 * marked F_DRAINED, until the host reports it done; its completion then only
 * releases the slot. A state load resubmits drained requests as no-ops, so the
 * host's queue (the replayer's) holds what the recording's did.
 */
#include <stdlib.h>
#include <string.h>
#include "emu/virtio.h"
#include "emu/disk.h"

#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_FLUSH   (1ull << 9)

#define T_IN     0
#define T_OUT    1
#define T_FLUSH  4
#define T_GET_ID 8
#define T_NOP    0xff                   /* a drained request resubmitted after a load */
#define S_OK     0
#define S_IOERR  1
#define S_UNSUPP 2

#define BLK_ID "rrkit-virtio-blk"        /* GET_ID answer (at most 20 bytes) */
/* What a record counts against VIRTIO_BLK_MAX_INFLIGHT besides its data: so that
 * data-less requests (flushes) of reset devices cannot pile up without bound. */
#define BLK_REC_CHARGE 4096u

#define F_DRAINED 1                     /* submitted before a device reset */

struct blk_inflight {
	uint64_t id;
	uint64_t sector;
	uint32_t len;                   /* data bytes */
	uint16_t head;
	uint8_t type;
	uint8_t flags;                  /* F_DRAINED */
};

struct virtio_blk_state {
	struct virtio_mmio_state t;
	uint64_t next_id;               /* id of the next request sent to the host */
	uint32_t first, count;          /* ring of in-flight requests, oldest first */
	struct blk_inflight inflight[VIRTQ_MAX_SIZE];
};

/* A request handed to the host. hreq must stay first (blk_work casts). */
struct blk_rec {
	struct emu_blk_req hreq;
	struct disk *disk;
	uint32_t type;
	uint64_t sector;
	uint8_t *buf;
	size_t len;
	int status;                     /* set by blk_work */
	uint64_t *held;                 /* the device's count of bytes held, or NULL */
};

/* The data of a write in flight, loaded from a snapshot for blk_state_loaded. */
struct blk_saved {
	uint64_t id;
	uint32_t len;
	uint8_t *buf;
};

struct blk_priv {
	struct disk *disk;
	uint64_t capacity;              /* sectors */
	struct blk_rec *rec[VIRTQ_MAX_SIZE];  /* parallel to the in-flight ring */
	uint64_t held;                  /* bytes charged for the records above */
	struct virtq_req req;           /* scratch */
	struct blk_saved saved[VIRTQ_MAX_SIZE]; /* from virtio_blk_writes_load */
	uint32_t nsaved;
};

static const struct virtio_ops blk_ops;

static struct virtio_blk_state *BS(struct virtio_dev *d) { return d->state; }
static struct blk_priv *BP(struct virtio_dev *d) { return d->priv; }

/* Runs on the host's I/O thread: disk <-> bounce buffer only. */
static void blk_work(struct emu_blk_req *hreq)
{
	struct blk_rec *r = (struct blk_rec *)hreq;
	int rc = 0;
	switch (r->type) {
	case T_IN:
		rc = disk_read(r->disk, r->sector * 512, r->buf, r->len);
		break;
	case T_OUT:
		rc = disk_write(r->disk, r->sector * 512, r->buf, r->len);
		break;
	case T_FLUSH:
		rc = disk_flush(r->disk);
		break;
	}
	r->status = rc < 0 ? S_IOERR : S_OK;
}

static void rec_free(struct blk_rec *r)
{
	if (r) {
		if (r->held)
			*r->held -= r->len + BLK_REC_CHARGE;
		free(r->buf);
		free(r);
	}
}

/* Write the status byte (the last writable byte), push, interrupt. */
static void blk_finish(struct virtio_dev *d, const struct virtq_req *q, uint8_t status,
		       uint32_t written)
{
	virtq_write(d, q, q->in_len - 1, &status, 1);
	virtq_push(d, 0, q->head, written + 1);
	virtq_irq(d, 0);
}

/* A host record for a request of type with dlen data bytes at sector; OUT data
 * is copied from the chain q now. NULL if out of memory. */
static struct blk_rec *rec_new(struct virtio_dev *d, const struct virtq_req *q,
			       uint32_t type, uint64_t sector, uint64_t dlen)
{
	struct blk_rec *r = calloc(1, sizeof *r);
	if (!r || (dlen && !(r->buf = malloc(dlen)))) {
		free(r);
		return NULL;
	}
	r->disk = BP(d)->disk;
	r->type = type;
	r->sector = sector;
	r->len = dlen;
	r->status = S_IOERR;
	r->hreq.dev = d->index;
	r->hreq.work = blk_work;
	if (type == T_OUT)
		virtq_read(d, q, 16, r->buf, dlen);
	return r;
}

/* Check the request at q and either complete it now (returns 1), or build its host
 * record in *out (returns 0). -1: malformed (no room for header or status). */
static int blk_prepare(struct virtio_dev *d, const struct virtq_req *q, struct blk_rec **out)
{
	struct blk_priv *p = BP(d);
	struct { uint32_t type, reserved; uint64_t sector; } h;
	*out = NULL;
	if (q->out_len < sizeof h || q->in_len < 1)
		return -1;
	virtq_read(d, q, 0, &h, sizeof h);
	uint64_t dlen;
	switch (h.type) {
	case T_IN:
		dlen = q->in_len - 1;
		break;
	case T_OUT:
		dlen = q->out_len - sizeof h;
		break;
	case T_FLUSH:
		dlen = 0;
		break;
	case T_GET_ID: {
		char id[20] = BLK_ID;
		uint32_t n = q->in_len - 1 < sizeof id ? q->in_len - 1 : sizeof id;
		virtq_write(d, q, 0, id, n);
		blk_finish(d, q, S_OK, n);
		return 1;
	}
	default:
		blk_finish(d, q, S_UNSUPP, 0);
		return 1;
	}
	if (h.type == T_FLUSH)
		h.sector = 0;                   /* ignored for flushes */
	if ((dlen % 512) || dlen > VIRTIO_BLK_MAX_BYTES || h.sector > p->capacity ||
	    dlen / 512 > p->capacity - h.sector) {
		blk_finish(d, q, S_IOERR, 0);
		return 1;
	}
	struct blk_rec *r = rec_new(d, q, h.type, h.sector, dlen);
	if (!r) {
		blk_finish(d, q, S_IOERR, 0);
		return 1;
	}
	*out = r;
	return 0;
}

/* Take requests from the queue while there is room in flight. */
static void blk_notify(struct virtio_dev *d, int qi)
{
	struct virtio_blk_state *s = BS(d);
	struct blk_priv *p = BP(d);
	if (qi != 0)
		return;
	while (s->count < VIRTQ_MAX_SIZE) {
		if (virtq_pop(d, 0, &p->req) <= 0)
			return;
		struct blk_rec *r;
		int rc = blk_prepare(d, &p->req, &r);
		if (rc < 0) {
			virtio_set_needs_reset(d);
			return;
		}
		if (rc > 0)
			continue;
		if (p->held && p->held + r->len + BLK_REC_CHARGE > VIRTIO_BLK_MAX_INFLIGHT) {
			/* over the bound: the chain waits in the ring until a completion
			 * makes room (blk_notify runs again then) */
			rec_free(r);
			virtq_unpop(d, 0);
			return;
		}
		p->held += r->len + BLK_REC_CHARGE;
		r->held = &p->held;
		uint32_t slot = (s->first + s->count) % VIRTQ_MAX_SIZE;
		s->inflight[slot].id = s->next_id++;
		s->inflight[slot].head = p->req.head;
		s->inflight[slot].type = r->type;
		s->inflight[slot].sector = r->sector;
		s->inflight[slot].len = r->len;
		s->count++;
		p->rec[slot] = r;
		r->hreq.id = s->inflight[slot].id;
		host_blk_submit(d->host, &r->hreq);
	}
}

int virtio_blk_complete(struct virtio_dev *d, uint64_t id)
{
	if (!d || d->ops != &blk_ops)
		return -1;
	struct virtio_blk_state *s = BS(d);
	struct blk_priv *p = BP(d);
	uint32_t k;
	for (k = 0; k < s->count; k++)
		if (s->inflight[(s->first + k) % VIRTQ_MAX_SIZE].id == id)
			break;
	if (k == s->count)
		return -1;
	uint32_t slot = (s->first + k) % VIRTQ_MAX_SIZE;
	uint16_t head = s->inflight[slot].head;
	int drained = s->inflight[slot].flags & F_DRAINED;
	struct blk_rec *r = p->rec[slot];
	/* remove entry k, keeping submission order (k is 0 unless the host reorders) */
	for (uint32_t j = k; j > 0; j--) {
		uint32_t a = (s->first + j) % VIRTQ_MAX_SIZE, b = (s->first + j - 1) % VIRTQ_MAX_SIZE;
		s->inflight[a] = s->inflight[b];
		p->rec[a] = p->rec[b];
	}
	memset(&s->inflight[s->first], 0, sizeof s->inflight[0]);
	p->rec[s->first] = NULL;
	s->first = (s->first + 1) % VIRTQ_MAX_SIZE;
	if (--s->count == 0)
		s->first = 0;

	/* the chain is still the driver's (unless a reset drained the request):
	 * walk it again to reach its buffers */
	if (r && !drained && !(s->t.status & VIRTIO_S_NEEDS_RESET)) {
		struct virtq_req *q = &p->req;
		if (virtq_walk(d, 0, head, q) < 0 || q->in_len < 1) {
			virtio_set_needs_reset(d);
		} else {
			uint32_t written = 0;
			if (r->type == T_IN && r->status == S_OK) {
				size_t n = r->len < q->in_len - 1 ? r->len : q->in_len - 1;
				written = virtq_write(d, q, 0, r->buf, n);
			}
			blk_finish(d, q, r->status, written);
		}
	}
	rec_free(r);
	/* there may be requests that waited for room in flight */
	if (virtq_usable(d, 0))
		blk_notify(d, 0);
	return 0;
}

int virtio_blk_inflight(struct virtio_dev *d)
{
	return d && d->ops == &blk_ops ? (int)BS(d)->count : 0;
}

static size_t blk_config(struct virtio_dev *d, uint8_t *buf)
{
	uint64_t cap = BP(d)->capacity;
	uint32_t size_max = 0, seg_max = VIRTQ_MAX_SIZE - 2;
	memcpy(buf + 0, &cap, 8);
	memcpy(buf + 8, &size_max, 4);
	memcpy(buf + 12, &seg_max, 4);
	return 24;
}

/* Device reset: the requests in flight are drained (top comment): the writes
 * among them applied now, in submission order; all stay in the ring, marked, until
 * the host reports them done. */
static void blk_reset(struct virtio_dev *d)
{
	struct virtio_blk_state *s = BS(d);
	struct blk_priv *p = BP(d);
	for (uint32_t k = 0; k < s->count; k++) {
		uint32_t slot = (s->first + k) % VIRTQ_MAX_SIZE;
		struct blk_inflight *e = &s->inflight[slot];
		struct blk_rec *r = p->rec[slot];
		if (!(e->flags & F_DRAINED) && r && r->type == T_OUT)
			disk_write(r->disk, r->sector * 512, r->buf, r->len);
		e->flags |= F_DRAINED;
	}
}

static void free_records(struct blk_priv *p)
{
	for (uint32_t i = 0; i < VIRTQ_MAX_SIZE; i++) {
		rec_free(p->rec[i]);
		p->rec[i] = NULL;
	}
}

static void free_saved(struct blk_priv *p)
{
	for (uint32_t i = 0; i < p->nsaved; i++)
		free(p->saved[i].buf);
	p->nsaved = 0;
}

/* The record of a write in flight with the data the snapshot saved for it (taken
 * out of p->saved), or NULL if it saved none for id and len. */
static struct blk_rec *rec_from_saved(struct virtio_dev *d, const struct blk_inflight *e)
{
	struct blk_priv *p = BP(d);
	for (uint32_t i = 0; i < p->nsaved; i++) {
		struct blk_saved *w = &p->saved[i];
		if (w->id != e->id || w->len != e->len || !w->buf)
			continue;
		struct blk_rec *r = calloc(1, sizeof *r);
		if (!r)
			return NULL;
		r->disk = p->disk;
		r->type = T_OUT;
		r->sector = e->sector;
		r->len = e->len;
		r->buf = w->buf;
		w->buf = NULL;
		r->status = S_IOERR;
		r->hreq.dev = d->index;
		r->hreq.work = blk_work;
		return r;
	}
	return NULL;
}

/* Layout: u64 count, then count x (u64 id, u64 len, len bytes), in submission
 * order: every write in flight that a reset did not drain. */
void *virtio_blk_writes_save(struct virtio_dev *d, size_t *len)
{
	struct virtio_blk_state *s = d && d->ops == &blk_ops ? BS(d) : NULL;
	size_t total = 8;
	uint64_t count = 0;
	for (uint32_t k = 0; s && k < s->count; k++) {
		uint32_t slot = (s->first + k) % VIRTQ_MAX_SIZE;
		const struct blk_rec *r = BP(d)->rec[slot];
		if (r && r->type == T_OUT && !(s->inflight[slot].flags & F_DRAINED)) {
			total += 16 + r->len;
			count++;
		}
	}
	uint8_t *buf = malloc(total), *q = buf + 8;
	if (!buf)
		return NULL;
	memcpy(buf, &count, 8);
	for (uint32_t k = 0; s && k < s->count; k++) {
		uint32_t slot = (s->first + k) % VIRTQ_MAX_SIZE;
		const struct blk_rec *r = BP(d)->rec[slot];
		if (r && r->type == T_OUT && !(s->inflight[slot].flags & F_DRAINED)) {
			uint64_t l = r->len;
			memcpy(q, &s->inflight[slot].id, 8);
			memcpy(q + 8, &l, 8);
			memcpy(q + 16, r->buf, r->len);
			q += 16 + r->len;
		}
	}
	*len = total;
	return buf;
}

int virtio_blk_writes_load(struct virtio_dev *d, const void *data, size_t len, int check_only)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t count;
	if (len < 8)
		return -1;
	memcpy(&count, p, 8);
	p += 8;
	if (count > VIRTQ_MAX_SIZE || (count && (!d || d->ops != &blk_ops)))
		return -1;
	struct blk_priv *bp = count ? BP(d) : NULL;
	if (!check_only && bp)
		free_saved(bp);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t id, l;
		if (end - p < 16)
			return -1;
		memcpy(&id, p, 8);
		memcpy(&l, p + 8, 8);
		if (l > VIRTIO_BLK_MAX_BYTES || l % 512 || l > (uint64_t)(end - p - 16))
			return -1;
		if (!check_only) {
			struct blk_saved *w = &bp->saved[bp->nsaved++];
			w->id = id;
			w->len = (uint32_t)l;
			/* no memory: the write is rebuilt from guest RAM instead */
			if ((w->buf = l ? malloc(l) : NULL))
				memcpy(w->buf, p + 16, l);
		}
		p += 16 + l;
	}
	return p == end ? 0 : -1;
}

/* After a state load: forget every record (the host was drained), then rebuild and
 * resubmit the requests the state says are in flight, from the state (type, sector,
 * length) and, for writes, the data still in the driver's buffers; drained ones
 * as no-ops of the same size (the bound on bytes held sees what it saw). A write's
 * data comes from the snapshot (virtio_blk_writes_load) when it saved it, else from
 * guest RAM: then a guest that changed the buffer it had handed over gets the
 * changed bytes written. Overlapping requests in flight together are performed in
 * submission order, as the recording's host did. */
static void blk_state_loaded(struct virtio_dev *d)
{
	struct virtio_blk_state *s = BS(d);
	struct blk_priv *p = BP(d);
	free_records(p);
	s->first %= VIRTQ_MAX_SIZE;
	if (s->count > VIRTQ_MAX_SIZE)
		s->count = VIRTQ_MAX_SIZE;
	/* new requests take ids above every id in flight */
	for (uint32_t k = 0; k < s->count; k++) {
		uint64_t id = s->inflight[(s->first + k) % VIRTQ_MAX_SIZE].id;
		if (id >= s->next_id)
			s->next_id = id + 1;
	}
	for (uint32_t k = 0; k < s->count; k++) {
		uint32_t slot = (s->first + k) % VIRTQ_MAX_SIZE;
		struct blk_inflight *e = &s->inflight[slot];
		struct blk_rec *r = NULL;
		/* a hostile snapshot: ids must be unique (a completion finds its record
		 * by id: a duplicate would free a record the host still holds); the
		 * request must be one blk_prepare() accepts */
		e->flags &= F_DRAINED;
		int ok = e->len <= VIRTIO_BLK_MAX_BYTES && e->len % 512 == 0 &&
			 (e->type == T_IN || e->type == T_OUT || (e->type == T_FLUSH && !e->len)) &&
			 e->sector <= p->capacity && e->len / 512 <= p->capacity - e->sector;
		for (uint32_t j = 0; ok && j < k; j++)
			ok = s->inflight[(s->first + j) % VIRTQ_MAX_SIZE].id != e->id;
		if (ok && (e->flags & F_DRAINED)) {
			/* its write, if any, is in the disk already */
			if ((r = calloc(1, sizeof *r))) {
				r->disk = p->disk;
				r->type = T_NOP;
				r->len = e->len;        /* counted, not allocated */
				r->status = S_IOERR;
				r->hreq.dev = d->index;
				r->hreq.work = blk_work;
			}
		} else if (ok && e->type == T_OUT && (r = rec_from_saved(d, e))) {
			/* the data the host took at the submission */
		} else if (ok && virtq_walk(d, 0, e->head, &p->req) == 0) {
			r = rec_new(d, &p->req, e->type, e->sector, e->len);
		}
		if (r) {
			r->hreq.id = e->id;
			r->held = &p->held;
			p->held += r->len + BLK_REC_CHARGE;
			p->rec[slot] = r;
			host_blk_submit(d->host, &r->hreq);
		}
		/* else (an inconsistent snapshot or no memory): the completion
		 * finds no record and only releases the slot */
	}
	free_saved(p);
}

static void blk_free(struct virtio_dev *d)
{
	free_records(BP(d));
	free_saved(BP(d));
}

static const struct virtio_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLK,
	.nqueues = 1,
	.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_FLUSH,
	.state_len = sizeof(struct virtio_blk_state),
	.priv_len = sizeof(struct blk_priv),
	.config = blk_config,
	.notify = blk_notify,
	.reset = blk_reset,
	.state_loaded = blk_state_loaded,
	.free = blk_free,
};

struct virtio_dev *virtio_blk_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				  struct emu_host *host, uint32_t index, struct disk *disk)
{
	if (!disk)
		return NULL;
	struct virtio_dev *d = virtio_dev_new(pm, base, irq, host, index, &blk_ops);
	if (!d)
		return NULL;
	BP(d)->disk = disk;
	BP(d)->capacity = disk_size(disk) / 512;
	return d;
}
