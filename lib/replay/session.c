/* session: a replay. The session is the machine's host and answers it from the log.
 *
 * The log is consumed strictly in order through one cursor (the head event): a
 * faithful replay asks for inputs in exactly the order the recording logged them.
 * next_input() names the head's icount, so the machine stops exactly there; poll()
 * hands over the head if it is an asynchronous input due now, checks a STATE_HASH,
 * passes over SNAPSHOTs (their data is not even decompressed), and leaves the
 * synchronous events (CLOCK_VRT, RANDOM) for the guest's read at that icount. A
 * logged console input always fits the UART's room (the recorder logs only what
 * the machine took); one that does not is a divergence.
 * Anything else is a divergence: the machine stops at once, and the message names
 * the icount, what the guest did and what the log expected. Block requests are
 * performed when their logged completion comes up (in submission order, as the
 * recorder's single disk worker did them). Frames the guest sends are dropped: the
 * network is an input, not a peer, during replay.
 *
 * Moving about: the replay state is the machine's snapshot plus the position of
 * the head event in the log (rrlog_pos); the output digest is in the machine state,
 * and block requests in flight are handed to the host again when a snapshot loads.
 * A seek loads the chain of log snapshots (the last full one at or before the
 * target and the incrementals after it) through a second reader, puts the cursor
 * after the chain's last SNAPSHOT event and replays forward.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/hart.h"
#include "replay/internal.h"

struct rr_session {
	struct emu_host host;
	rrlog_reader *rd;
	rrlog_reader *snap_rd;      /* a second reader for snapshot chains (opened on demand) */
	char *path;                 /* the log (in the bundle's directory for a bundle) */
	char *bundle_dir;
	int seekable;
	struct machine *m;
	struct rr_config cfg;
	struct rr_session_options o;
	struct rrlog_event head;
	int have_head, consumed, exhausted;
	int end_rc;
	uint8_t *buf;
	size_t cap;
	struct emu_blk_req *q_head, *q_tail;
	int diverged, log_ended;
	int exited;                 /* the guest stopped here as the log says */
	int err;                    /* the error of the last failed call */
	char msg[700];
	struct rr_session_stats st;
	struct emu_host *live;
	uint64_t first_icount;      /* where the log starts (its first snapshot) */
	uint64_t chain_id;          /* id of the last SNAPSHOT at or before this point */
	int borrowed;               /* rr_session_live: the machine is the caller's */
	struct rr_frontier *fr;     /* rr_session_recording: everything is frontier.c's */
};

struct rr_state {
	void *snap;
	size_t len;
	uint64_t icount;
	int have_pos;
	struct rrlog_pos pos;       /* the head event, if have_pos */
	struct rr_session_stats st;
	uint64_t chain_id;
};

const char *rr_strerror(int code)
{
	switch (code) {
	case RR_OK: return "success";
	case RR_EDIVERGED: return "replay diverged";
	case RR_ELOGEND: return "the log ended";
	case RR_EIMAGE: return "bad or missing guest image";
	case RR_EIO: return "I/O error";
	case RR_EBADLOG: return "bad log";
	case RR_ENOMEM: return "out of memory";
	case RR_EINVAL: return "invalid argument";
	case RR_EMACHINE: return "machine error";
	case RR_EUSAGE: return "usage error";
	default: return "unknown error";
	}
}

__attribute__((format(printf, 3, 4)))
static int s_err(rr_session *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	s->err = code;
	return code;
}

static int map_rrlog(int rc)
{
	switch (rc) {
	case RRLOG_ENOMEM: return RR_ENOMEM;
	case RRLOG_EIO: case RRLOG_ENOSPC: return RR_EIO;
	case RRLOG_ESEEK: case RRLOG_EUNSUPPORTED: return RR_EUSAGE;
	case RRLOG_EINVAL: return RR_EINVAL;
	default: return RR_EBADLOG;
	}
}

/* ---- the cursor ---- */

static void advance(rr_session *s)
{
	s->consumed = 0;
	if (s->exhausted)
		return;
	int rc = rrlog_reader_next(s->rd, &s->head);
	if (rc != 1) {
		s->have_head = 0;
		s->exhausted = 1;
		s->end_rc = rc;
		return;
	}
	s->st.events++;
	if (s->head.len > s->cap && s->head.data) {
		uint8_t *nb = realloc(s->buf, s->head.len);
		if (!nb) {
			s->have_head = 0;
			s->exhausted = 1;
			s->end_rc = RRLOG_ENOMEM;
			return;
		}
		s->buf = nb;
		s->cap = s->head.len;
	}
	if (s->head.len && s->head.data) {
		memcpy(s->buf, s->head.data, s->head.len);
		s->head.data = s->buf;
	}
	s->have_head = 1;
}

static void look(rr_session *s)
{
	if (s->consumed)
		advance(s);
}

static void diverge(rr_session *s, const char *actual)
{
	char ev[128];
	if (s->diverged)
		return;
	s->diverged = 1;
	s_err(s, RR_EDIVERGED, "replay diverged at icount %llu: %s; the log expects %s",
	      (unsigned long long)machine_icount(s->m), actual,
	      s->have_head ? rr_event_desc(&s->head, ev, sizeof ev) : "nothing more (end of log)");
	machine_request_stop(s->m, MACHINE_EXIT_ERROR, s->msg);
}

static void log_exhausted(rr_session *s)
{
	s->log_ended = 1;
	machine_request_stop(s->m, MACHINE_EXIT_ICOUNT, NULL);
}

/* ---- the host ---- */

static uint64_t rep_next_input(void *ctx, uint64_t icount, const struct emu_room *room)
{
	rr_session *s = ctx;
	look(s);
	if (!s->have_head || s->head.kind == RRLOG_END) {
		log_exhausted(s);
		return icount;
	}
	if (s->head.icount < icount) {
		diverge(s, "the guest ran past a logged event without taking it");
		return icount;
	}
	return s->head.icount;
}

/* Compare the machine's state with a logged STATE_HASH; name what differs. */
static void check_hash(rr_session *s)
{
	if (s->o.no_hash_check)
		return;
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(s->m, h);
	if (machine_hash_combine(h, n) == s->head.value) {
		s->st.hashes++;
		return;
	}
	char parts[300] = "";
	size_t logged = s->head.data ? s->head.len / 8 : 0;
	for (int i = 0; i < n && (size_t)i < logged; i++) {
		uint64_t want;
		memcpy(&want, s->head.data + 8 * i, 8);
		if (want != h[i]) {
			size_t l = strlen(parts);
			snprintf(parts + l, sizeof parts - l, "%s%s", l ? ", " : "", machine_hash_name(i));
		}
	}
	char what[400];
	snprintf(what, sizeof what, "the machine state differs from the recording's (%s)",
		 *parts ? parts : "component count differs");
	diverge(s, what);
}

static int rep_poll(void *ctx, uint64_t icount, const struct emu_room *room, struct emu_input *in)
{
	rr_session *s = ctx;
	for (;;) {
		look(s);
		if (s->diverged || !s->have_head || s->head.icount > icount)
			return 0;
		if (s->head.icount < icount) {
			diverge(s, "the guest ran past a logged event without taking it");
			return 0;
		}
		struct rrlog_event *e = &s->head;
		switch (e->kind) {
		case RRLOG_STATE_HASH:
			check_hash(s);
			s->consumed = 1;
			continue;
		case RRLOG_SNAPSHOT:
			s->chain_id = e->value;
			s->consumed = 1;
			continue;
		case RRLOG_CHECKPOINT:
			if (e->sub != RRLOG_CP_RESET_REQUESTED) {
				s->consumed = 1;
				continue;
			}
			break;
		case RRLOG_SHUTDOWN:
			if (e->sub >= RRLOG_SHUTDOWN_GUEST_SHUTDOWN)
				return 0; /* an outcome: checked when the machine stops */
			break;
		case RRLOG_CLOCK_VRT:
		case RRLOG_RANDOM:
		case RRLOG_END:
			return 0; /* synchronous: the guest takes it at this icount */
		default:
			break;
		}
		if (!rr_event_to_input(e, in)) {
			diverge(s, "the log holds an event kind rr-run never records");
			return 0;
		}
		if (in->kind == EMU_INPUT_BLOCK) {
			struct emu_blk_req *r = s->q_head;
			if (!r || r->dev != e->sub || r->id != e->value) {
				diverge(s, r ? "the next block request in flight is another one"
					     : "no block request is in flight");
				return 0;
			}
			s->q_head = r->next;
			if (!s->q_head)
				s->q_tail = NULL;
			r->work(r);
		}
		if (in->kind == EMU_INPUT_SERIAL && in->len > room->serial) {
			/* the recorder logs only what fitted (host.h, Backpressure) */
			char what[160];
			snprintf(what, sizeof what, "the UART's receive buffer has room for %u bytes, "
				 "the logged console input holds %u", room->serial, in->len);
			diverge(s, what);
			return 0;
		}
		s->consumed = 1;
		return 1;
	}
}

static uint64_t rep_rtc_ns(void *ctx)
{
	rr_session *s = ctx;
	look(s);
	if (s->have_head && s->head.kind == RRLOG_CLOCK_VRT && s->head.icount == machine_icount(s->m)) {
		s->consumed = 1;
		return s->head.value;
	}
	diverge(s, "the guest read the RTC");
	return 0;
}

static void rep_entropy(void *ctx, void *buf, size_t len)
{
	rr_session *s = ctx;
	look(s);
	if (s->have_head && s->head.kind == RRLOG_RANDOM && s->head.icount == machine_icount(s->m) &&
	    s->head.len == len && s->head.data) {
		memcpy(buf, s->head.data, len);
		s->consumed = 1;
		return;
	}
	memset(buf, 0, len);
	diverge(s, "the guest read random bytes");
}

static uint64_t rep_idle(void *ctx, uint64_t icount, uint64_t deadline, const struct emu_room *room)
{
	rr_session *s = ctx;
	look(s);
	if (!s->have_head)
		return icount;
	if (s->head.icount <= icount && (s->head.kind == RRLOG_CLOCK_VRT || s->head.kind == RRLOG_RANDOM)) {
		/* Every hart waits, so nothing can take this synchronous input. */
		diverge(s, "every hart is idle");
		return icount;
	}
	if (s->head.icount < deadline)
		return s->head.icount > icount ? s->head.icount : icount;
	return deadline;
}

static void rep_blk_submit(void *ctx, struct emu_blk_req *req)
{
	rr_session *s = ctx;
	req->next = NULL;
	if (s->q_tail)
		s->q_tail->next = req;
	else
		s->q_head = req;
	s->q_tail = req;
}

static void rep_net_send(void *ctx, uint32_t dev, const uint8_t *f, size_t n)
{
}

static void rep_serial_write(void *ctx, uint32_t dev, const uint8_t *b, size_t n)
{
	rr_session *s = ctx;
	if (s->o.output)
		s->o.output(s->o.opaque, dev, b, n);
}

static const struct emu_host_ops rep_ops = {
	.rtc_ns = rep_rtc_ns, .entropy = rep_entropy, .next_input = rep_next_input,
	.poll = rep_poll, .idle = rep_idle, .blk_submit = rep_blk_submit,
	.net_send = rep_net_send, .serial_write = rep_serial_write,
};

/* ---- images ---- */

/* A regular file whose size and SHA-256 are the recorded ones: 1; a regular file
 * that differs: 0; not a readable regular file: -1. */
static int image_matches(const char *path, const struct rrlog_image *img)
{
	struct stat st;
	uint8_t sum[32];
	uint64_t size;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, R_OK) < 0)
		return -1;
	if ((uint64_t)st.st_size != img->size)
		return 0;
	return rr_image_sha256(path, sum, &size) == 0 && size == img->size && !memcmp(sum, img->sha256, 32);
}

/* Find each image the header names and point the configuration at it (the rule
 * is in replay.h). */
static int find_images(rr_session *s, const struct rrlog_header_info *h)
{
	const char *roles[4];
	const char **fields[4];
	int n = rr_config_images(&s->cfg.mc, roles, fields);
	char *dirbuf = strdup(s->path);
	if (!dirbuf)
		return s_err(s, RR_ENOMEM, "out of memory");
	const char *logdir = strcmp(s->path, "-") ? dirname(dirbuf) : ".";
	int rc = RR_OK;
	for (int i = 0; i < n && rc == RR_OK; i++) {
		const struct rrlog_image *img = NULL;
		for (size_t j = 0; j < h->nimages; j++)
			if (strcmp(h->images[j].role, roles[i]) == 0)
				img = &h->images[j];
		if (!img) {
			rc = s_err(s, RR_EBADLOG, "the header has no hash for the %s image", roles[i]);
			break;
		}
		if (strcmp(*fields[i], img->path) != 0) {
			rc = s_err(s, RR_EBADLOG, "the configuration and the image table disagree on "
				   "the %s image", roles[i]);
			break;
		}
		char *basebuf = strdup(img->path);
		char beside[4096];
		snprintf(beside, sizeof beside, "%s/%s", logdir, basebuf ? basename(basebuf) : "");
		free(basebuf);
		const char *found = NULL, *differs = NULL;
		for (const char *const *u = s->o.images; u && *u && !found; u++) {
			int r = image_matches(*u, img);
			if (r > 0)
				found = *u;
		}
		const char *cands[2] = { beside, img->path };
		for (int k = 0; k < 2 && !found; k++) {
			int r = image_matches(cands[k], img);
			if (r > 0)
				found = cands[k];
			else if (r == 0 && !differs)
				differs = cands[k];
		}
		if (!found) {
			if (differs)
				rc = s_err(s, RR_EIMAGE, "%s: the %s image differs from the one recorded "
					   "(SHA-256 or size mismatch); refusing to replay", differs, roles[i]);
			else
				rc = s_err(s, RR_EIMAGE, "%s: %s image not found as a regular file (looked "
					   "beside the log too: %s)", img->path, roles[i], beside);
			break;
		}
		if (rr_config_set(&s->cfg, fields[i], found) < 0)
			rc = s_err(s, RR_ENOMEM, "out of memory");
	}
	free(dirbuf);
	return rc;
}

/* ---- snapshots ---- */

/* Read the SNAPSHOT event at pos through the snapshot reader into a malloc'd copy. */
static int read_snapshot(rr_session *s, const struct rrlog_pos *pos, void **blob, size_t *len)
{
	if (!s->snap_rd) {
		int rc = rrlog_reader_open(s->path, &s->snap_rd);
		if (rc < 0)
			return s_err(s, map_rrlog(rc), "%s", rrlog_reader_errmsg(s->snap_rd));
	}
	struct rrlog_event ev;
	int rc = rrlog_reader_seek_pos(s->snap_rd, pos);
	if (rc == 0)
		rc = rrlog_reader_next(s->snap_rd, &ev);
	if (rc != 1)
		return s_err(s, map_rrlog(rc < 0 ? rc : RRLOG_ECORRUPT), "snapshot at icount %llu: %s",
			     (unsigned long long)pos->icount, rrlog_reader_errmsg(s->snap_rd));
	if (ev.kind != RRLOG_SNAPSHOT || !ev.data)
		return s_err(s, RR_EBADLOG, "no snapshot where the block marks say (icount %llu)",
			     (unsigned long long)pos->icount);
	struct machine_snapshot_info si;
	if (machine_snapshot_info(ev.data, ev.len, &si) < 0)
		return s_err(s, RR_EBADLOG, "snapshot at icount %llu: not an rr-run snapshot (or one of "
			     "another format version)", (unsigned long long)ev.icount);
	if (si.id != ev.value || si.icount != ev.icount ||
	    si.incremental != (ev.sub == RRLOG_SNAP_INCREMENTAL))
		return s_err(s, RR_EBADLOG, "snapshot at icount %llu: the event says id %llu %s at icount "
			     "%llu, the snapshot id %llu %s at icount %llu", (unsigned long long)ev.icount,
			     (unsigned long long)ev.value, ev.sub ? "incremental" : "full",
			     (unsigned long long)ev.icount, (unsigned long long)si.id,
			     si.incremental ? "incremental" : "full", (unsigned long long)si.icount);
	*blob = malloc(ev.len ? ev.len : 1);
	if (!*blob)
		return s_err(s, RR_ENOMEM, "out of memory for a %zu-byte snapshot", ev.len);
	memcpy(*blob, ev.data, ev.len);
	*len = ev.len;
	return RR_OK;
}

/* Load a snapshot chain into the machine. The block requests in flight are the
 * snapshot's afterwards (virtio-blk hands them to the host again; the old records
 * belong to the device, which drops them); on failure the machine and the queue
 * are as they were. 0, or -1 with the reason in err. */
static int load_chain(rr_session *s, const void *const *blobs, const size_t *lens, int n,
		      char *err, size_t errlen)
{
	struct emu_blk_req *qh = s->q_head, *qt = s->q_tail;
	s->q_head = s->q_tail = NULL;
	if (machine_snapshot_load(s->m, blobs, lens, n, err, errlen) < 0) {
		s->q_head = qh;
		s->q_tail = qt;
		return -1;
	}
	s->st.snapshots_loaded++;
	return 0;
}

/* Put the cursor on the event at pos (the next one handed out). */
static int cursor_to(rr_session *s, const struct rrlog_pos *pos)
{
	int rc = rrlog_reader_seek_pos(s->rd, pos);
	if (rc < 0)
		return s_err(s, map_rrlog(rc), "%s", rrlog_reader_errmsg(s->rd));
	s->exhausted = 0;
	s->have_head = 0;
	s->consumed = 1;
	s->diverged = s->log_ended = s->exited = 0;
	look(s);
	return RR_OK;
}

/* Load the chain ending with snapshot k of the log and put the cursor after it. */
static int load_log_snapshot(rr_session *s, const struct rrlog_snapshot_ref *list, size_t k)
{
	size_t first = k;
	while (first > 0 && !list[first].full)
		first--;
	if (!list[first].full)
		return s_err(s, RR_EBADLOG, "no full snapshot before icount %llu",
			     (unsigned long long)list[k].icount);
	int n = (int)(k - first + 1), rc = RR_OK;
	if (n > 64)
		return s_err(s, RR_EBADLOG, "%d incremental snapshots in a row", n - 1);
	void *blobs[64] = { 0 };
	size_t lens[64] = { 0 };
	for (int i = 0; i < n && rc == RR_OK; i++)
		rc = read_snapshot(s, &list[first + i].pos, &blobs[i], &lens[i]);
	char err[300];
	if (rc == RR_OK && load_chain(s, (const void *const *)blobs, lens, n, err, sizeof err) < 0)
		rc = s_err(s, RR_EBADLOG, "snapshot at icount %llu: %s", (unsigned long long)list[k].icount, err);
	for (int i = 0; i < n; i++)
		free(blobs[i]);
	if (rc != RR_OK)
		return rc;
	/* the cursor: on the SNAPSHOT event, taken */
	if ((rc = cursor_to(s, &list[k].pos)) != RR_OK)
		return rc;
	if (s->have_head)
		s->chain_id = s->head.value;
	s->consumed = 1;
	look(s);
	return RR_OK;
}

/* ---- opening ---- */

static int session_open(rr_session *s, const char *path)
{
	int rc;
	if (strcmp(path, "-") && rr_bundle_is_file(path)) {
		char err[512];
		s->path = rr_bundle_extract(path, &s->bundle_dir, err, sizeof err);
		if (!s->path)
			return s_err(s, RR_EBADLOG, "%s", err);
	} else if (!(s->path = strdup(path))) {
		return s_err(s, RR_ENOMEM, "out of memory");
	}
	rc = rrlog_reader_open(s->path, &s->rd);
	if (rc < 0)
		return s_err(s, rc == RRLOG_EIO ? RR_EIO : map_rrlog(rc), "%s",
			     s->rd && *rrlog_reader_errmsg(s->rd) ? rrlog_reader_errmsg(s->rd) : rrlog_strerror(rc));
	const struct rrlog_header_info *h = rrlog_reader_header(s->rd);
	if (h->source != RRLOG_SOURCE_RRLOG)
		return s_err(s, RR_EBADLOG, "a QEMU replay log; rr-run replays only its own "
			     "recordings (rr-dump reads this one)");
	struct stat st;
	s->seekable = strcmp(s->path, "-") && stat(s->path, &st) == 0 && S_ISREG(st.st_mode);
	if (s->seekable)
		rrlog_reader_skip_data(s->rd, 1u << RRLOG_SNAPSHOT);
	char err[512];
	if (rr_config_parse(h->config ? h->config : "", &s->cfg, err, sizeof err) < 0)
		return s_err(s, RR_EBADLOG, "%s", err);
	if ((rc = find_images(s, h)) != RR_OK)
		return rc;
	s->cfg.mc.cpu = s->o.cpu;       /* not the recording's: any core replays it */
	s->m = machine_new(&s->cfg.mc, &s->host, err, sizeof err);
	if (!s->m)
		return s_err(s, RR_EMACHINE, "%s", err);
	/* A log starts with a snapshot of the machine (format 1 logs only when they
	 * continue another). */
	look(s);
	if (s->have_head && s->head.kind == RRLOG_SNAPSHOT) {
		const struct rrlog_snapshot_ref *list;
		size_t n = 0;
		if (s->seekable && rrlog_reader_snapshots(s->rd, &list, &n) == 0 && n &&
		    list[0].icount == s->head.icount) {
			if ((rc = load_log_snapshot(s, list, 0)) != RR_OK)
				return rc;
		} else if (!s->seekable && s->head.data) {
			/* a pipe: this first snapshot came with its data */
			const void *b[1] = { s->head.data };
			size_t l[1] = { s->head.len };
			if (load_chain(s, b, l, 1, err, sizeof err) < 0)
				return s_err(s, RR_EBADLOG, "snapshot at icount %llu: %s",
					     (unsigned long long)s->head.icount, err);
			s->chain_id = s->head.value;
			s->consumed = 1;
			rrlog_reader_skip_data(s->rd, 1u << RRLOG_SNAPSHOT);
		} else {
			return s_err(s, RR_EBADLOG, "the first snapshot is not where the block marks say");
		}
		s->first_icount = machine_icount(s->m);
	}
	return RR_OK;
}

int rr_session_open(const char *path, const struct rr_session_options *o, rr_session **out)
{
	rr_session *s = *out = calloc(1, sizeof *s);
	if (!s)
		return RR_ENOMEM;
	s->host.ops = &rep_ops;
	s->host.ctx = s;
	s->consumed = 1;
	if (o)
		s->o = *o;
	if (!path)
		return s_err(s, RR_EINVAL, "no log given");
	int rc = session_open(s, path);
	s->o.images = NULL; /* the caller's array: used only while opening */
	if (rc == RR_OK)
		s->err = 0;
	return rc;
}

int rr_session_sibling(rr_session *s, rr_session **out)
{
	*out = NULL;
	if (!s || s->fr || s->borrowed || s->live || !s->seekable || !s->path || !strcmp(s->path, "-"))
		return RR_EINVAL;
	const char *roles[4], **fields[4], *imgs[5];
	int n = rr_config_images(&s->cfg.mc, roles, fields), k = 0;
	for (int i = 0; i < n; i++)
		if (*fields[i])
			imgs[k++] = *fields[i];
	imgs[k] = NULL;
	struct rr_session_options o = { .images = imgs, .no_hash_check = s->o.no_hash_check,
					   .cpu = s->o.cpu };
	rr_session *sib;
	int rc = rr_session_open(s->path, &o, &sib);
	if (rc != RR_OK)
		rr_session_close(sib);
	else
		*out = sib;
	return rc;
}

int rr_session_live(struct machine *m, rr_session **out)
{
	*out = NULL;
	if (!m)
		return RR_EINVAL;
	rr_session *s = calloc(1, sizeof *s);
	if (!s)
		return RR_ENOMEM;
	s->m = m;
	s->borrowed = 1;
	s->live = machine_host(m);
	*out = s;
	return RR_OK;
}

int rr_session_recording(rr_recorder *r, const char *path, const struct rr_live_input *in,
			 rr_session **out)
{
	rr_session *s = *out = calloc(1, sizeof *s);
	if (!s)
		return RR_ENOMEM;
	s->borrowed = 1;
	if (!r || !path || strcmp(path, "-") == 0)
		return s_err(s, RR_EUSAGE, "debugging a recording needs its log in a file (-w FILE)");
	int rc;
	s->fr = fr_new(r, path, in, &rc, s->msg, sizeof s->msg);
	if (!s->fr)
		return s->err = rc;
	if (rc == RR_OK)
		s->msg[0] = 0;
	return rc;
}

int rr_session_send_input(rr_session *s, const struct emu_input *in)
{
	if (!s || !in)
		return RR_EINVAL;
	if (!s->fr)
		return s_err(s, RR_EUSAGE, "%s", s->live ? "inputs come from the live world here (its console)"
			     : "a replay takes its inputs from the log: inputs can be sent only while recording");
	return fr_send_input(s->fr, in);
}

int rr_session_recording_info(rr_session *s, struct rr_recording_info *ri)
{
	if (!s || !s->fr)
		return 0;
	fr_info(s->fr, ri);
	return 1;
}

void rr_session_close(rr_session *s)
{
	if (!s)
		return;
	fr_free(s->fr);
	if (!s->borrowed)
		machine_free(s->m);
	rrlog_reader_close(s->rd);
	rrlog_reader_close(s->snap_rd);
	rr_config_clear(&s->cfg);
	rr_bundle_cleanup(s->bundle_dir);
	free(s->path);
	free(s->buf);
	free(s);
}

const char *rr_session_errmsg(const rr_session *s)
{
	return !s ? "out of memory" : s->fr ? fr_errmsg(s->fr) : s->msg;
}
const struct rrlog_header_info *rr_session_header(const rr_session *s)
{
	return !s ? NULL : s->fr ? rr_session_header(fr_past(s->fr)) : rrlog_reader_header(s->rd);
}
struct machine *rr_session_machine(rr_session *s) { return !s ? NULL : s->fr ? fr_machine(s->fr) : s->m; }
const struct machine_config *rr_session_config(const rr_session *s)
{
	return !s ? NULL : s->fr ? rr_session_config(fr_past(s->fr)) : &s->cfg.mc;
}
uint64_t rr_session_icount(const rr_session *s)
{
	struct machine *m = !s ? NULL : s->fr ? fr_machine(s->fr) : s->m;
	return m ? machine_icount(m) : 0;
}
int rr_session_is_live(const rr_session *s) { return s && s->live; }

void rr_session_stats(const rr_session *s, struct rr_session_stats *st)
{
	if (s->fr) {
		rr_session_stats(fr_past(s->fr), st);
		return;
	}
	*st = s->st;
	st->end_code = s->exhausted ? s->end_rc : 0;
}

/* ---- running ---- */

/* After the machine stopped by itself: the events left at this icount must say the
 * same (final hash, shutdown cause and code). RR_STOP_EXIT if they agree. */
static int check_ending(rr_session *s, int e, int *stop)
{
	uint64_t now = machine_icount(s->m);
	int ending_seen = 0;
	for (;;) {
		look(s);
		if (s->diverged)
			return s->err;
		if (!s->have_head && s->end_rc < 0) {
			*stop = RR_STOP_END; /* a torn log: its ending is lost, nothing to compare */
			s->log_ended = 1;
			return RR_OK;
		}
		if (!s->have_head || s->head.kind == RRLOG_END || s->head.icount != now) {
			if (ending_seen) {
				*stop = RR_STOP_EXIT;
				s->exited = 1;
				return RR_OK;
			}
			break;
		}
		if (s->head.kind == RRLOG_STATE_HASH) {
			check_hash(s);
			s->consumed = 1;
			continue;
		}
		if (s->head.kind == RRLOG_SHUTDOWN && !ending_seen) {
			int want = s->head.sub == RRLOG_SHUTDOWN_GUEST_SHUTDOWN ? MACHINE_EXIT_POWEROFF
				 : s->head.sub == RRLOG_SHUTDOWN_GUEST_RESET ? MACHINE_EXIT_RESET
				 : s->head.sub == RRLOG_SHUTDOWN_HOST_ERROR ? MACHINE_EXIT_ERROR : -1;
			if (want != e || (e == MACHINE_EXIT_POWEROFF &&
					  s->head.value != (uint64_t)machine_exit_code(s->m)))
				break;
			ending_seen = 1;
			s->consumed = 1;
			continue;
		}
		break;
	}
	char what[200];
	snprintf(what, sizeof what, "the guest stopped (%s, code %d)",
		 e == MACHINE_EXIT_POWEROFF ? "power-off" : e == MACHINE_EXIT_RESET ? "reset" : "error",
		 machine_exit_code(s->m));
	if (e == MACHINE_EXIT_ERROR && !s->diverged) {
		size_t l = strlen(what);
		snprintf(what + l, sizeof what - l, ": %s", machine_errmsg(s->m));
	}
	diverge(s, what);
	return s->err;
}

int rr_session_run(rr_session *s, uint64_t stop_icount, int *stop)
{
	if (s && stop && s->fr)
		return s->err = fr_run(s->fr, stop_icount, stop);
	if (!s || !stop || !s->m)
		return RR_EINVAL;
	*stop = 0;
	if (s->live) {
		int e = machine_run(s->m, stop_icount);
		*stop = e == MACHINE_EXIT_ICOUNT ? RR_STOP_ICOUNT : e == MACHINE_EXIT_BREAK ? RR_STOP_BREAK
			: e == MACHINE_EXIT_WATCH ? RR_STOP_WATCH
			: e == MACHINE_EXIT_HOST ? RR_STOP_HOST : RR_STOP_EXIT;
		return RR_OK;
	}
	if (s->diverged)
		return s_err(s, RR_EDIVERGED, "%s", s->msg);
	if (s->exited) {
		*stop = RR_STOP_EXIT; /* it stays stopped */
		return RR_OK;
	}
	if (s->log_ended) {
		*stop = RR_STOP_END;
		return RR_OK;
	}
	int e = machine_run(s->m, stop_icount);
	if (s->diverged)
		return s->err = RR_EDIVERGED;
	if (s->log_ended) {
		*stop = RR_STOP_END;
		if (s->end_rc < 0 && s->end_rc != RRLOG_ETRUNCATED)
			return s_err(s, map_rrlog(s->end_rc), "the log is damaged at icount %llu: %s",
				     (unsigned long long)machine_icount(s->m),
				     rrlog_reader_errmsg(s->rd));
		return RR_OK;
	}
	switch (e) {
	case MACHINE_EXIT_ICOUNT:
		*stop = RR_STOP_ICOUNT;
		return RR_OK;
	case MACHINE_EXIT_BREAK:
		*stop = RR_STOP_BREAK;
		return RR_OK;
	case MACHINE_EXIT_WATCH:
		*stop = RR_STOP_WATCH;
		return RR_OK;
	case MACHINE_EXIT_HOST:
		*stop = RR_STOP_HOST;
		return RR_OK;
	default:
		return check_ending(s, e, stop);
	}
}

int rr_session_next_event(rr_session *s, struct rrlog_event *ev)
{
	if (s && s->fr)
		return fr_next_event(s->fr, ev);
	if (!s || s->live)
		return 0;
	look(s);
	if (!s->have_head)
		return 0;
	*ev = s->head;
	return 1;
}

int rr_session_snapshots(rr_session *s, const struct rrlog_snapshot_ref **list, size_t *n)
{
	if (s->fr)
		return s->err = fr_snapshots(s->fr, list, n);
	if (!s->rd) {
		*list = NULL;
		*n = 0;
		return s_err(s, RR_EUSAGE, "a live run has no log and no snapshots: it cannot go back");
	}
	int rc = rrlog_reader_snapshots(s->rd, list, n);
	return rc < 0 ? s_err(s, map_rrlog(rc), "%s", rc == RRLOG_EUNSUPPORTED ?
			      "a pipe has no snapshots to seek to" : rrlog_reader_errmsg(s->rd)) : RR_OK;
}

int rr_session_seek(rr_session *s, uint64_t icount)
{
	if (s && s->fr)
		return s->err = fr_seek(s->fr, icount);
	if (!s || !s->m)
		return RR_EINVAL;
	if (s->live)
		return s_err(s, RR_EUSAGE, s->rd ? "the replay went live: there is no log to seek in"
					       : "a live run has no log: it cannot seek");
	if (icount < s->first_icount)
		return s_err(s, RR_EINVAL, "icount %llu is before the recording starts (%llu)",
			     (unsigned long long)icount, (unsigned long long)s->first_icount);
	const struct rrlog_snapshot_ref *list = NULL;
	size_t n = 0;
	if (s->seekable && rr_session_snapshots(s, &list, &n) != RR_OK)
		return s->err;
	size_t k = n;
	for (size_t i = 0; i < n; i++)
		if (list[i].icount <= icount)
			k = i;
	uint64_t now = machine_icount(s->m);
	int forward_ok = now <= icount && !s->diverged && (k == n || list[k].icount <= now);
	if (!forward_ok) {
		if (k == n)
			return s_err(s, RR_EUSAGE, "cannot go back to icount %llu: the log has no "
				     "snapshot at or before it", (unsigned long long)icount);
		int rc = load_log_snapshot(s, list, k);
		if (rc != RR_OK)
			return rc;
	}
	int stop, rc = rr_session_run(s, icount, &stop);
	if (rc != RR_OK)
		return rc;
	/* a seek passes breakpoints (stepping over each) and watched accesses */
	while ((stop == RR_STOP_BREAK || stop == RR_STOP_WATCH) && rc == RR_OK) {
		if (stop == RR_STOP_BREAK)
			for (int i = 0; i < machine_nharts(s->m); i++)
				machine_hart(s->m, i)->skip_break_once = 1;
		rc = rr_session_run(s, icount, &stop);
	}
	if (rc != RR_OK)
		return rc;
	if (machine_icount(s->m) != icount)
		return s_err(s, RR_EINVAL, "icount %llu is past the end of the recording (it ends at %llu)",
			     (unsigned long long)icount, (unsigned long long)machine_icount(s->m));
	return RR_OK;
}

/* ---- saved states ---- */

int rr_session_save(rr_session *s, rr_state **out)
{
	*out = NULL;
	if (s && s->fr)
		return s->err = fr_save(s->fr, out);
	if (!s || !s->m || s->live)
		return s ? s_err(s, RR_EUSAGE, "no replay to save") : RR_EINVAL;
	rr_state *st = calloc(1, sizeof *st);
	if (!st)
		return s_err(s, RR_ENOMEM, "out of memory");
	look(s);
	st->snap = machine_snapshot_save(s->m, 0, &st->len);
	if (!st->snap) {
		free(st);
		return s_err(s, RR_ENOMEM, "out of memory for a snapshot");
	}
	st->icount = machine_icount(s->m);
	st->st = s->st;
	st->chain_id = s->chain_id;
	if (s->have_head) {
		if (rrlog_reader_tell(s->rd, &st->pos) < 0) {
			rr_state_free(st);
			return s_err(s, RR_EUSAGE, "a state can be saved only in a log read from a file");
		}
		st->have_pos = 1;
	}
	*out = st;
	return RR_OK;
}

int rr_session_restore(rr_session *s, const rr_state *st)
{
	if (s && st && s->fr)
		return s->err = fr_restore(s->fr, st);
	if (!s || !st || !s->m)
		return RR_EINVAL;
	if (s->live)
		return s_err(s, RR_EUSAGE, "the replay went live: there is no log to go back in");
	char err[300];
	const void *blobs[1] = { st->snap };
	if (load_chain(s, blobs, &st->len, 1, err, sizeof err) < 0)
		return s_err(s, RR_EINVAL, "restoring the state at icount %llu: %s",
			     (unsigned long long)st->icount, err);
	s->diverged = s->log_ended = s->exited = 0;
	if (st->have_pos) {
		int rc = cursor_to(s, &st->pos);
		if (rc != RR_OK)
			return rc;
	} else {
		s->have_head = 0;
		s->exhausted = 1;
		s->consumed = 0;
	}
	s->st = st->st;
	s->chain_id = st->chain_id;
	return RR_OK;
}

uint64_t rr_state_icount(const rr_state *st) { return st ? st->icount : 0; }

void rr_state_free(rr_state *st)
{
	if (!st)
		return;
	free(st->snap);
	free(st);
}

int rr_session_head_pos(rr_session *s, struct rrlog_pos *pos)
{
	if (s->fr)
		return -1;
	look(s);
	if (!s->have_head)
		return -1;
	return rrlog_reader_tell(s->rd, pos) < 0 ? -1 : 0;
}

uint64_t rr_session_chain_id(const rr_session *s) { return s->chain_id; }
const char *rr_session_path(const rr_session *s) { return s->fr ? rr_session_path(fr_past(s->fr)) : s->path; }

void rr_session_go_live(rr_session *s, struct emu_host *live)
{
	if (s->fr)
		return; /* a recording is live at its frontier already */
	while (s->q_head) {
		struct emu_blk_req *r = s->q_head;
		s->q_head = r->next;
		live->ops->blk_submit(live->ctx, r);
	}
	s->q_tail = NULL;
	s->live = live;
	s->log_ended = 0;
	machine_set_host(s->m, live);
}
