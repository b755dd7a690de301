/* librrlog writer: encodes events into blocks, compresses each block with zstd,
 * writes it with one writev(), and finishes the log with END, the index and the
 * footer.  Memory: one raw block, one compressed block, a zstd context and the
 * index (bounded by RL_INDEX_CAP_LOG2), whatever the log's size; with
 * rrlog_writer_set_async, W_QUEUE more raw blocks.
 *
 * Async mode: blocks are compressed and written by a thread of the writer's own.
 * The caller's thread encodes events as before and queues each finished block,
 * swapping its own block buffer for a free one (other bytes, a caller's big event,
 * are copied), waiting while all W_QUEUE are taken; the thread
 * works through them in order with a shadow writer (`ow`) that owns the output
 * side while it runs: the fd's offset, the zstd context, the compressed buffer
 * and the index. Block numbers and counters are assigned when a block is queued,
 * so the log is byte for byte the synchronous writer's. The thread's first error
 * is kept under the lock and becomes the writer's sticky error at the next block
 * queued or the next drain (flush, close, leaving async mode). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>
#include "rrlog/internal.h"

struct rrlog_writer {
	int fd, own_fd;
	int err;                /* sticky: the first I/O or memory error */
	char msg[RL_ERRMSG];
	int level;
	ZSTD_CCtx *zc;
	uint8_t *ubuf, *cbuf;
	size_t ulen, ucap, ccap;
	uint32_t nev;           /* events in the current block */
	uint64_t bfirst;        /* icount of the block's first event */
	uint64_t bicount;       /* icount of the block's previous event */
	uint64_t prev_val[32];
	uint64_t icount;        /* of the last event appended */
	int any;                /* an event was appended */
	uint32_t seq;
	uint64_t off;           /* bytes written so far */
	uint64_t events;        /* excluding END */
	uint64_t raw_bytes, blocks;
	struct rl_index ix;
	/* an event whose data comes in pieces (rrlog_writer_begin_data) */
	int streaming;
	struct rrlog_event sev;  /* its record; sev.len the total */
	uint8_t *sbuf;           /* the next data block's bytes (all of them if inline) */
	size_t slen, sdone;      /* bytes in sbuf; bytes already in data blocks */
	uint32_t schunk;         /* the next data block's number */
	struct w_async *as;      /* async mode (NULL: blocks are written in the call) */
};

/* ---- async mode ---- */

#define W_QUEUE 3
#define W_JOB_CAP (RL_DATA_CHUNK > RL_EVBLOCK_MAX ? RL_DATA_CHUNK : RL_EVBLOCK_MAX)

struct w_job {
	uint8_t *raw;
	size_t n;
	uint32_t type, count, aux, seq;
	uint64_t first, last;
	int compress, level;
};

struct w_async {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work, done;   /* a job was queued; a job is finished */
	struct w_job q[W_QUEUE];
	unsigned head, count;         /* q[head] is the oldest; count queued or in work */
	uint8_t *free[W_QUEUE];
	int nfree;
	int stop, abort;
	int err;                      /* the thread's first error, and its message */
	char msg[RL_ERRMSG];
	uint64_t off;                 /* bytes written, as of the last finished job */
	rrlog_writer *ow;             /* the shadow writer the thread writes with */
};

static int w_fail(rrlog_writer *w, int code, const char *what)
{
	int e = errno;
	if (!w->err) {
		w->err = code;
		rl_fmt(w->msg, code, "%s at offset %llu: %s", what, (unsigned long long)w->off,
		       strerror(e));
	}
	return w->err;
}

/* Writes a and b (b may be empty) back to back, handling short writes. */
static int w_write2(rrlog_writer *w, const void *a, size_t na, const void *b, size_t nb)
{
	struct iovec iov[2] = { { (void *)a, na }, { (void *)b, nb } };
	int idx = 0, cnt = nb ? 2 : 1;
	size_t total = na + nb;
	while (total) {
		ssize_t k = writev(w->fd, iov + idx, cnt - idx);
		if (k < 0) {
			if (errno == EINTR) continue;
			return w_fail(w, rl_errno_code(errno), "write failed");
		}
		if (k == 0) { errno = EIO; return w_fail(w, RRLOG_EIO, "write failed"); }
		total -= k;
		w->off += k;
		while (idx < cnt && (size_t)k >= iov[idx].iov_len) { k -= iov[idx].iov_len; idx++; }
		if (idx < cnt) { iov[idx].iov_base = (char *)iov[idx].iov_base + k; iov[idx].iov_len -= k; }
	}
	return 0;
}

/* Compresses raw bytes [p, p+n) as one block of the given type and writes it.
 * count/first/last/aux go into its header.  Returns 0 or the sticky error. */
static int w_block_now(rrlog_writer *w, uint32_t type, const uint8_t *p, size_t n, uint32_t count,
                       uint64_t first, uint64_t last, uint32_t aux, int compress)
{
	struct rl_bhdr h = { .type = type, .codec = RL_CODEC_RAW, .aux = aux, .stored = n,
	                     .raw = n, .count = count, .seq = w->seq, .first = first, .last = last };
	const uint8_t *payload = p;
	if (compress) {
		size_t c = ZSTD_compressCCtx(w->zc, w->cbuf, w->ccap, p, n, w->level);
		if (!ZSTD_isError(c) && c < n) {
			h.codec = RL_CODEC_ZSTD;
			h.stored = c;
			payload = w->cbuf;
		}
	}
	h.pcrc = rl_crc32c(0, payload, h.stored);
	uint8_t hb[RL_BHDR];
	rl_bhdr_put(hb, &h);
	uint64_t at = w->off;
	if (w_write2(w, hb, RL_BHDR, payload, h.stored)) return w->err;
	w->seq++;
	w->blocks++;
	w->raw_bytes += n;
	if (type == RRLOG_BLOCK_EVENTS && rl_index_add(&w->ix, at, h.seq, first, last, count)) {
		errno = ENOMEM;
		return w_fail(w, RRLOG_ENOMEM, "index");
	}
	return 0;
}

/* The thread's error becomes the writer's (sticky); under as->mu. */
static void w_absorb(rrlog_writer *w)
{
	if (w->as->err && !w->err) {
		w->err = w->as->err;
		memcpy(w->msg, w->as->msg, sizeof w->msg);
	}
}

static void *w_worker(void *arg)
{
	struct w_async *as = arg;
	rrlog_writer *o = as->ow;
	pthread_mutex_lock(&as->mu);
	for (;;) {
		while (!as->count && !as->stop) pthread_cond_wait(&as->work, &as->mu);
		if (!as->count) break;
		struct w_job *j = &as->q[as->head];
		int skip = as->err || as->abort;
		pthread_mutex_unlock(&as->mu);
		if (!skip) {
			o->seq = j->seq;
			o->level = j->level;
			w_block_now(o, j->type, j->raw, j->n, j->count, j->first, j->last, j->aux,
			            j->compress);
		}
		pthread_mutex_lock(&as->mu);
		if (o->err && !as->err) {
			as->err = o->err;
			memcpy(as->msg, o->msg, sizeof as->msg);
		}
		as->off = o->off;
		as->free[as->nfree++] = j->raw;
		as->head = (as->head + 1) % W_QUEUE;
		as->count--;
		pthread_cond_broadcast(&as->done);
	}
	pthread_mutex_unlock(&as->mu);
	return NULL;
}

/* Queues [p, p+n) as a block, waiting while every buffer is taken: the writer's
 * own block buffers (ubuf, sbuf) are swapped for a free one, other bytes copied. */
static int w_enqueue(rrlog_writer *w, uint32_t type, const uint8_t *p, size_t n, uint32_t count,
                     uint64_t first, uint64_t last, uint32_t aux, int compress)
{
	struct w_async *as = w->as;
	if (n > W_JOB_CAP) return rl_fmt(w->msg, w->err = RRLOG_EINVAL, "block of %zu bytes", n);
	pthread_mutex_lock(&as->mu);
	while (as->count == W_QUEUE && !as->err) pthread_cond_wait(&as->done, &as->mu);
	w_absorb(w);
	if (w->err) {
		pthread_mutex_unlock(&as->mu);
		return w->err;
	}
	uint8_t *buf = as->free[--as->nfree];
	pthread_mutex_unlock(&as->mu);
	if (p == w->ubuf) {
		w->ubuf = buf;
		buf = (uint8_t *)p;
	} else if (p == w->sbuf) {
		w->sbuf = buf;
		buf = (uint8_t *)p;
	} else {
		memcpy(buf, p, n);
	}
	struct w_job j = { .raw = buf, .n = n, .type = type, .count = count, .aux = aux,
	                   .seq = w->seq, .first = first, .last = last, .compress = compress,
	                   .level = w->level };
	pthread_mutex_lock(&as->mu);
	as->q[(as->head + as->count) % W_QUEUE] = j;
	as->count++;
	pthread_cond_signal(&as->work);
	pthread_mutex_unlock(&as->mu);
	w->seq++;
	w->blocks++;
	w->raw_bytes += n;
	return 0;
}

/* Waits until every queued block is written; returns the sticky error. */
static int w_drain(rrlog_writer *w)
{
	struct w_async *as = w->as;
	pthread_mutex_lock(&as->mu);
	while (as->count) pthread_cond_wait(&as->done, &as->mu);
	w_absorb(w);
	pthread_mutex_unlock(&as->mu);
	return w->err;
}

/* Ends async mode: drains (drops the queue instead if abort), joins the thread
 * and takes the output side back from the shadow writer. */
static void w_async_stop(rrlog_writer *w, int abort)
{
	struct w_async *as = w->as;
	if (!as) return;
	pthread_mutex_lock(&as->mu);
	as->abort = abort;
	as->stop = 1;
	pthread_cond_signal(&as->work);
	pthread_mutex_unlock(&as->mu);
	pthread_join(as->th, NULL);
	w_absorb(w);
	rrlog_writer *o = as->ow;
	w->off = o->off;
	w->zc = o->zc;
	w->cbuf = o->cbuf;
	w->ix = o->ix;
	for (int i = 0; i < as->nfree; i++) free(as->free[i]);
	pthread_mutex_destroy(&as->mu);
	pthread_cond_destroy(&as->work);
	pthread_cond_destroy(&as->done);
	free(o);
	free(as);
	w->as = NULL;
}

int rrlog_writer_set_async(rrlog_writer *w, int on)
{
	if (!w) return RRLOG_EINVAL;
	if (w->err) return w->err;
	if (!on) {
		w_async_stop(w, 0); /* the thread writes what is queued before it ends */
		return w->err;
	}
	if (w->as) return 0;
	struct w_async *as = calloc(1, sizeof *as);
	rrlog_writer *o = calloc(1, sizeof *o);
	int ok = as && o;
	/* every buffer that can be queued is W_JOB_CAP long, so any may be swapped in */
	uint8_t *nu = ok ? realloc(w->ubuf, W_JOB_CAP) : NULL;
	if (nu) w->ubuf = nu;
	else ok = 0;
	for (int i = 0; ok && i < W_QUEUE; i++) ok = (as->free[as->nfree++] = malloc(W_JOB_CAP)) != NULL;
	if (ok && pthread_mutex_init(&as->mu, NULL)) ok = 0;
	else if (ok && pthread_cond_init(&as->work, NULL)) { pthread_mutex_destroy(&as->mu); ok = 0; }
	else if (ok && pthread_cond_init(&as->done, NULL)) {
		pthread_cond_destroy(&as->work);
		pthread_mutex_destroy(&as->mu);
		ok = 0;
	}
	if (ok) {
		o->fd = w->fd;
		o->off = as->off = w->off;
		o->zc = w->zc;
		o->cbuf = w->cbuf;
		o->ccap = w->ccap;
		o->ix = w->ix;
		as->ow = o;
		if (pthread_create(&as->th, NULL, w_worker, as)) {
			pthread_cond_destroy(&as->done);
			pthread_cond_destroy(&as->work);
			pthread_mutex_destroy(&as->mu);
			ok = 0;
		}
	}
	if (!ok) {
		for (int i = 0; as && i < as->nfree; i++) free(as->free[i]);
		free(as);
		free(o);
		return rl_fmt(w->msg, RRLOG_ENOMEM, "cannot start the writer's thread (the writer stays synchronous)");
	}
	w->zc = NULL;
	w->cbuf = NULL;
	memset(&w->ix, 0, sizeof w->ix);
	w->as = as;
	return 0;
}

static int w_block(rrlog_writer *w, uint32_t type, const uint8_t *p, size_t n, uint32_t count,
                   uint64_t first, uint64_t last, uint32_t aux, int compress)
{
	if (w->as) return w_enqueue(w, type, p, n, count, first, last, aux, compress);
	return w_block_now(w, type, p, n, count, first, last, aux, compress);
}

/* Ends the current events block, if any; aux marks the block holding END. */
static int w_end_block_aux(rrlog_writer *w, uint32_t aux)
{
	if (w->err) return w->err;
	if (!w->ulen) return 0;
	int rc = w_block(w, RRLOG_BLOCK_EVENTS, w->ubuf, w->ulen, w->nev, w->bfirst, w->bicount,
	                 aux, 1);
	w->ulen = 0;
	w->nev = 0;
	return rc;
}
static int w_end_block(rrlog_writer *w) { return w_end_block_aux(w, 0); }

/* Appends the header body for hdr to a fresh buffer; returns its length or 0. */
static size_t w_str_len(const char *s) { size_t n = s ? strlen(s) : 0; return rl_vlen(n) + n; }
static uint8_t *w_put_str(uint8_t *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	p += rl_putv(p, n);
	if (n) memcpy(p, s, n);
	return p + n;
}

static int w_header(rrlog_writer *w, const struct rrlog_header_info *h)
{
	static const struct rrlog_header_info empty;
	if (!h) h = &empty;
	size_t n = w_str_len(h->tool) + w_str_len(h->config) + rl_vlen(h->nimages) + rl_vlen(h->nkv);
	for (size_t i = 0; i < h->nimages; i++)
		n += w_str_len(h->images[i].role) + w_str_len(h->images[i].path) +
		     rl_vlen(h->images[i].size) + 32;
	for (size_t i = 0; i < h->nkv; i++) n += w_str_len(h->kv[i].key) + w_str_len(h->kv[i].value);
	if (n > RL_HDR_MAX)
		return rl_fmt(w->msg, w->err = RRLOG_EINVAL, "header too large (%zu bytes; limit %u)", n,
		              RL_HDR_MAX);
	uint8_t *buf = malloc(RL_FHDR_FIXED + n + 4);
	if (!buf) return rl_fmt(w->msg, w->err = RRLOG_ENOMEM, "out of memory for the header");
	memcpy(buf, RL_MAGIC, RL_MAGIC_LEN);
	rl_put32(buf + 8, RRLOG_FORMAT_VERSION);
	rl_put32(buf + 12, n);
	uint8_t *p = buf + RL_FHDR_FIXED;
	p = w_put_str(p, h->tool);
	p = w_put_str(p, h->config);
	p += rl_putv(p, h->nimages);
	for (size_t i = 0; i < h->nimages; i++) {
		p = w_put_str(p, h->images[i].role);
		p = w_put_str(p, h->images[i].path);
		p += rl_putv(p, h->images[i].size);
		memcpy(p, h->images[i].sha256, 32);
		p += 32;
	}
	p += rl_putv(p, h->nkv);
	for (size_t i = 0; i < h->nkv; i++) {
		p = w_put_str(p, h->kv[i].key);
		p = w_put_str(p, h->kv[i].value);
	}
	rl_put32(p, rl_crc32c(0, buf + 8, 8 + n));
	int rc = w_write2(w, buf, RL_FHDR_FIXED + n + 4, NULL, 0);
	free(buf);
	return rc;
}

int rrlog_writer_open_fd(int fd, const struct rrlog_header_info *hdr, rrlog_writer **out)
{
	rrlog_writer *w = calloc(1, sizeof *w);
	*out = w;
	if (!w) return RRLOG_ENOMEM;
	w->fd = fd;
	w->level = 1;
	rl_index_init(&w->ix, RL_INDEX_CAP_LOG2);
	if (fd < 0) return rl_fmt(w->msg, w->err = RRLOG_EINVAL, "bad file descriptor");
	if (isatty(fd))
		return rl_fmt(w->msg, w->err = RRLOG_ETTY,
		              "refusing to write a binary log to a terminal");
	w->ucap = RL_EVBLOCK_MAX;
	w->ccap = ZSTD_compressBound(RL_DATA_CHUNK > RL_EVBLOCK_MAX ? RL_DATA_CHUNK : RL_EVBLOCK_MAX);
	w->ubuf = malloc(w->ucap);
	w->cbuf = malloc(w->ccap);
	w->zc = ZSTD_createCCtx();
	if (!w->ubuf || !w->cbuf || !w->zc)
		return rl_fmt(w->msg, w->err = RRLOG_ENOMEM, "out of memory");
	return w_header(w, hdr);
}

int rrlog_writer_open(const char *path, const struct rrlog_header_info *hdr, rrlog_writer **out)
{
	int fd, own = 0;
	if (!path) path = "-";
	if (!strcmp(path, "-")) {
		fd = 1;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			int e = errno;
			rrlog_writer *w = calloc(1, sizeof *w);
			*out = w;
			if (!w) return RRLOG_ENOMEM;
			w->fd = -1;
			rl_index_init(&w->ix, RL_INDEX_CAP_LOG2);
			w->err = rl_errno_code(e);
			return rl_fmt(w->msg, w->err, "cannot create %s: %s", path, strerror(e));
		}
		own = 1;
	}
	int rc = rrlog_writer_open_fd(fd, hdr, out);
	if (*out) (*out)->own_fd = own;
	else if (own) close(fd);
	return rc;
}

int rrlog_writer_set_level(rrlog_writer *w, int level)
{
	if (!w || level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) return RRLOG_EINVAL;
	w->level = level;
	return 0;
}

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Encodes ev (kind may be END) into the current block; ext = its data goes to data
 * blocks.  The caller has made room. */
static inline __attribute__((always_inline)) void w_encode(rrlog_writer *w, const struct rrlog_event *ev, int ext)
{
	uint8_t *p = w->ubuf + w->ulen, *p0 = p;
	if (!w->nev) {
		w->bfirst = w->bicount = ev->icount;
		memset(w->prev_val, 0, sizeof w->prev_val);
	}
	uint64_t delta = ev->icount - w->bicount;
	if (ev->kind == RRLOG_INSN && !ev->sub && !ev->value && !ev->len) {
		if (delta < 64) {
			*p++ = RL_TAG_INSN | (uint8_t)delta;
		} else {
			*p++ = RL_TAG_INSN | RL_TAG_INSN_MORE | (uint8_t)(delta & 0x3f);
			p += rl_putv(p, delta >> 6);
		}
	} else {
		uint8_t *tag = p++;
		*tag = (uint8_t)ev->kind;
		if (delta) { *tag |= RL_TAG_DELTA; p += rl_putv(p, delta); }
		uint8_t f = 0;
		uint64_t v = ev->value, prev = w->prev_val[ev->kind];
		if (ev->sub) f |= RL_F_SUB;
		size_t vl = 0, dl = 0;
		if (v) {
			vl = rl_vlen(v);
			dl = rl_vlen(rl_zz((int64_t)(v - prev)));
			if (dl < vl && dl < 8) f |= RL_F_VDELTA;
			else if (vl > 8) f |= RL_F_VFIXED;
			else f |= RL_F_VALUE;
		}
		if (ev->len) f |= ext ? RL_F_EXT : RL_F_DATA;
		if (f) {
			*tag |= RL_TAG_FIELDS;
			*p++ = f;
			if (f & RL_F_SUB) p += rl_putv(p, ev->sub);
			if (f & RL_F_VALUE) p += rl_putv(p, v);
			else if (f & RL_F_VDELTA) p += rl_putv(p, rl_zz((int64_t)(v - prev)));
			else if (f & RL_F_VFIXED) { rl_put64(p, v); p += 8; }
			if (ev->len) {
				p += rl_putv(p, ev->len);
				if (!ext) { memcpy(p, ev->data, ev->len); p += ev->len; }
			}
		}
	}
	w->prev_val[ev->kind] = ev->value;
	w->bicount = ev->icount;
	w->icount = ev->icount;
	w->ulen += p - p0;
	w->nev++;
}

/* The record of an event whose bytes go to data blocks (ext), or of a SNAPSHOT,
 * which gets an events block of its own, marked in its header (format 2), with its
 * bytes inline or in the data blocks after it. Ends the block the record is in. */
static int w_big_record(rrlog_writer *w, const struct rrlog_event *ev, int ext)
{
	if (ev->kind == RRLOG_SNAPSHOT) {
		if (w_end_block(w)) return w->err;
	} else if (w->ulen + RL_REC_MAX > w->ucap && w_end_block(w)) {
		return w->err;
	}
	w_encode(w, ev, ext);
	w->any = 1;
	w->events++;
	uint32_t aux = ev->kind != RRLOG_SNAPSHOT ? 0
		: RL_AUX_SNAPSHOT | (ev->sub == RRLOG_SNAP_FULL ? RL_AUX_SNAP_FULL : 0);
	return w_end_block_aux(w, aux);
}

/* Data blocks for [p, p+n) of ev's bytes, numbered from *chunk: RL_DATA_CHUNK each,
 * the last one shorter. */
static int w_data_blocks(rrlog_writer *w, const struct rrlog_event *ev, const uint8_t *p, size_t n,
                         uint32_t *chunk)
{
	for (size_t done = 0; done < n; (*chunk)++) {
		size_t k = n - done < RL_DATA_CHUNK ? n - done : RL_DATA_CHUNK;
		if (w_block(w, RRLOG_BLOCK_DATA, p + done, k, *chunk, ev->icount, ev->icount, 0, 1))
			return w->err;
		done += k;
	}
	return 0;
}

/* Everything rrlog_writer_append checks before it takes an event. */
static int w_check(rrlog_writer *w, const struct rrlog_event *ev, int need_data)
{
	if (UNLIKELY(!w || !ev)) return RRLOG_EINVAL;
	if (UNLIKELY(w->err)) return w->err;
	if (UNLIKELY(w->streaming))
		return rl_fmt(w->msg, RRLOG_EINVAL, "an event's data is still being written");
	if (UNLIKELY((unsigned)ev->kind >= RRLOG_KIND_COUNT || ev->kind == RRLOG_END))
		return rl_fmt(w->msg, RRLOG_EINVAL, "event kind %d cannot be appended", (int)ev->kind);
	if (UNLIKELY(need_data && ev->len && !ev->data))
		return rl_fmt(w->msg, RRLOG_EINVAL, "event has len %zu but no data", ev->len);
	if (UNLIKELY(ev->icount < w->icount && w->any))
		return rl_fmt(w->msg, RRLOG_EORDER,
		              "%s event at icount %llu is below the previous event's icount %llu",
		              rrlog_kind_name(ev->kind), (unsigned long long)ev->icount,
		              (unsigned long long)w->icount);
	return 0;
}

int rrlog_writer_append(rrlog_writer *w, const struct rrlog_event *ev)
{
	int rc = w_check(w, ev, 1);
	if (UNLIKELY(rc)) return rc;
	if (LIKELY(ev->len <= RL_INLINE_MAX && ev->kind != RRLOG_SNAPSHOT)) {
		if (UNLIKELY(w->ulen + RL_REC_MAX + ev->len > w->ucap) && w_end_block(w)) return w->err;
		w_encode(w, ev, 0);
		w->any = 1;
		w->events++;
		return UNLIKELY(w->ulen >= RL_BLOCK_TARGET) ? w_end_block(w) : 0;
	}
	/* A big event or a snapshot: its record ends the block; big bytes follow in
	 * data blocks. */
	int ext = ev->len > RL_INLINE_MAX;
	uint32_t chunk = 0;
	if (w_big_record(w, ev, ext)) return w->err;
	return ext ? w_data_blocks(w, ev, ev->data, ev->len, &chunk) : 0;
}

int rrlog_writer_begin_data(rrlog_writer *w, const struct rrlog_event *ev)
{
	int rc = w_check(w, ev, 0);
	if (UNLIKELY(rc)) return rc;
	if (!w->sbuf && !(w->sbuf = malloc(W_JOB_CAP))) {
		errno = ENOMEM;
		return w_fail(w, RRLOG_ENOMEM, "data buffer");
	}
	w->sev = *ev;
	w->sev.data = NULL;
	w->slen = w->sdone = 0;
	w->schunk = 0;
	w->streaming = 1;
	/* bytes for data blocks: the record now; inline bytes wait for the record */
	if (ev->len > RL_INLINE_MAX && w_big_record(w, &w->sev, 1)) return w->err;
	return 0;
}

int rrlog_writer_write_data(rrlog_writer *w, const void *p, size_t n)
{
	if (!w || (n && !p)) return RRLOG_EINVAL;
	if (w->err) return w->err;
	if (!w->streaming) return rl_fmt(w->msg, RRLOG_EINVAL, "no event's data is being written");
	const uint8_t *b = p;
	if (n > w->sev.len - w->sdone - w->slen)
		return rl_fmt(w->msg, w->err = RRLOG_EINVAL, "%s event: more data than its len %zu",
		              rrlog_kind_name(w->sev.kind), w->sev.len);
	while (n) {
		size_t k = RL_DATA_CHUNK - w->slen < n ? RL_DATA_CHUNK - w->slen : n;
		memcpy(w->sbuf + w->slen, b, k);
		w->slen += k;
		b += k;
		n -= k;
		if (w->slen == RL_DATA_CHUNK && w->sev.len > RL_INLINE_MAX) {
			if (w_data_blocks(w, &w->sev, w->sbuf, w->slen, &w->schunk)) return w->err;
			w->sdone += w->slen;
			w->slen = 0;
		}
	}
	return 0;
}

int rrlog_writer_end_data(rrlog_writer *w)
{
	if (!w) return RRLOG_EINVAL;
	if (w->err) return w->err;
	if (!w->streaming) return rl_fmt(w->msg, RRLOG_EINVAL, "no event's data is being written");
	w->streaming = 0;
	if (w->sdone + w->slen != w->sev.len)
		return rl_fmt(w->msg, w->err = RRLOG_EINVAL, "%s event: %zu bytes of data for its len %zu",
		              rrlog_kind_name(w->sev.kind), w->sdone + w->slen, w->sev.len);
	if (w->sev.len > RL_INLINE_MAX)
		return w_data_blocks(w, &w->sev, w->sbuf, w->slen, &w->schunk);
	w->sev.data = w->sbuf;
	return rrlog_writer_append(w, &w->sev);
}

int rrlog_writer_flush(rrlog_writer *w)
{
	if (!w) return RRLOG_EINVAL;
	if (w->streaming && !w->err)
		return rl_fmt(w->msg, RRLOG_EINVAL, "an event's data is still being written");
	if (w_end_block(w)) return w->err;
	return w->as ? w_drain(w) : 0;
}

/* Writes END, the last block, the index block and the footer. */
static int w_finish(rrlog_writer *w)
{
	struct rrlog_event end = { .kind = RRLOG_END, .icount = w->icount };
	if (w->err) return w->err;
	if (w->ulen + RL_REC_MAX > w->ucap && w_end_block(w)) return w->err;
	w_encode(w, &end, 0);
	if (w_end_block_aux(w, RL_AUX_END)) return w->err;
	uint64_t ix_off = w->off;
	size_t n = w->ix.n;
	uint8_t *buf = malloc(n * RL_IENT + 1);
	if (!buf) { errno = ENOMEM; return w_fail(w, RRLOG_ENOMEM, "index"); }
	for (size_t i = 0; i < n; i++) rl_ient_put(buf + i * RL_IENT, &w->ix.e[i]);
	int rc = w_block(w, RRLOG_BLOCK_INDEX, buf, n * RL_IENT, n, n ? w->ix.e[0].first : 0,
	                 w->icount, w->ix.cap_log2, 0);
	free(buf);
	if (rc) return rc;
	uint8_t f[RL_FOOT];
	memcpy(f, RL_FOOT_MAGIC, 8);
	rl_put64(f + 8, ix_off);
	rl_put64(f + 16, w->events + 1);
	rl_put32(f + 24, n);
	rl_put32(f + 28, rl_crc32c(0, f, 28));
	return w_write2(w, f, RL_FOOT, NULL, 0);
}

static void w_free(rrlog_writer *w)
{
	ZSTD_freeCCtx(w->zc);
	free(w->ubuf);
	free(w->cbuf);
	free(w->sbuf);
	rl_index_free(&w->ix);
	free(w);
}

int rrlog_writer_close(rrlog_writer *w)
{
	if (!w) return 0;
	if (w->streaming && !w->err)
		rl_fmt(w->msg, w->err = RRLOG_EINVAL, "closed while an event's data was being written");
	w_async_stop(w, 0); /* END and the index are written here, as without it */
	int rc = w->err ? w->err : w_finish(w);
	if (w->own_fd && w->fd >= 0 && close(w->fd) && !rc)
		rc = rl_errno_code(errno);
	w_free(w);
	return rc;
}

void rrlog_writer_abort(rrlog_writer *w)
{
	if (!w) return;
	w_async_stop(w, 1);
	if (w->own_fd && w->fd >= 0) close(w->fd);
	w_free(w);
}

const char *rrlog_writer_errmsg(const rrlog_writer *w)
{
	return w ? w->msg : "out of memory";
}

void rrlog_writer_stats(const rrlog_writer *w, struct rrlog_writer_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!w) return;
	st->events = w->events;
	st->blocks = w->blocks;
	st->raw_bytes = w->raw_bytes + w->ulen;
	st->bytes_written = w->off;
	if (w->as) {
		pthread_mutex_lock(&w->as->mu);
		st->bytes_written = w->as->off;
		pthread_mutex_unlock(&w->as->mu);
	}
	st->last_icount = w->icount;
}
