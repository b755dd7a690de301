/* QEMU replay logs (qemu-system-* -icount rr=record,rrfile=F), as QEMU 7.2 writes
 * them: a 12-byte header (big-endian u32 version 0x00e0200c, 8 reserved bytes), then
 * events: an id byte and a big-endian payload, through END.  Only instruction deltas
 * are stored; the absolute icount is their running sum.  Ids follow QEMU 7.2's
 * numbering (see /work/shared notes and man/rrlog.5).  QEMU 7.1 logs carry the same
 * version number with other ids, so a regular file is decoded once at open and
 * refused unless it decodes cleanly through END. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "rrlog/internal.h"

#define QEMU_VERSION_72   0x00e0200cu
#define Q_HDR             12
#define Q_BUF             65536
#define Q_ARRAY_MAX       (256u << 20)  /* sanity limit on one array from a pipe */

enum {  /* QEMU 7.2 event ids */
	Q_INSTRUCTION = 0, Q_INTERRUPT, Q_EXCEPTION, Q_ASYNC, /* 3..9: async kinds 0..6 */
	Q_SHUTDOWN = 10,      /* 10..20: + cause; 21 unused */
	Q_CHAR_WRITE = 22, Q_CHAR_READ_ALL, Q_CHAR_READ_ALL_ERROR, Q_AUDIO_OUT, Q_AUDIO_IN,
	Q_RANDOM, Q_CLOCK_HOST, Q_CLOCK_VRT,
	Q_CHECKPOINT = 30,    /* 30..38: + kind */
	Q_END = 39,
};

struct rl_qemu {
	uint8_t *buf;          /* bytes [off, len) are file bytes from base + off */
	size_t len, off;
	uint64_t base;
	int eof;
	uint8_t *dbuf;         /* event data */
	size_t dcap;
	uint64_t icount;
};

#define ULL(x) ((unsigned long long)(x))

/* Makes n bytes available at q->buf + q->off (n <= Q_BUF).  Returns 1, 0 if the file
 * ends first, or an error. */
static int q_need(rrlog_reader *r, size_t n)
{
	struct rl_qemu *q = r->q;
	if (q->len - q->off >= n) return 1;
	if (q->eof) return 0;
	memmove(q->buf, q->buf + q->off, q->len - q->off);
	q->base += q->off;
	q->len -= q->off;
	q->off = 0;
	while (q->len < n && !q->eof) {
		long k = r->seekable ? rl_pread_full(r->fd, q->buf + q->len, Q_BUF - q->len, r->pos)
		                     : read(r->fd, q->buf + q->len, Q_BUF - q->len);
		if (k < 0 && errno == EINTR) continue;
		if (k < 0) {
			int e = errno;
			return rl_reader_err(r, rl_errno_code(e), r->pos, "read failed at offset %llu: %s",
			             ULL(r->pos), strerror(e));
		}
		if (k == 0) q->eof = 1;
		q->len += k;
		r->pos += k;
		r->st.bytes_read += k;
	}
	return q->len - q->off >= n;
}

/* Grows q->dbuf to n bytes. */
static int q_dgrow(rrlog_reader *r, size_t n, uint64_t at)
{
	struct rl_qemu *q = r->q;
	if (n <= q->dcap) return 0;
	size_t c = q->dcap ? q->dcap : 256;
	while (c < n) c *= 2;
	uint8_t *p = realloc(q->dbuf, c);
	if (!p) return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
	q->dbuf = p;
	q->dcap = c;
	return 0;
}

/* Copies an array of n bytes into q->dbuf + doff (it may exceed the window). */
static int q_array(rrlog_reader *r, uint64_t n, uint64_t at, size_t doff)
{
	struct rl_qemu *q = r->q;
	if (n > Q_ARRAY_MAX || (r->seekable && n > r->file_size))
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "event at offset %llu: array of %llu bytes is "
		             "implausible", ULL(at), ULL(n));
	if (q_dgrow(r, doff + n, at)) return r->err;
	for (uint64_t got = 0; got < n;) {
		int rc = q_need(r, 1);
		if (rc < 0) return rc;
		if (!rc) return rl_reader_err(r, RRLOG_ETRUNCATED, at, "event at offset %llu truncated",
		                      ULL(at));
		size_t have = q->len - q->off < n - got ? q->len - q->off : n - got;
		memcpy(q->dbuf + doff + got, q->buf + q->off, have);
		q->off += have;
		got += have;
	}
	return 0;
}

/* Fixed-size fields: takes n bytes (big-endian integer) from the window. */
static uint64_t q_take(struct rl_qemu *q, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++) v = v << 8 | q->buf[q->off++];
	return v;
}

/* Decodes one event; returns 1, 0 at a clean end of file (no event), or an error. */
static int q_event(rrlog_reader *r, struct rrlog_event *ev)
{
	struct rl_qemu *q = r->q;
	int rc = q_need(r, 1);
	uint64_t at = q->base + q->off;
	if (rc <= 0) return rc;
	uint8_t id = q->buf[q->off];
	memset(ev, 0, sizeof *ev);
	/* Fixed part of the payload, by id. */
	int fixed;
	if (id == Q_INSTRUCTION) fixed = 4;
	else if (id == Q_ASYNC + 0 || id == Q_ASYNC + 1 || id == Q_ASYNC + 5) fixed = 8;
	else if (id == Q_ASYNC + 2) fixed = 4;
	else if (id == Q_ASYNC + 4) fixed = 1 + 4;
	else if (id == Q_ASYNC + 6) fixed = 1 + 4 + 4;
	else if (id == Q_CHAR_WRITE) fixed = 8;
	else if (id == Q_CHAR_READ_ALL || id == Q_CHAR_READ_ALL_ERROR) fixed = 4;
	else if (id == Q_AUDIO_OUT || id == Q_CLOCK_HOST || id == Q_CLOCK_VRT) fixed = 8;
	else if (id == Q_AUDIO_IN) fixed = 16;
	else if (id == Q_RANDOM) fixed = 8;
	else if (id == 21 || id > Q_END)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "unknown QEMU event id %u at offset %llu (not a "
		             "QEMU 7.2 log?)", id, ULL(at));
	else fixed = 0;
	if ((rc = q_need(r, 1 + fixed)) < 0) return rc;
	if (!rc) return rl_reader_err(r, RRLOG_ETRUNCATED, at, "event at offset %llu truncated", ULL(at));
	q->off++;
	ev->icount = q->icount;
	switch (id) {
	case Q_INSTRUCTION:
		ev->kind = RRLOG_INSN;
		ev->value = q_take(q, 4);
		if (q->icount + ev->value < q->icount)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "icount overflows at offset %llu", ULL(at));
		q->icount += ev->value;
		ev->icount = q->icount;
		break;
	case Q_INTERRUPT: ev->kind = RRLOG_INTERRUPT; break;
	case Q_EXCEPTION: ev->kind = RRLOG_EXCEPTION; break;
	case Q_ASYNC + 0: ev->kind = RRLOG_ASYNC_BH; ev->value = q_take(q, 8); break;
	case Q_ASYNC + 1: ev->kind = RRLOG_ASYNC_BH_ONESHOT; ev->value = q_take(q, 8); break;
	case Q_ASYNC + 2: { /* input: kind, then per kind */
		ev->kind = RRLOG_ASYNC_INPUT;
		ev->sub = q_take(q, 4);
		int n;
		if (ev->sub == 0) { /* KEY: key kind, number u64 | qcode u32, down u8 */
			if ((rc = q_need(r, 4)) < 0) return rc;
			if (!rc) return rl_reader_err(r, RRLOG_ETRUNCATED, at, "event at offset %llu truncated", ULL(at));
			uint32_t kk = rl_getbe32(q->buf + q->off);
			if (kk > 1)
				return rl_reader_err(r, RRLOG_EUNSUPPORTED, at, "input event at offset %llu: unknown "
				             "key kind %u", ULL(at), kk);
			n = 4 + (kk == 0 ? 8 : 4) + 1;
		} else if (ev->sub == 1) { /* BTN: button u32, down u8 */
			n = 5;
		} else if (ev->sub == 2 || ev->sub == 3) { /* REL/ABS: axis u32, value u64 */
			n = 12;
		} else {
			return rl_reader_err(r, RRLOG_EUNSUPPORTED, at, "input event at offset %llu: unknown "
			             "input kind %u", ULL(at), ev->sub);
		}
		if ((rc = q_need(r, n)) < 0) return rc;
		if (!rc) return rl_reader_err(r, RRLOG_ETRUNCATED, at, "event at offset %llu truncated", ULL(at));
		if (q_dgrow(r, n, at)) return r->err;
		memcpy(q->dbuf, q->buf + q->off, n);
		q->off += n;
		ev->data = q->dbuf;
		ev->len = n;
		if (ev->sub == 0) ev->value = n == 17 ? rl_getbe64(q->dbuf + 4) : rl_getbe32(q->dbuf + 4);
		else if (ev->sub == 1) ev->value = rl_getbe32(q->dbuf);
		else ev->value = rl_getbe64(q->dbuf + 4);
		break;
	}
	case Q_ASYNC + 3: ev->kind = RRLOG_ASYNC_INPUT_SYNC; break;
	case Q_ASYNC + 4: {
		ev->kind = RRLOG_CHAR_READ;
		ev->sub = q_take(q, 1);
		uint64_t n = q_take(q, 4);
		if ((rc = q_array(r, n, at, 0))) return rc;
		ev->data = q->dbuf;
		ev->len = n;
		break;
	}
	case Q_ASYNC + 5: ev->kind = RRLOG_BLOCK; ev->value = q_take(q, 8); break;
	case Q_ASYNC + 6: {
		ev->kind = RRLOG_NET;
		ev->sub = q_take(q, 1);
		ev->value = q_take(q, 4);
		uint64_t n = q_take(q, 4);
		if ((rc = q_array(r, n, at, 0))) return rc;
		ev->data = q->dbuf;
		ev->len = n;
		break;
	}
	case Q_CHAR_WRITE: ev->kind = RRLOG_CHAR_WRITE; ev->sub = q_take(q, 4); ev->value = q_take(q, 4); break;
	case Q_CHAR_READ_ALL: {
		ev->kind = RRLOG_CHAR_READ_ALL;
		uint64_t n = q_take(q, 4);
		if ((rc = q_array(r, n, at, 0))) return rc;
		ev->data = q->dbuf;
		ev->len = n;
		break;
	}
	case Q_CHAR_READ_ALL_ERROR: ev->kind = RRLOG_CHAR_READ_ALL_ERROR; ev->sub = q_take(q, 4); break;
	case Q_AUDIO_OUT: ev->kind = RRLOG_AUDIO_OUT; ev->value = q_take(q, 8); break;
	case Q_AUDIO_IN: {
		ev->kind = RRLOG_AUDIO_IN;
		ev->value = q_take(q, 8);
		uint64_t wpos = q_take(q, 8);
		if (ev->value > Q_ARRAY_MAX / 16)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "audio event at offset %llu: %llu samples is "
			             "implausible", ULL(at), ULL(ev->value));
		/* data = write position (8 bytes BE) then the sample pairs, as in QEMU */
		if ((rc = q_array(r, 16 * ev->value, at, 8))) return rc;
		for (int i = 0; i < 8; i++) q->dbuf[i] = wpos >> (56 - 8 * i);
		ev->data = q->dbuf;
		ev->len = 8 + 16 * ev->value;
		break;
	}
	case Q_RANDOM: {
		ev->kind = RRLOG_RANDOM;
		ev->sub = q_take(q, 4);
		uint64_t n = q_take(q, 4);
		if ((rc = q_array(r, n, at, 0))) return rc;
		ev->data = q->dbuf;
		ev->len = n;
		break;
	}
	case Q_CLOCK_HOST: ev->kind = RRLOG_CLOCK_HOST; ev->value = q_take(q, 8); break;
	case Q_CLOCK_VRT: ev->kind = RRLOG_CLOCK_VRT; ev->value = q_take(q, 8); break;
	case Q_END: ev->kind = RRLOG_END; break;
	default:
		if (id >= Q_SHUTDOWN && id <= Q_SHUTDOWN + 10) {
			ev->kind = RRLOG_SHUTDOWN;
			ev->sub = id - Q_SHUTDOWN;
		} else { /* Q_CHECKPOINT .. +8 */
			ev->kind = RRLOG_CHECKPOINT;
			ev->sub = id - Q_CHECKPOINT;
		}
	}
	if (ev->len == 0) ev->data = NULL;
	r->ev_size = (q->base + q->off) - at;
	return 1;
}

/* Resets decoding to the first event. */
static void q_rewind(rrlog_reader *r)
{
	struct rl_qemu *q = r->q;
	q->len = q->off = 0;
	q->base = Q_HDR;
	q->eof = 0;
	q->icount = 0;
	r->pos = Q_HDR;
	r->at_end = 0;
	r->err = 0;
	r->msg[0] = 0;
	r->pend = 0;
	r->ret_any = 0;
	r->events_seen = 0;
}

int rl_qemu_open(rrlog_reader *r, const uint8_t *pre, size_t plen)
{
	uint32_t version = rl_getbe32(pre);
	r->hi.source = RRLOG_SOURCE_QEMU;
	r->hi.version = version;
	r->hi.tool = "QEMU 7.2";
	r->hi.config = "";
	if (version == 0)
		return rl_reader_err(r, RRLOG_EUNSUPPORTED, 0, "QEMU replay log without a version number: the "
		             "recording did not end cleanly, so its event numbering cannot be checked");
	if (version != QEMU_VERSION_72)
		return rl_reader_err(r, RRLOG_EVERSION, 0, "QEMU replay log version 0x%x; this reader knows "
		             "0x%x (QEMU 7.2)", version, QEMU_VERSION_72);
	if (plen < Q_HDR)
		return rl_reader_err(r, RRLOG_ETRUNCATED, plen, "QEMU replay log header truncated (%zu of %d "
		             "bytes)", plen, Q_HDR);
	struct rl_qemu *q = calloc(1, sizeof *q);
	if (!q || !(q->buf = malloc(Q_BUF))) {
		free(q);
		return rl_reader_err(r, RRLOG_ENOMEM, 0, "out of memory");
	}
	r->q = q;
	/* Keep the bytes already read after the header. */
	memcpy(q->buf, pre + Q_HDR, plen - Q_HDR);
	q->len = plen - Q_HDR;
	q->base = Q_HDR;
	if (!r->seekable) return 0;
	/* Decode the whole file once: refuse what is not QEMU 7.2 for certain. */
	struct rrlog_event ev;
	int rc;
	uint64_t n = 0;
	while ((rc = q_event(r, &ev)) == 1) {
		n++;
		if (ev.kind == RRLOG_END) break;
	}
	if (rc == 1 && (q_need(r, 1) != 0 || r->err))
		rc = rl_reader_err(r, RRLOG_ECORRUPT, q->base + q->off, "bytes after the END event at offset "
		           "%llu", ULL(q->base + q->off));
	else if (rc == 0)
		rc = rl_reader_err(r, RRLOG_ETRUNCATED, q->base + q->off, "QEMU log ends at offset %llu without "
		           "an END event", ULL(q->base + q->off));
	if (rc < 0 && rc != RRLOG_ETRUNCATED) {
		char m[RL_ERRMSG];
		snprintf(m, sizeof m, "%s", r->msg);
		return rl_reader_err(r, RRLOG_EUNSUPPORTED, r->err_off, "does not decode as a QEMU 7.2 replay "
		             "log (QEMU 7.1 uses the same version number): %s", m);
	}
	q_rewind(r);
	return 0;
}

int rl_qemu_next(rrlog_reader *r, struct rrlog_event *ev)
{
	struct rl_qemu *q = r->q;
	int rc = q_event(r, ev);
	if (rc == 0)
		return rl_reader_err(r, RRLOG_ETRUNCATED, q->base + q->off, "QEMU log ends at offset %llu "
		             "without an END event", ULL(q->base + q->off));
	if (rc < 0) return rc;
	if (ev->kind == RRLOG_END) r->at_end = 1;
	r->events_seen++;
	return 1;
}

int rl_qemu_seek(rrlog_reader *r, uint64_t icount)
{
	if (!r->q) return r->err ? r->err : RRLOG_EINVAL;
	if (r->ret_any && icount <= r->ret_icount) {
		/* Events at or after icount may have been returned already. */
		if (!r->seekable) {
			if (icount < r->ret_icount)
				return rl_reader_err(r, RRLOG_ESEEK, r->pos, "cannot seek backwards in a pipe (to "
				             "icount %llu from %llu)", ULL(icount), ULL(r->ret_icount));
		} else {
			q_rewind(r);
		}
	}
	if (r->pend) {
		if (r->pev.icount >= icount) return 0;
		r->pend = 0;
	}
	if (r->err) return r->err;
	for (;;) {
		if (r->at_end) return 0;
		int rc = rl_qemu_next(r, &r->pev);
		if (rc < 0) return rc;
		if (r->pev.icount >= icount) {
			/* pev.data points into q->dbuf, which stays put until the next event. */
			r->pend = 1;
			r->pev_size = r->ev_size;
			return 0;
		}
	}
}

int rl_qemu_validate_tail(rrlog_reader *r)
{
	struct rl_qemu *q = r->q;
	int rc = q_need(r, 1);
	if (rc < 0) return rc;
	if (rc)
		return rl_reader_err(r, RRLOG_ECORRUPT, q->base + q->off, "bytes after the END event at offset "
		             "%llu", ULL(q->base + q->off));
	return 0;
}

size_t rl_qemu_mem(const struct rl_qemu *q)
{
	return q ? Q_BUF + q->dcap + sizeof *q : 0;
}

void rl_qemu_free(struct rl_qemu *q)
{
	if (!q) return;
	free(q->buf);
	free(q->dbuf);
	free(q);
}
