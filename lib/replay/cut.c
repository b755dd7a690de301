/* cut and merge: windows of a recording that replay on their own, and joining them.
 *
 * A window [from, to) of IN is a log with IN's header that holds
 *   SNAPSHOT full at `from` (the machine there, reached by a seek), STATE_HASH at `from`,
 *   every event of IN from the replay's next event at `from` to the last one below `to`,
 *     verbatim, IN's own snapshots and state hashes included,
 *   STATE_HASH at `to` (the machine there, reached by a second seek),
 *   SHUTDOWN cause=host-qmp-quit at `to`: replay stops there, exit 0,
 * or, when IN ends before `to`, IN's own ending. The full snapshot takes the id of
 * IN's last snapshot at or before `from` (machine_snapshot_renumber), so that IN's
 * incremental snapshots copied after it still chain. Nothing is replayed but the
 * two seeks: the time to cut is about two snapshot intervals of replay plus copying
 * the window's events, whatever IN's size.
 *
 * Merging A then B: A must end with a window end at icount t and B start with a
 * full snapshot at t, with the same state hash there, and both must come from the
 * same configuration and images. The result is A without its window end, then B.
 * Outputs are written to "OUT.part" and renamed at the end: a failure leaves
 * nothing under OUT.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "replay/internal.h"

/* The reason into err; returns -1 (for `return c_err(...)`). */
__attribute__((format(printf, 3, 4)))
static int c_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}
/* The same, returning 0: for `ok = c_fail(...)`. */
#define c_fail(...) (c_err(__VA_ARGS__), 0)

static uint64_t state_hash(struct machine *m, uint64_t *h, int *n)
{
	*n = machine_hash(m, h);
	return machine_hash_combine(h, *n);
}

static char *part_name(const char *out)
{
	char *p = malloc(strlen(out) + 8);
	if (p)
		sprintf(p, "%s.part", out);
	return p;
}

/* A writer for OUT.part with hdr's header plus the pairs in extra. */
static rrlog_writer *open_out(const char *part, const struct rrlog_header_info *h,
			      const struct rrlog_kv *extra, size_t nextra, char *err, size_t n)
{
	struct rrlog_kv kv[64];
	size_t nkv = 0;
	for (size_t i = 0; i < h->nkv && nkv < 60; i++) {
		int dup = 0;
		for (size_t j = 0; j < nextra; j++)
			dup |= strcmp(h->kv[i].key, extra[j].key) == 0;
		if (!dup)
			kv[nkv++] = h->kv[i];
	}
	for (size_t j = 0; j < nextra && nkv < 64; j++)
		kv[nkv++] = extra[j];
	struct rrlog_header_info hdr = *h;
	hdr.kv = kv;
	hdr.nkv = nkv;
	rrlog_writer *w = NULL;
	int rc = rrlog_writer_open(part, &hdr, &w);
	if (rc < 0) {
		c_err(err, n, "%s: %s", part, w && *rrlog_writer_errmsg(w) ? rrlog_writer_errmsg(w) : rrlog_strerror(rc));
		rrlog_writer_abort(w);
		unlink(part);
		return NULL;
	}
	return w;
}

static int finish_out(rrlog_writer *w, const char *part, const char *out, int ok, char *err, size_t n)
{
	if (!ok) {
		rrlog_writer_abort(w);
		unlink(part);
		return -1;
	}
	int rc = rrlog_writer_close(w);
	if (rc < 0) {
		unlink(part);
		return c_err(err, n, "%s: %s", out, rrlog_strerror(rc));
	}
	if (rename(part, out) < 0) {
		unlink(part);
		return c_err(err, n, "%s: %s", out, strerror(errno));
	}
	return 0;
}

/* Progress of a cut: instructions replayed from bounds[0] of the total. */
struct cut_progress {
	const struct rr_progress *pr;
	uint64_t base, total;
};
#define PROGRESS_SLICE 50000000ull

/* rr_session_seek, forward in slices when progress is wanted (the same state). */
static int seek_progress(rr_session *s, uint64_t to, const struct cut_progress *cp)
{
	if (!cp->pr || !cp->pr->fn)
		return rr_session_seek(s, to);
	for (;;) {
		uint64_t now = rr_session_icount(s);
		uint64_t next = now < to && to - now > PROGRESS_SLICE ? now + PROGRESS_SLICE : to;
		int rc = rr_session_seek(s, next);
		if (rc != RR_OK)
			return rc;
		now = rr_session_icount(s);
		cp->pr->fn(cp->pr->opaque, now > cp->base ? now - cp->base : 0, cp->total);
		if (next == to)
			return RR_OK;
	}
}

/* One window, from an open session on IN (moved to `from` and `to` on the way).
 * RR_OK, or an RR_E* code (RR_EIO when writing OUT failed: a full disk is not bad
 * input) with the reason in err. */
static int cut_one(rr_session *s, uint64_t from, uint64_t to, const char *out,
		   const struct cut_progress *cp, char *err, size_t n)
{
	const char *in = rr_session_path(s);
	if (from >= to)
		return c_err(err, n, "the window %llu..%llu is empty", (unsigned long long)from,
			     (unsigned long long)to), RR_EINVAL;
	int rc = seek_progress(s, from, cp);
	if (rc != RR_OK)
		return c_err(err, n, "%s: going to icount %llu: %s", in, (unsigned long long)from,
			     rr_session_errmsg(s)), rc;
	struct machine *m = rr_session_machine(s);
	/* IN's own snapshot at `from`, if the replay has not passed it yet: ours stands
	 * in for it (same icount, its id), and it is not copied */
	struct rrlog_event ev = { 0 };
	struct rrlog_pos head;
	int have_head = rr_session_head_pos(s, &head) == 0 && rr_session_next_event(s, &ev) == 1;
	int skip_snapshot_at_from = have_head && ev.kind == RRLOG_SNAPSHOT && ev.icount == from;
	uint64_t hv[MACHINE_HASH_MAX];
	int nh;
	uint64_t h_from = state_hash(m, hv, &nh);
	size_t blen;
	void *blob = machine_snapshot_save(m, 0, &blen);
	if (!blob)
		return c_err(err, n, "out of memory for a snapshot"), RR_ENOMEM;
	uint64_t id = rr_session_chain_id(s);
	if (skip_snapshot_at_from)
		id = ev.value;
	if (!id || machine_snapshot_renumber(blob, blen, id) < 0) {
		free(blob);
		return c_err(err, n, "%s: no snapshot to chain the window's snapshot to", in), RR_EBADLOG;
	}
	char a[32], b[32];
	snprintf(a, sizeof a, "%llu", (unsigned long long)from);
	snprintf(b, sizeof b, "%llu", (unsigned long long)to);
	struct rrlog_kv extra[] = { { "window-from", a }, { "window-to", b } };
	char *part = part_name(out);
	rrlog_writer *w = part ? open_out(part, rr_session_header(s), extra, 2, err, n) : NULL;
	if (!w) {
		free(blob);
		free(part);
		return part ? RR_EIO : (c_err(err, n, "out of memory"), RR_ENOMEM);
	}
	struct rrlog_event se = { .kind = RRLOG_SNAPSHOT, .sub = RRLOG_SNAP_FULL, .icount = from,
				  .value = id, .data = blob, .len = blen };
	struct rrlog_event he = { .kind = RRLOG_STATE_HASH, .icount = from, .value = h_from,
				  .data = (const uint8_t *)hv, .len = nh * sizeof hv[0] };
	int ok = 1, code = RR_EIO; /* what a failure (ok = 0) returns */
	if (rrlog_writer_append(w, &se) < 0 || rrlog_writer_append(w, &he) < 0)
		ok = c_fail(err, n, "%s: %s", out, rrlog_writer_errmsg(w));
	free(blob);
	/* the window's events, verbatim, through a reader of our own */
	int ended = 0;
	if (ok && have_head) {
		rrlog_reader *rd = NULL;
		int r = rrlog_reader_open(in, &rd);
		if (r == 0)
			r = rrlog_reader_seek_pos(rd, &head);
		while (ok && r == 0) {
			int k = rrlog_reader_next(rd, &ev);
			if (k != 1) {
				if (k < 0 && k != RRLOG_ETRUNCATED) {
					ok = c_fail(err, n, "%s: %s", in, rrlog_reader_errmsg(rd));
					code = k == RRLOG_EIO ? RR_EIO : RR_EBADLOG;
				}
				ended = k < 0 ? 0 : 1;
				break;
			}
			if (ev.kind == RRLOG_END) {
				ended = 1;
				break;
			}
			if (ev.icount >= to)
				break;
			if (skip_snapshot_at_from && ev.kind == RRLOG_SNAPSHOT && ev.icount == from) {
				skip_snapshot_at_from = 0;
				continue;
			}
			if (ev.kind == RRLOG_SHUTDOWN && ev.sub >= RRLOG_SHUTDOWN_GUEST_SHUTDOWN)
				ended = 1; /* the guest's own ending: the window ends with it */
			if (rrlog_writer_append(w, &ev) < 0)
				ok = c_fail(err, n, "%s: %s", out, rrlog_writer_errmsg(w));
		}
		if (r < 0 && ok) {
			ok = c_fail(err, n, "%s: %s", in, rd ? rrlog_reader_errmsg(rd) : "out of memory");
			code = r == RRLOG_ENOMEM ? RR_ENOMEM : r == RRLOG_EIO ? RR_EIO : RR_EBADLOG;
		}
		rrlog_reader_close(rd);
	}
	if (to == UINT64_MAX)
		ended = 1; /* to the end of IN, however it ends */
	if (ok && !ended) {
		/* the state at `to`, then the window's end */
		rc = seek_progress(s, to, cp);
		if (rc != RR_OK) {
			ok = c_fail(err, n, "%s: going to icount %llu: %s", in, (unsigned long long)to,
				   rr_session_errmsg(s));
			code = rc;
		} else {
			uint64_t h_to = state_hash(m, hv, &nh);
			struct rrlog_event te = { .kind = RRLOG_STATE_HASH, .icount = to, .value = h_to,
						  .data = (const uint8_t *)hv, .len = nh * sizeof hv[0] };
			struct rrlog_event xe = { .kind = RRLOG_SHUTDOWN, .sub = RRLOG_SHUTDOWN_HOST_QMP_QUIT,
						  .icount = to };
			if (rrlog_writer_append(w, &te) < 0 || rrlog_writer_append(w, &xe) < 0)
				ok = c_fail(err, n, "%s: %s", out, rrlog_writer_errmsg(w));
		}
	}
	rc = finish_out(w, part, out, ok, err, n);
	free(part);
	return rc == 0 ? RR_OK : ok ? RR_EIO : code;
}

int rr_cut(const char *in, const uint64_t *bounds, int nwin, const char *const *outs,
	   const struct rr_progress *pr, char *err, size_t errlen)
{
	rr_session *s = NULL;
	int rc = rr_session_open(in, NULL, &s);
	if (rc != RR_OK) {
		c_err(err, errlen, "%s: %s", in, rr_session_errmsg(s));
		rr_session_close(s);
		return rc;
	}
	struct cut_progress cp = { .pr = nwin > 0 ? pr : NULL, .base = nwin > 0 ? bounds[0] : 0 };
	if (cp.pr) {
		uint64_t end = bounds[nwin], first, last;
		char e[8];
		if (end == UINT64_MAX)
			end = rr_recording_span(in, &first, &last, e, sizeof e) == RR_OK ? last : 0;
		cp.total = end > cp.base ? end - cp.base : 0;
	}
	for (int i = 0; i < nwin && rc == RR_OK; i++)
		rc = cut_one(s, bounds[i], bounds[i + 1], outs[i], &cp, err, errlen);
	rr_session_close(s);
	return rc;
}

int rr_recording_span(const char *in, uint64_t *first, uint64_t *last, char *err, size_t errlen)
{
	/* the log alone: where its first snapshot puts the machine (0 without one), and
	 * the icount of its last event, read from its last snapshot on */
	rrlog_reader *rd = NULL;
	struct rrlog_event ev;
	const struct rrlog_snapshot_ref *list;
	size_t n = 0;
	int rc = rrlog_reader_open(in, &rd);
	if (rc == 0 && rrlog_reader_header(rd)->source != RRLOG_SOURCE_RRLOG)
		rc = c_err(err, errlen, "%s: a QEMU replay log; only rr-run recordings replay", in);
	else if (rc == 0 && (rc = rrlog_reader_snapshots(rd, &list, &n)) == 0)
		rc = rrlog_reader_seek(rd, n ? list[n - 1].icount : 0);
	if (rc < 0) {
		if (rd && *rrlog_reader_errmsg(rd))
			c_err(err, errlen, "%s: %s", in, rrlog_reader_errmsg(rd));
		else if (rc != -1)
			c_err(err, errlen, "%s: %s", in, rrlog_strerror(rc));
		rrlog_reader_close(rd);
		return rc == RRLOG_EIO ? RR_EIO : RR_EBADLOG;
	}
	rrlog_reader_skip_data(rd, 1u << RRLOG_SNAPSHOT);
	*first = n ? list[0].icount : 0;
	*last = *first;
	while (rrlog_reader_next(rd, &ev) == 1)
		*last = ev.icount;
	rrlog_reader_close(rd);
	return RR_OK;
}

/* ---- merge ---- */

/* The first events of a segment: a full SNAPSHOT at t and a STATE_HASH at t. */
static int seg_start(rrlog_reader *rd, const char *path, uint64_t *t, uint64_t *hash, char *err, size_t n)
{
	struct rrlog_event ev;
	if (rrlog_reader_next(rd, &ev) != 1 || ev.kind != RRLOG_SNAPSHOT || ev.sub != RRLOG_SNAP_FULL)
		return c_err(err, n, "%s: does not start with a full snapshot (not a recording or a "
			     "window of one)", path);
	*t = ev.icount;
	if (rrlog_reader_next(rd, &ev) != 1 || ev.kind != RRLOG_STATE_HASH || ev.icount != *t)
		return c_err(err, n, "%s: no state hash after its first snapshot (icount %llu)", path,
			     (unsigned long long)*t);
	*hash = ev.value;
	return 0;
}

static int same_recording(const struct rrlog_header_info *a, const struct rrlog_header_info *b)
{
	if (strcmp(a->config ? a->config : "", b->config ? b->config : "") || a->nimages != b->nimages)
		return 0;
	for (size_t i = 0; i < a->nimages; i++)
		if (strcmp(a->images[i].role, b->images[i].role) ||
		    memcmp(a->images[i].sha256, b->images[i].sha256, 32))
			return 0;
	return 1;
}

int rr_merge(const char *const *ins, int nin, const char *out, const struct rr_progress *pr,
	     char *err, size_t errlen)
{
	if (nin < 1)
		return c_err(err, errlen, "nothing to merge"), RR_EINVAL;
	rrlog_reader *rd[256] = { 0 };
	if (nin > 256)
		return c_err(err, errlen, "at most 256 segments"), RR_EINVAL;
	int rc = RR_OK;
	for (int i = 0; i < nin && rc == RR_OK; i++) {
		int r = rrlog_reader_open(ins[i], &rd[i]);
		if (r < 0) {
			c_err(err, errlen, "%s: %s", ins[i], rd[i] ? rrlog_reader_errmsg(rd[i]) : rrlog_strerror(r));
			rc = r == RRLOG_EIO ? RR_EIO : RR_EBADLOG;
		} else if (i && !same_recording(rrlog_reader_header(rd[0]), rrlog_reader_header(rd[i]))) {
			c_err(err, errlen, "%s and %s are windows of different recordings (machine "
			      "configuration or images differ)", ins[0], ins[i]);
			rc = RR_EINVAL;
		}
	}
	char *part = rc == RR_OK ? part_name(out) : NULL;
	rrlog_writer *w = NULL;
	if (rc == RR_OK && part) {
		static const struct rrlog_kv none[1];
		const struct rrlog_header_info *h0 = rrlog_reader_header(rd[0]);
		/* the window marks of the first segment go: the merge is one recording */
		struct rrlog_header_info h = *h0;
		struct rrlog_kv kv[64];
		size_t nkv = 0;
		for (size_t i = 0; i < h0->nkv && nkv < 64; i++)
			if (strcmp(h0->kv[i].key, "window-from") && strcmp(h0->kv[i].key, "window-to"))
				kv[nkv++] = h0->kv[i];
		h.kv = kv;
		h.nkv = nkv;
		w = open_out(part, &h, none, 0, err, errlen);
		if (!w)
			rc = RR_EIO;
	} else if (rc == RR_OK) {
		rc = (c_err(err, errlen, "out of memory"), RR_ENOMEM);
	}
	uint64_t prev_end = 0, prev_hash = 0, total = 0, done = 0, size[256] = { 0 };
	int have_prev = 0;
	if (pr && pr->fn)
		for (int i = 0; i < nin; i++) {
			struct stat sb;
			if (stat(ins[i], &sb) == 0)
				total += size[i] = (uint64_t)sb.st_size;
		}
	for (int i = 0; i < nin && rc == RR_OK; i++) {
		uint64_t t = 0, h = 0;
		if (seg_start(rd[i], ins[i], &t, &h, err, errlen) < 0) {
			rc = RR_EINVAL;
			break;
		}
		if (i > 0 && !have_prev) {
			c_err(err, errlen, "%s ends with the guest's own ending; %s cannot follow it", ins[i - 1], ins[i]);
			rc = RR_EINVAL;
			break;
		}
		if (have_prev && t != prev_end) {
			c_err(err, errlen, "%s starts at icount %llu but %s ends at %llu: %s", ins[i],
			      (unsigned long long)t, ins[i - 1], (unsigned long long)prev_end,
			      t > prev_end ? "a gap" : "an overlap, or the wrong order");
			rc = RR_EINVAL;
			break;
		}
		if (have_prev && h != prev_hash) {
			c_err(err, errlen, "%s and %s do not join: the machine state at icount %llu differs "
			      "(state hash %016llx against %016llx)", ins[i - 1], ins[i], (unsigned long long)t,
			      (unsigned long long)prev_hash, (unsigned long long)h);
			rc = RR_EINVAL;
			break;
		}
		/* copy: this segment's first snapshot and hash (a merge's first segment, or a
		 * fresh chain), then its events up to a window end */
		rrlog_reader_close(rd[i]);
		rd[i] = NULL;
		rrlog_reader_open(ins[i], &rd[i]);
		struct rrlog_event ev, pend = { 0 };
		int have_pend = 0, k;
		have_prev = 0;
		int first_hash_skipped = i == 0;
		uint64_t nev = 0;
		while ((k = rrlog_reader_next(rd[i], &ev)) == 1 && ev.kind != RRLOG_END) {
			if (pr && pr->fn && (++nev & 4095) == 0) {
				struct rrlog_reader_stats rs;
				rrlog_reader_stats(rd[i], &rs);
				pr->fn(pr->opaque, done + rs.bytes_read, total);
			}
			if (!first_hash_skipped && ev.kind == RRLOG_STATE_HASH && ev.icount == t) {
				first_hash_skipped = 1; /* the previous segment logged the same one */
				continue;
			}
			if (have_pend && rrlog_writer_append(w, &pend) < 0)
				break;
			have_pend = 0;
			if (ev.kind == RRLOG_STATE_HASH) {
				prev_hash = ev.value;
			}
			if (ev.kind == RRLOG_SHUTDOWN && ev.sub == RRLOG_SHUTDOWN_HOST_QMP_QUIT) {
				/* a window end: held back, dropped if another segment follows */
				pend = ev;
				have_pend = 1;
				prev_end = ev.icount;
				continue;
			}
			if (rrlog_writer_append(w, &ev) < 0)
				break;
		}
		if (k < 0) {
			c_err(err, errlen, "%s: %s", ins[i], rrlog_reader_errmsg(rd[i]));
			rc = RR_EBADLOG;
			break;
		}
		if (*rrlog_writer_errmsg(w)) {
			c_err(err, errlen, "%s: %s", out, rrlog_writer_errmsg(w));
			rc = RR_EIO;
			break;
		}
		if (pr && pr->fn) {
			done += size[i];
			pr->fn(pr->opaque, done, total);
		}
		have_prev = have_pend;
		if (have_pend && i == nin - 1 && rrlog_writer_append(w, &pend) < 0)
			rc = RR_EIO;
	}
	for (int i = 0; i < nin; i++)
		rrlog_reader_close(rd[i]);
	if (w && finish_out(w, part, out, rc == RR_OK, err, errlen) < 0 && rc == RR_OK)
		rc = RR_EIO;
	free(part);
	return rc;
}
