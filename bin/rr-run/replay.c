/* rr-run replay: the replayer answers the machine's host interface from a log.
 *
 * The log is consumed strictly in order through one cursor (the head event): a
 * faithful replay asks for inputs in exactly the order the recording logged them.
 * next_input() names the head's icount, so the machine stops exactly there; poll()
 * hands over the head if it is an asynchronous input due now, checks a STATE_HASH,
 * and leaves synchronous events (CLOCK_VRT, RANDOM) for the guest's read at that
 * icount. Anything else is a divergence: the machine stops at once with the icount,
 * what the log expected and what the guest did. Block requests are performed
 * synchronously when their logged completion comes up (requests complete in
 * submission order, as the recorder's single disk worker did them). Frames the
 * guest sends are dropped: the network is an input, not a peer, during replay.
 * When the log runs out the machine stops (exit 3), or with --live the replayer
 * hands over to a live host and the guest goes on in the real world.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record.h"
#include "recorder.h"
#include "replay.h"
#include "rrlog/rrlog.h"
#include "emu/host_live.h"

struct replayer {
	struct emu_host host;
	rrlog_reader *rd;
	struct machine *m;
	struct rr_options *o;
	struct rrlog_event head;
	int have_head;
	int consumed;               /* head was handed out: advance before the next look */
	int end_rc;                 /* reader's final code once the log is exhausted */
	int exhausted;
	uint8_t *buf;
	size_t cap;
	struct emu_blk_req *q_head, *q_tail;
	int diverged, log_ended;
	char msg[600];
	uint64_t events, hashes;
	/* --live, and -w NEW: the continuation's recorder */
	struct host_live *hl;
	struct emu_host *live;
	rrlog_writer *w;
	struct recorder *rec;
	uint64_t hashed_at;         /* machine_instructions() at the continuation's last hash */
};

static void advance(struct replayer *p)
{
	p->consumed = 0;
	if (p->exhausted)
		return;
	int rc = rrlog_reader_next(p->rd, &p->head);
	if (rc != 1) {
		p->have_head = 0;
		p->exhausted = 1;
		p->end_rc = rc;
		return;
	}
	p->events++;
	if (p->head.len > p->cap) {
		uint8_t *nb = realloc(p->buf, p->head.len);
		if (!nb) {
			p->have_head = 0;
			p->end_rc = RRLOG_ENOMEM;
			return;
		}
		p->buf = nb;
		p->cap = p->head.len;
	}
	if (p->head.len)
		memcpy(p->buf, p->head.data, p->head.len);
	p->head.data = p->buf;
	p->have_head = 1;
}

static void look(struct replayer *p)
{
	if (p->consumed)
		advance(p);
}

static const char *event_desc(const struct rrlog_event *e, char *buf, size_t n)
{
	const char *k = rrlog_kind_name(e->kind);
	if (e->kind == RRLOG_SHUTDOWN)
		snprintf(buf, n, "%s cause=%s at icount %llu", k, rrlog_shutdown_name(e->sub),
			 (unsigned long long)e->icount);
	else
		snprintf(buf, n, "%s at icount %llu", k ? k : "?", (unsigned long long)e->icount);
	return buf;
}

static void diverge(struct replayer *p, const char *fmt_actual)
{
	char ev[128];
	if (p->diverged)
		return;
	p->diverged = 1;
	snprintf(p->msg, sizeof p->msg, "replay diverged at icount %llu: %s; the log expects %s",
		 (unsigned long long)machine_icount(p->m), fmt_actual,
		 p->have_head ? event_desc(&p->head, ev, sizeof ev) : "nothing more (end of log)");
	machine_request_stop(p->m, MACHINE_EXIT_ERROR, p->msg);
}

/* -w NEW with --live: a new log with the same header, starting with a snapshot of
 * the machine here; the recorder then wraps the live host. */
static int start_continuation(struct replayer *p)
{
	const struct rrlog_header_info *h = rrlog_reader_header(p->rd);
	struct rrlog_header_info hdr = *h;
	char interval[32];
	snprintf(interval, sizeof interval, "%llu", (unsigned long long)p->o->hash_interval);
	struct rrlog_kv kv[] = { { "hash-interval", interval }, { "continues", p->o->replay } };
	hdr.kv = kv;
	hdr.nkv = 2;
	int rc = rrlog_writer_open(p->o->record, &hdr, &p->w);
	if (rc < 0) {
		snprintf(p->msg, sizeof p->msg, "%s: %s", p->o->record,
			 p->w ? rrlog_writer_errmsg(p->w) : rrlog_strerror(rc));
		rrlog_writer_abort(p->w);
		p->w = NULL;
		machine_request_stop(p->m, MACHINE_EXIT_ERROR, p->msg);
		return -1;
	}
	p->rec = rr_recorder_new(p->live, p->w);
	if (!p->rec) {
		machine_request_stop(p->m, MACHINE_EXIT_ERROR, "out of memory");
		return -1;
	}
	rr_recorder_set_machine(p->rec, p->m);
	if (rr_log_snapshot(p->rec) < 0) {
		machine_request_stop(p->m, MACHINE_EXIT_ERROR, "cannot snapshot the machine");
		return -1;
	}
	rr_log_hash(p->rec);
	p->hashed_at = machine_instructions(p->m);
	p->live = rr_recorder_host(p->rec);
	/* End this run so the driver re-plans with hash stops. */
	machine_request_stop(p->m, MACHINE_EXIT_ICOUNT, NULL);
	return 0;
}

static void go_live(struct replayer *p)
{
	char err[256];
	/* slirp's state is not in the log: a live continuation starts offline */
	p->hl = rr_live_host_new(p->o, 1, 0, err, sizeof err);
	if (!p->hl) {
		snprintf(p->msg, sizeof p->msg, "--live: %s", err);
		machine_request_stop(p->m, MACHINE_EXIT_ERROR, p->msg);
		return;
	}
	p->live = host_live_host(p->hl);
	if (p->o->record && start_continuation(p) < 0)
		return;
	/* Requests still in flight go to the live disk worker, in order. */
	while (p->q_head) {
		struct emu_blk_req *r = p->q_head;
		p->q_head = r->next;
		p->live->ops->blk_submit(p->live->ctx, r);
	}
	p->q_tail = NULL;
	if (!p->o->quiet)
		fprintf(stderr, "rr-run: end of log at icount %llu: continuing live\n",
			(unsigned long long)machine_icount(p->m));
}

/* The log has no more events: stop (exit 3) or continue live. */
static void log_exhausted(struct replayer *p)
{
	if (p->o->live) {
		go_live(p);
		return;
	}
	p->log_ended = 1;
	machine_request_stop(p->m, MACHINE_EXIT_ICOUNT, NULL);
}

static uint64_t rep_next_input(void *ctx, uint64_t icount)
{
	struct replayer *p = ctx;
	if (p->live)
		return p->live->ops->next_input(p->live->ctx, icount);
	look(p);
	if (!p->have_head || p->head.kind == RRLOG_END) {
		log_exhausted(p);
		return icount;
	}
	if (p->head.icount < icount) {
		diverge(p, "the guest ran past a logged event without taking it");
		return icount;
	}
	return p->head.icount;
}

/* Compare the machine's state with a logged STATE_HASH; name what differs. */
static void check_hash(struct replayer *p)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(p->m, h);
	p->hashes++;
	if (machine_hash_combine(h, n) == p->head.value)
		return;
	char parts[300] = "";
	size_t logged = p->head.len / 8;
	for (int i = 0; i < n; i++) {
		uint64_t want;
		if ((size_t)i >= logged)
			break;
		memcpy(&want, p->head.data + 8 * i, 8);
		if (want != h[i]) {
			size_t l = strlen(parts);
			snprintf(parts + l, sizeof parts - l, "%s%s", l ? ", " : "", machine_hash_name(i));
		}
	}
	char what[400];
	snprintf(what, sizeof what, "the machine state differs from the recording's (%s)",
		 *parts ? parts : "component count differs");
	diverge(p, what);
}

static int rep_poll(void *ctx, uint64_t icount, struct emu_input *in)
{
	struct replayer *p = ctx;
	if (p->live)
		return p->live->ops->poll(p->live->ctx, icount, in);
	for (;;) {
		look(p);
		if (p->diverged || !p->have_head || p->head.icount > icount)
			return 0;
		if (p->head.icount < icount) {
			diverge(p, "the guest ran past a logged event without taking it");
			return 0;
		}
		struct rrlog_event *e = &p->head;
		memset(in, 0, sizeof *in);
		in->dev = e->sub;
		switch (e->kind) {
		case RRLOG_STATE_HASH:
			check_hash(p);
			p->consumed = 1;
			continue;
		case RRLOG_CHAR_READ:
			in->kind = EMU_INPUT_SERIAL;
			in->data = e->data;
			in->len = e->len;
			break;
		case RRLOG_NET:
			in->kind = EMU_INPUT_NET;
			in->data = e->data;
			in->len = e->len;
			break;
		case RRLOG_ASYNC_INPUT:
			in->kind = EMU_INPUT_KEY;
			in->id = e->value;
			break;
		case RRLOG_BLOCK: {
			struct emu_blk_req *r = p->q_head;
			if (!r || r->dev != e->sub || r->id != e->value) {
				diverge(p, r ? "the next block request in flight is another one"
					     : "no block request is in flight");
				return 0;
			}
			p->q_head = r->next;
			if (!p->q_head)
				p->q_tail = NULL;
			r->work(r);
			in->kind = EMU_INPUT_BLOCK;
			in->id = e->value;
			break;
		}
		case RRLOG_SHUTDOWN:
			if (e->sub >= RRLOG_SHUTDOWN_GUEST_SHUTDOWN)
				return 0; /* an outcome: checked when the machine stops */
			if (p->o->live) {
				p->consumed = 1;
				go_live(p);
				return 0;
			}
			in->kind = EMU_INPUT_SHUTDOWN;
			break;
		case RRLOG_CHECKPOINT:
			if (e->sub != RRLOG_CP_RESET_REQUESTED) {
				p->consumed = 1;
				continue;
			}
			in->kind = EMU_INPUT_RESET;
			break;
		case RRLOG_CLOCK_VRT:
		case RRLOG_RANDOM:
		case RRLOG_END:
			return 0; /* synchronous: the guest takes it at this icount */
		default:
			diverge(p, "the log holds an event kind rr-run never records");
			return 0;
		}
		p->consumed = 1;
		return 1;
	}
}

static uint64_t rep_rtc_ns(void *ctx)
{
	struct replayer *p = ctx;
	if (p->live)
		return p->live->ops->rtc_ns(p->live->ctx);
	look(p);
	if (p->have_head && p->head.kind == RRLOG_CLOCK_VRT && p->head.icount == machine_icount(p->m)) {
		p->consumed = 1;
		return p->head.value;
	}
	diverge(p, "the guest read the RTC");
	return 0;
}

static void rep_entropy(void *ctx, void *buf, size_t len)
{
	struct replayer *p = ctx;
	if (p->live) {
		p->live->ops->entropy(p->live->ctx, buf, len);
		return;
	}
	look(p);
	if (p->have_head && p->head.kind == RRLOG_RANDOM && p->head.icount == machine_icount(p->m) &&
	    p->head.len == len) {
		memcpy(buf, p->head.data, len);
		p->consumed = 1;
		return;
	}
	memset(buf, 0, len);
	diverge(p, "the guest read random bytes");
}

static uint64_t rep_idle(void *ctx, uint64_t icount, uint64_t deadline)
{
	struct replayer *p = ctx;
	if (p->live)
		return p->live->ops->idle(p->live->ctx, icount, deadline);
	look(p);
	if (!p->have_head)
		return icount;
	if (p->head.icount <= icount && (p->head.kind == RRLOG_CLOCK_VRT || p->head.kind == RRLOG_RANDOM)) {
		/* Every hart waits, so nothing can take this synchronous input. */
		diverge(p, "every hart is idle");
		return icount;
	}
	if (p->head.icount < deadline)
		return p->head.icount > icount ? p->head.icount : icount;
	return deadline;
}

static void rep_blk_submit(void *ctx, struct emu_blk_req *req)
{
	struct replayer *p = ctx;
	if (p->live) {
		p->live->ops->blk_submit(p->live->ctx, req);
		return;
	}
	req->next = NULL;
	if (p->q_tail)
		p->q_tail->next = req;
	else
		p->q_head = req;
	p->q_tail = req;
}

static void rep_net_send(void *ctx, uint32_t dev, const uint8_t *f, size_t n)
{
	struct replayer *p = ctx;
	if (p->live)
		p->live->ops->net_send(p->live->ctx, dev, f, n);
}

static void rep_serial_write(void *ctx, uint32_t dev, const uint8_t *b, size_t n)
{
	struct replayer *p = ctx;
	if (p->live) {
		p->live->ops->serial_write(p->live->ctx, dev, b, n);
		return;
	}
	while (n) {
		ssize_t w = write(1, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= w;
	}
}

static const struct emu_host_ops rep_ops = {
	.rtc_ns = rep_rtc_ns, .entropy = rep_entropy, .next_input = rep_next_input,
	.poll = rep_poll, .idle = rep_idle, .blk_submit = rep_blk_submit,
	.net_send = rep_net_send, .serial_write = rep_serial_write,
};

/* Find each image the header names, where it was or beside the log, and check its
 * SHA-256. Points the configuration at the files found. */
static int find_images(struct replayer *p, const struct rrlog_header_info *h,
		       struct machine_config *c, const char *logpath)
{
	const char *roles[4];
	const char **paths[4];
	int n = rr_config_images(c, roles, paths);
	char *logdir_buf = strdup(logpath);
	const char *logdir = strcmp(logpath, "-") ? dirname(logdir_buf) : ".";
	for (int i = 0; i < n; i++) {
		const struct rrlog_image *img = NULL;
		for (size_t j = 0; j < h->nimages; j++)
			if (strcmp(h->images[j].role, roles[i]) == 0)
				img = &h->images[j];
		if (!img) {
			fprintf(stderr, "rr-run: %s: the header has no hash for the %s image\n", logpath, roles[i]);
			free(logdir_buf);
			return -1;
		}
		char *base_buf = strdup(img->path);
		char beside[4096];
		snprintf(beside, sizeof beside, "%s/%s", logdir, basename(base_buf));
		free(base_buf);
		const char *cands[2] = { img->path, beside };
		const char *found = NULL;
		int mismatch = 0;
		for (int k = 0; k < 2 && !found; k++) {
			uint8_t sum[32];
			uint64_t size;
			if (access(cands[k], R_OK) != 0)
				continue;
			if (rr_image_sha256(cands[k], sum, &size) == 0 && size == img->size &&
			    memcmp(sum, img->sha256, 32) == 0)
				found = cands[k];
			else
				mismatch = k + 1;
		}
		if (!found) {
			if (mismatch)
				fprintf(stderr, "rr-run: %s: the %s image differs from the one recorded "
					"(SHA-256 or size mismatch); refusing to replay\n",
					cands[mismatch - 1], roles[i]);
			else
				fprintf(stderr, "rr-run: %s: %s image not found (looked beside the log too: %s)\n",
					img->path, roles[i], beside);
			free(logdir_buf);
			return -1;
		}
		*paths[i] = rr_own(strdup(found));
	}
	free(logdir_buf);
	return 0;
}

/* After the machine stopped by itself: the events left at this icount must say the
 * same (final hash, shutdown cause and code). 0 if they agree. */
static int check_ending(struct replayer *p, int e)
{
	uint64_t now = machine_icount(p->m);
	for (;;) {
		look(p);
		if (p->diverged)
			return -1;
		if (!p->have_head || p->head.kind == RRLOG_END)
			return 0;
		if (p->head.icount != now)
			break;
		if (p->head.kind == RRLOG_STATE_HASH) {
			check_hash(p);
			p->consumed = 1;
			continue;
		}
		if (p->head.kind == RRLOG_SHUTDOWN) {
			int want = p->head.sub == RRLOG_SHUTDOWN_GUEST_SHUTDOWN ? MACHINE_EXIT_POWEROFF
				 : p->head.sub == RRLOG_SHUTDOWN_GUEST_RESET ? MACHINE_EXIT_RESET
				 : p->head.sub == RRLOG_SHUTDOWN_HOST_ERROR ? MACHINE_EXIT_ERROR : -1;
			if (want != e || (e == MACHINE_EXIT_POWEROFF &&
					  p->head.value != (uint64_t)machine_exit_code(p->m)))
				break;
			p->consumed = 1;
			continue;
		}
		break;
	}
	char what[128];
	snprintf(what, sizeof what, "the guest stopped (%s, code %d)",
		 e == MACHINE_EXIT_POWEROFF ? "power-off" : e == MACHINE_EXIT_RESET ? "reset" : "error",
		 machine_exit_code(p->m));
	diverge(p, what);
	return -1;
}

int rr_replay_main(struct rr_options *o)
{
	rrlog_reader *rd = NULL;
	char err[512];
	int rc = rrlog_reader_open(o->replay, &rd);
	if (rc < 0) {
		fprintf(stderr, "rr-run: %s: %s\n", o->replay,
			rd && *rrlog_reader_errmsg(rd) ? rrlog_reader_errmsg(rd) : rrlog_strerror(rc));
		rrlog_reader_close(rd);
		return rc == RRLOG_EIO ? RR_EXIT_ERROR : RR_EXIT_USAGE;
	}
	const struct rrlog_header_info *h = rrlog_reader_header(rd);
	if (h->source != RRLOG_SOURCE_RRLOG) {
		fprintf(stderr, "rr-run: %s: a QEMU replay log; rr-run replays only its own "
			"recordings (rr-dump reads this one)\n", o->replay);
		rrlog_reader_close(rd);
		return RR_EXIT_USAGE;
	}
	struct replayer *p = calloc(1, sizeof *p);
	if (!p || rr_config_parse(h->config ? h->config : "", &o->cfg, err, sizeof err) < 0) {
		fprintf(stderr, "rr-run: %s: %s\n", o->replay, p ? err : "out of memory");
		free(p);
		rrlog_reader_close(rd);
		return RR_EXIT_USAGE;
	}
	p->rd = rd;
	p->o = o;
	p->host.ops = &rep_ops;
	p->host.ctx = p;
	p->consumed = 1;
	if (find_images(p, h, &o->cfg, o->replay) < 0) {
		rrlog_reader_close(rd);
		free(p);
		return RR_EXIT_ERROR;
	}
	p->m = machine_new(&o->cfg, &p->host, err, sizeof err);
	if (!p->m) {
		fprintf(stderr, "rr-run: %s\n", err);
		rrlog_reader_close(rd);
		free(p);
		return RR_EXIT_ERROR;
	}
	/* A log that continues another starts with a snapshot of the machine. */
	look(p);
	if (p->have_head && p->head.kind == RRLOG_SNAPSHOT) {
		if (machine_snapshot_load(p->m, p->head.data, p->head.len, err, sizeof err) < 0) {
			fprintf(stderr, "rr-run: %s: snapshot at icount %llu: %s\n", o->replay,
				(unsigned long long)p->head.icount, err);
			machine_free(p->m);
			rrlog_reader_close(rd);
			free(p);
			return RR_EXIT_USAGE;
		}
		p->consumed = 1;
	}
	double t0 = rr_now();
	int e;
	for (;;) {
		uint64_t stop = UINT64_MAX;
		if (p->rec) { /* the live continuation: hashes spaced as rr_record_loop does */
			uint64_t done = machine_instructions(p->m) - p->hashed_at;
			stop = machine_icount(p->m) + (done >= o->hash_interval ? 1 : o->hash_interval - done);
		}
		e = machine_run(p->m, stop);
		if (e != MACHINE_EXIT_ICOUNT || p->log_ended || p->diverged)
			break;
		if (p->rec && machine_instructions(p->m) - p->hashed_at >= o->hash_interval) {
			rr_log_hash(p->rec);
			p->hashed_at = machine_instructions(p->m);
		}
	}
	rr_print_stats(o, p->m, t0);
	if (p->rec)
		rr_record_finish(p->rec, e);
	int status;
	if (!p->diverged && !p->log_ended && e != MACHINE_EXIT_ICOUNT && !p->live)
		check_ending(p, e);
	uint64_t icount = machine_icount(p->m);
	if (p->diverged) {
		fprintf(stderr, "rr-run: %s: %s\n", o->replay, p->msg);
		status = RR_EXIT_DIVERGED;
	} else if (p->log_ended) {
		fprintf(stderr, "rr-run: %s: the log ends at icount %llu before the guest stopped%s%s\n",
			o->replay, (unsigned long long)icount,
			p->end_rc < 0 ? ": " : "",
			p->end_rc < 0 ? rrlog_reader_errmsg(rd) : "");
		status = RR_EXIT_LOG_END;
	} else {
		status = rr_exit_status(p->m, e);
		if (!o->quiet && !p->live)
			fprintf(stderr, "rr-run: replayed %llu instructions, %llu events, %llu state hashes "
				"verified\n", (unsigned long long)icount, (unsigned long long)p->events,
				(unsigned long long)p->hashes);
	}
	if (p->w) {
		int failed = p->rec && rr_recorder_failed(p->rec);
		if (rrlog_writer_close(p->w) < 0 || failed) {
			fprintf(stderr, "rr-run: %s: continuation recording incomplete\n", o->record);
			status = RR_EXIT_ERROR;
		} else if (!o->quiet) {
			fprintf(stderr, "rr-run: recorded the continuation to %s\n", o->record);
		}
	}
	machine_free(p->m);
	host_live_free(p->hl);
	rr_recorder_free(p->rec);
	rrlog_reader_close(rd);
	free(p->buf);
	free(p);
	return status;
}
