/* rr-run record: the recorder wraps the live host (lib/emu/host.h) and logs every
 * input it hands the machine, with the icount at which the guest saw it:
 *
 *   rtc_ns          CLOCK_VRT   value = ns
 *   entropy         RANDOM      data = bytes
 *   serial input    CHAR_READ   sub = uart, data = bytes
 *   frame received  NET         sub = device, data = frame
 *   block complete  BLOCK       sub = device, value = request id
 *   key event       ASYNC_INPUT sub = device, value = encoded event
 *   host shutdown   SHUTDOWN    sub = host-signal
 *   host reset      CHECKPOINT  sub = reset-requested
 *
 * Every --hash-interval instructions it logs a STATE_HASH (value = combined hash,
 * data = the component hashes as little-endian u64s). When the run ends it logs a
 * final STATE_HASH and, if the guest stopped itself, SHUTDOWN guest-shutdown (value
 * = exit code) or guest-reset, or host-error for a fatal guest error. The log is
 * flushed about once a second of host time and before the machine idles, so a
 * killed recorder loses at most about a second of events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "record.h"
#include "replay.h"
#include "bundle.h"
#include "rrlog/rrlog.h"
#include "recorder.h"
#include "emu/host_live.h"

struct recorder {
	struct emu_host host;
	struct emu_host *inner;
	struct machine *m;
	rrlog_writer *w;
	int failed;                 /* the writer failed: stop the machine */
	uint64_t events;
	uint64_t unflushed;         /* events appended since the last flush */
	uint64_t last_flush_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void rec_fail(struct recorder *r, int rc)
{
	char msg[300];
	if (r->failed)
		return;
	r->failed = 1;
	snprintf(msg, sizeof msg, "recording failed: %s: %s", rrlog_strerror(rc),
		 rrlog_writer_errmsg(r->w));
	if (r->m)
		machine_request_stop(r->m, MACHINE_EXIT_ERROR, msg);
}

static void rec_append(struct recorder *r, int kind, uint32_t sub, uint64_t value,
		       const void *data, size_t len)
{
	if (r->failed)
		return;
	struct rrlog_event ev = {
		.kind = kind, .sub = sub, .icount = machine_icount(r->m), .value = value,
		.data = data, .len = len,
	};
	int rc = rrlog_writer_append(r->w, &ev);
	if (rc < 0)
		rec_fail(r, rc);
	r->events++;
	r->unflushed++;
}

static void rec_flush(struct recorder *r)
{
	if (r->failed || !r->unflushed)
		return;
	int rc = rrlog_writer_flush(r->w);
	if (rc < 0)
		rec_fail(r, rc);
	r->unflushed = 0;
	r->last_flush_ns = mono_ns();
}

static uint64_t rec_rtc_ns(void *ctx)
{
	struct recorder *r = ctx;
	uint64_t v = r->inner->ops->rtc_ns(r->inner->ctx);
	rec_append(r, RRLOG_CLOCK_VRT, 0, v, NULL, 0);
	return v;
}

static void rec_entropy(void *ctx, void *buf, size_t len)
{
	struct recorder *r = ctx;
	r->inner->ops->entropy(r->inner->ctx, buf, len);
	rec_append(r, RRLOG_RANDOM, 0, 0, buf, len);
}

static uint64_t rec_next_input(void *ctx, uint64_t icount)
{
	struct recorder *r = ctx;
	if (r->unflushed && mono_ns() - r->last_flush_ns > 1000000000ull)
		rec_flush(r);
	return r->inner->ops->next_input(r->inner->ctx, icount);
}

/* Log one input the way rr_replay hands it back (see the table above). */
void rr_log_input(struct recorder *r, const struct emu_input *in)
{
	switch (in->kind) {
	case EMU_INPUT_SERIAL:
		rec_append(r, RRLOG_CHAR_READ, in->dev, 0, in->data, in->len);
		break;
	case EMU_INPUT_NET:
		rec_append(r, RRLOG_NET, in->dev, 0, in->data, in->len);
		break;
	case EMU_INPUT_BLOCK:
		rec_append(r, RRLOG_BLOCK, in->dev, in->id, NULL, 0);
		break;
	case EMU_INPUT_KEY:
		rec_append(r, RRLOG_ASYNC_INPUT, in->dev, in->id, NULL, 0);
		break;
	case EMU_INPUT_SHUTDOWN:
		rec_append(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_HOST_SIGNAL, 0, NULL, 0);
		break;
	case EMU_INPUT_RESET:
		rec_append(r, RRLOG_CHECKPOINT, RRLOG_CP_RESET_REQUESTED, 0, NULL, 0);
		break;
	}
}

static int rec_poll(void *ctx, uint64_t icount, struct emu_input *in)
{
	struct recorder *r = ctx;
	if (!r->inner->ops->poll(r->inner->ctx, icount, in))
		return 0;
	rr_log_input(r, in);
	return 1;
}

static uint64_t rec_idle(void *ctx, uint64_t icount, uint64_t deadline)
{
	struct recorder *r = ctx;
	rec_flush(r);
	return r->inner->ops->idle(r->inner->ctx, icount, deadline);
}

static void rec_blk_submit(void *ctx, struct emu_blk_req *req)
{
	struct recorder *r = ctx;
	r->inner->ops->blk_submit(r->inner->ctx, req);
}

static void rec_net_send(void *ctx, uint32_t dev, const uint8_t *f, size_t n)
{
	struct recorder *r = ctx;
	r->inner->ops->net_send(r->inner->ctx, dev, f, n);
}

static void rec_serial_write(void *ctx, uint32_t dev, const uint8_t *b, size_t n)
{
	struct recorder *r = ctx;
	r->inner->ops->serial_write(r->inner->ctx, dev, b, n);
}

static const struct emu_host_ops rec_ops = {
	.rtc_ns = rec_rtc_ns, .entropy = rec_entropy, .next_input = rec_next_input,
	.poll = rec_poll, .idle = rec_idle, .blk_submit = rec_blk_submit,
	.net_send = rec_net_send, .serial_write = rec_serial_write,
};

/* Log the machine's state hash at the current icount. */
void rr_log_hash(struct recorder *r)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(r->m, h);
	rec_append(r, RRLOG_STATE_HASH, 0, machine_hash_combine(h, n), h, n * sizeof h[0]);
}

struct recorder *rr_recorder_new(struct emu_host *inner, rrlog_writer *w)
{
	struct recorder *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->host.ops = &rec_ops;
	r->host.ctx = r;
	r->inner = inner;
	r->w = w;
	r->last_flush_ns = mono_ns();
	return r;
}

struct emu_host *rr_recorder_host(struct recorder *r) { return &r->host; }
void rr_recorder_set_machine(struct recorder *r, struct machine *m) { r->m = m; }
int rr_recorder_failed(const struct recorder *r) { return r->failed; }

/* Run the machine to its end, logging hashes every interval; then log how it ended.
 * Returns the machine exit. */
int rr_record_loop(struct recorder *r, uint64_t interval)
{
	/* Hashes are spaced by instructions executed, not by icount: an idle guest's
	 * icount leaps with virtual time but costs nothing to check. Executed
	 * instructions never outrun the icount, so stopping `left` icounts ahead never
	 * overshoots the next hash point. */
	int e;
	uint64_t last = machine_instructions(r->m);
	for (;;) {
		uint64_t done = machine_instructions(r->m) - last;
		uint64_t left = done >= interval ? 1 : interval - done;
		e = machine_run(r->m, machine_icount(r->m) + left);
		if (e != MACHINE_EXIT_ICOUNT)
			break;
		if (machine_instructions(r->m) - last >= interval) {
			rr_log_hash(r);
			last = machine_instructions(r->m);
		}
	}
	rr_record_finish(r, e);
	return e;
}

void rr_record_finish(struct recorder *r, int e)
{
	if (r->failed)
		return;
	rr_log_hash(r);
	switch (e) {
	case MACHINE_EXIT_POWEROFF:
		rec_append(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_GUEST_SHUTDOWN,
			   (uint64_t)machine_exit_code(r->m), NULL, 0);
		break;
	case MACHINE_EXIT_RESET:
		rec_append(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_GUEST_RESET, 0, NULL, 0);
		break;
	case MACHINE_EXIT_ERROR:
		rec_append(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_HOST_ERROR, 0, NULL, 0);
		break;
	default: /* HOST: the SHUTDOWN input is in the log already */
		break;
	}
}

/* Log a snapshot of the whole machine (the start of a continuation). 0 or -1. */
int rr_log_snapshot(struct recorder *r)
{
	size_t n;
	void *snap = machine_snapshot_save(r->m, &n);
	if (!snap)
		return -1;
	rec_append(r, RRLOG_SNAPSHOT, 0, 0, snap, n);
	free(snap);
	return r->failed ? -1 : 0;
}

uint64_t rr_recorder_events(const struct recorder *r) { return r->events; }

void rr_recorder_free(struct recorder *r)
{
	free(r);
}

/* Fill the header's image table: absolute paths and SHA-256 of every image. */
static int hash_images(struct machine_config *c, struct rrlog_image *img, int *nimg)
{
	const char *roles[4];
	const char **paths[4];
	int n = rr_config_images(c, roles, paths);
	for (int i = 0; i < n; i++) {
		char *abs = rr_abspath(*paths[i]);
		if (!abs) {
			fprintf(stderr, "rr-run: %s: %s\n", *paths[i], strerror(errno));
			return -1;
		}
		*paths[i] = abs;
		img[i].role = roles[i];
		img[i].path = abs;
		if (rr_image_sha256(abs, img[i].sha256, &img[i].size) < 0) {
			fprintf(stderr, "rr-run: %s: %s\n", abs, strerror(errno));
			return -1;
		}
	}
	*nimg = n;
	return 0;
}

static int record_main(struct rr_options *o)
{
	struct rrlog_image img[4];
	int nimg = 0;
	char err[512];
	if (hash_images(&o->cfg, img, &nimg) < 0)
		return RR_EXIT_ERROR;
	char *config = rr_config_text(&o->cfg);
	char tool[64], interval[32];
	snprintf(tool, sizeof tool, "rr-run %s", RRKIT_VERSION);
	snprintf(interval, sizeof interval, "%llu", (unsigned long long)o->hash_interval);
	struct rrlog_kv kv[] = { { "hash-interval", interval } };
	struct rrlog_header_info hdr = {
		.tool = tool, .config = config, .images = img, .nimages = nimg, .kv = kv, .nkv = 1,
	};
	rrlog_writer *w = NULL;
	int rc = rrlog_writer_open(o->record, &hdr, &w);
	if (rc < 0) {
		fprintf(stderr, "rr-run: %s: %s\n", o->record,
			w && *rrlog_writer_errmsg(w) ? rrlog_writer_errmsg(w) : rrlog_strerror(rc));
		rrlog_writer_abort(w);
		free(config);
		return rc == RRLOG_ETTY ? RR_EXIT_USAGE : RR_EXIT_ERROR;
	}
	int to_stdout = strcmp(o->record, "-") == 0;
	struct host_live *hl = rr_live_host_new(o, to_stdout ? 2 : 1, o->cfg.net_user, err, sizeof err);
	if (!hl) {
		fprintf(stderr, "rr-run: %s\n", err);
		rrlog_writer_abort(w);
		free(config);
		return RR_EXIT_ERROR;
	}
	struct recorder *r = rr_recorder_new(host_live_host(hl), w);
	struct machine *m = r ? machine_new(&o->cfg, rr_recorder_host(r), err, sizeof err) : NULL;
	if (!m) {
		fprintf(stderr, "rr-run: %s\n", r ? err : "out of memory");
		rr_recorder_free(r);
		host_live_free(hl);
		rrlog_writer_abort(w);
		free(config);
		return RR_EXIT_ERROR;
	}
	rr_recorder_set_machine(r, m);
	double t0 = rr_now();
	int e = rr_record_loop(r, o->hash_interval);
	rr_print_stats(o, m, t0);
	int status = rr_exit_status(m, e);
	uint64_t icount = machine_icount(m), events = rr_recorder_events(r);
	int failed = rr_recorder_failed(r);
	machine_free(m);
	host_live_free(hl);
	struct rrlog_writer_stats ws;
	rrlog_writer_stats(w, &ws);
	rc = rrlog_writer_close(w);
	if (rc < 0 || failed) {
		fprintf(stderr, "rr-run: %s: recording incomplete: %s\n", o->record, rrlog_strerror(rc));
		status = RR_EXIT_ERROR;
	} else if (!o->quiet) {
		fprintf(stderr, "rr-run: recorded %llu instructions, %llu events, %llu bytes to %s\n",
			(unsigned long long)icount, (unsigned long long)events,
			(unsigned long long)ws.bytes_written, o->record);
	}
	rr_recorder_free(r);
	free(config);
	return status;
}

int rr_run_recorded(struct rr_options *o)
{
	if (o->replay) {
		char *dir = NULL, *log = NULL;
		if (strcmp(o->replay, "-") && rr_is_bundle_file(o->replay)) {
			if (!(log = rr_bundle_extract(o->replay, &dir))) {
				rr_bundle_cleanup(dir);
				return RR_EXIT_ERROR;
			}
			o->replay = log;
		}
		int st = rr_replay_main(o);
		free(log);
		rr_bundle_cleanup(dir);
		return st;
	}
	/* -w trace.tar: record beside it, then bundle; --bundle F: keep the log too. */
	const char *bundle = o->bundle;
	char *tmp = NULL;
	if (!bundle && strcmp(o->record, "-") && rr_is_bundle_name(o->record)) {
		bundle = o->record;
		tmp = malloc(strlen(o->record) + 16);
		sprintf(tmp, "%s.rr-tmp", o->record);
		o->record = tmp;
	}
	if (bundle && strcmp(o->record, "-") == 0) {
		fprintf(stderr, "rr-run: --bundle needs -w FILE, not -w -\n");
		return RR_EXIT_USAGE;
	}
	int st = record_main(o);
	if (bundle && st != RR_EXIT_ERROR && st != RR_EXIT_USAGE) {
		if (rr_bundle_write(bundle, o->record) < 0)
			st = RR_EXIT_ERROR;
		else if (!o->quiet)
			fprintf(stderr, "rr-run: wrote bundle %s\n", bundle);
	}
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return st;
}
