/* recorder: a host that wraps another (the live one) and logs every input it hands
 * the machine, with the icount at which the guest saw it (events.c has the table;
 * CLOCK_VRT and RANDOM are the synchronous reads).
 *
 * Besides the inputs it logs: a full SNAPSHOT at the start; a STATE_HASH every
 * hash_interval executed instructions (value = combined hash, data = the component
 * hashes as little-endian u64s); a SNAPSHOT every snapshot_interval executed
 * instructions, incremental except every full_every-th, put off while a block
 * request is in flight (the live disk worker applies requests at host-timed moments,
 * so only a quiet disk has an overlay that replay reproduces); at the end a final
 * STATE_HASH and how the guest ended (SHUTDOWN guest-shutdown value = exit code,
 * guest-reset, or host-error). The log is flushed about once a second of host time
 * and before the machine idles, so a killed recorder loses at most about a second.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "replay/internal.h"

struct rr_recorder {
	struct emu_host host;
	struct emu_host *inner;
	struct machine *m;
	int own_machine;
	struct rr_config cfg;        /* a copy with absolute paths (own_machine) */
	rrlog_writer *w;
	int err;                     /* sticky */
	char msg[700];
	struct rr_record_options o;
	uint64_t unflushed;
	uint64_t last_flush_ns;
	uint64_t hashed_at, snapped_at; /* machine_instructions() at the last hash, snapshot */
	uint64_t nsnap;
	struct rr_recorder_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int map_rrlog(int rc)
{
	switch (rc) {
	case RRLOG_ENOMEM: return RR_ENOMEM;
	case RRLOG_ETTY: return RR_EUSAGE;
	case RRLOG_EINVAL: case RRLOG_EORDER: return RR_EINVAL;
	default: return RR_EIO;
	}
}

static void rec_fail(rr_recorder *r, int rc)
{
	if (r->err)
		return;
	r->err = map_rrlog(rc);
	snprintf(r->msg, sizeof r->msg, "recording failed: %s: %s", rrlog_strerror(rc),
		 rrlog_writer_errmsg(r->w));
	if (r->m)
		machine_request_stop(r->m, MACHINE_EXIT_ERROR, r->msg);
}

static void rec_append(rr_recorder *r, const struct rrlog_event *e)
{
	if (r->err)
		return;
	struct rrlog_event ev = *e;
	ev.icount = machine_icount(r->m);
	int rc = rrlog_writer_append(r->w, &ev);
	if (rc < 0)
		rec_fail(r, rc);
	r->st.events++;
	r->unflushed++;
}

static void rec_simple(rr_recorder *r, int kind, uint32_t sub, uint64_t value, const void *d, size_t n)
{
	struct rrlog_event ev = { .kind = kind, .sub = sub, .value = value, .data = d, .len = n };
	rec_append(r, &ev);
}

static void rec_flush(rr_recorder *r)
{
	if (r->err || !r->unflushed)
		return;
	int rc = rrlog_writer_flush(r->w);
	if (rc < 0)
		rec_fail(r, rc);
	r->unflushed = 0;
	r->last_flush_ns = mono_ns();
}

static uint64_t rec_rtc_ns(void *ctx)
{
	rr_recorder *r = ctx;
	uint64_t v = r->inner->ops->rtc_ns(r->inner->ctx);
	rec_simple(r, RRLOG_CLOCK_VRT, 0, v, NULL, 0);
	return v;
}

static void rec_entropy(void *ctx, void *buf, size_t len)
{
	rr_recorder *r = ctx;
	r->inner->ops->entropy(r->inner->ctx, buf, len);
	rec_simple(r, RRLOG_RANDOM, 0, 0, buf, len);
}

static uint64_t rec_next_input(void *ctx, uint64_t icount, const struct emu_room *room)
{
	rr_recorder *r = ctx;
	if (r->unflushed && mono_ns() - r->last_flush_ns > 1000000000ull)
		rec_flush(r);
	return r->inner->ops->next_input(r->inner->ctx, icount, room);
}

static int rec_poll(void *ctx, uint64_t icount, const struct emu_room *room, struct emu_input *in)
{
	rr_recorder *r = ctx;
	if (!r->inner->ops->poll(r->inner->ctx, icount, room, in))
		return 0;
	struct rrlog_event ev;
	if (rr_input_to_event(in, &ev) == 0)
		rec_append(r, &ev);
	return 1;
}

static uint64_t rec_idle(void *ctx, uint64_t icount, uint64_t deadline, const struct emu_room *room)
{
	rr_recorder *r = ctx;
	rec_flush(r);
	return r->inner->ops->idle(r->inner->ctx, icount, deadline, room);
}

static void rec_blk_submit(void *ctx, struct emu_blk_req *req)
{
	rr_recorder *r = ctx;
	r->inner->ops->blk_submit(r->inner->ctx, req);
}

static void rec_net_send(void *ctx, uint32_t dev, const uint8_t *f, size_t n)
{
	rr_recorder *r = ctx;
	r->inner->ops->net_send(r->inner->ctx, dev, f, n);
}

static void rec_serial_write(void *ctx, uint32_t dev, const uint8_t *b, size_t n)
{
	rr_recorder *r = ctx;
	r->inner->ops->serial_write(r->inner->ctx, dev, b, n);
}

static const struct emu_host_ops rec_ops = {
	.rtc_ns = rec_rtc_ns, .entropy = rec_entropy, .next_input = rec_next_input,
	.poll = rec_poll, .idle = rec_idle, .blk_submit = rec_blk_submit,
	.net_send = rec_net_send, .serial_write = rec_serial_write,
};

static void log_hash(rr_recorder *r)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(r->m, h);
	rec_simple(r, RRLOG_STATE_HASH, 0, machine_hash_combine(h, n), h, n * sizeof h[0]);
	r->hashed_at = machine_instructions(r->m);
}

/* The recorder's snapshot sink: the blob goes to the log as the machine makes it. */
struct rec_snap {
	rr_recorder *r;
	size_t len;
};

static int rec_snap_begin(void *ctx, size_t len, const struct machine_snapshot_info *si)
{
	struct rec_snap *rs = ctx;
	rr_recorder *r = rs->r;
	struct rrlog_event ev = { .kind = RRLOG_SNAPSHOT, .icount = machine_icount(r->m),
				  .sub = si->incremental ? RRLOG_SNAP_INCREMENTAL : RRLOG_SNAP_FULL,
				  .value = si->id, .len = len };
	rs->len = len;
	return rrlog_writer_begin_data(r->w, &ev);
}

static int rec_snap_write(void *ctx, const void *p, size_t n)
{
	struct rec_snap *rs = ctx;
	return rrlog_writer_write_data(rs->r->w, p, n);
}

int rr_recorder_snapshot(rr_recorder *r)
{
	if (!r)
		return RR_EINVAL;
	if (r->err)
		return r->err;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int full_every = r->o.full_every > 0 ? r->o.full_every : 16;
	int incremental = r->nsnap % full_every != 0;
	struct rec_snap rs = { r, 0 };
	struct machine_snapshot_sink sink = { rec_snap_begin, rec_snap_write, &rs };
	int rc = machine_snapshot_stream(r->m, incremental, &sink);
	if (rc == 0)
		rc = rrlog_writer_end_data(r->w);
	/* -1 before begin() is the machine's out of memory; after it, a writer code */
	if (rc == -1 && !rs.len) {
		r->err = RR_ENOMEM;
		snprintf(r->msg, sizeof r->msg, "out of memory for a snapshot");
		machine_request_stop(r->m, MACHINE_EXIT_ERROR, r->msg);
		return r->err;
	}
	if (rc < 0) {
		rec_fail(r, rc);
		return r->err;
	}
	size_t n = rs.len;
	r->st.events++;
	r->unflushed++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->nsnap++;
	r->st.snapshots++;
	r->st.snapshot_bytes += n;
	r->st.snapshot_seconds += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	r->snapped_at = machine_instructions(r->m);
	return r->err;
}

static rr_recorder *rec_new(struct emu_host *inner, const struct rr_record_options *o)
{
	rr_recorder *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->host.ops = &rec_ops;
	r->host.ctx = r;
	r->inner = inner;
	if (o)
		r->o = *o;
	if (!r->o.hash_interval)
		r->o.hash_interval = RR_DEFAULT_HASH_INTERVAL;
	if (!r->o.snapshot_interval)
		r->o.snapshot_interval = RR_DEFAULT_SNAPSHOT_INTERVAL;
	r->last_flush_ns = mono_ns();
	return r;
}

/* The "hash-interval" and "snapshot-interval" header pairs, with the extra ones. */
static void header_kv(rr_recorder *r, struct rrlog_kv *kv, size_t *nkv, char (*num)[32])
{
	size_t n = 0;
	snprintf(num[0], 32, "%llu", (unsigned long long)r->o.hash_interval);
	kv[n++] = (struct rrlog_kv){ "hash-interval", num[0] };
	snprintf(num[1], 32, "%llu", (unsigned long long)r->o.snapshot_interval);
	kv[n++] = (struct rrlog_kv){ "snapshot-interval", num[1] };
	if (r->o.continues)
		kv[n++] = (struct rrlog_kv){ "continues", r->o.continues };
	*nkv = n;
}

static int open_writer(rr_recorder *r, const char *path, struct rrlog_header_info *hdr)
{
	int rc = rrlog_writer_open(path, hdr, &r->w);
	if (rc < 0) {
		r->err = map_rrlog(rc);
		snprintf(r->msg, sizeof r->msg, "%s: %s", path,
			 r->w && *rrlog_writer_errmsg(r->w) ? rrlog_writer_errmsg(r->w) : rrlog_strerror(rc));
		rrlog_writer_abort(r->w);
		r->w = NULL;
		return r->err;
	}
	/* blocks are compressed and written beside the guest, not in its way; without
	 * a thread the writer stays synchronous, which is only slower */
	rrlog_writer_set_async(r->w, 1);
	return r->err;
}

int rr_hash_images(struct rr_config *cfg, struct rrlog_image *img, char *err, size_t errlen)
{
	const char *roles[4];
	const char **fields[4];
	int n = rr_config_images(&cfg->mc, roles, fields);
	for (int i = 0; i < n; i++) {
		char abs[PATH_MAX];
		if (!realpath(*fields[i], abs)) {
			snprintf(err, errlen, "%s: %s", *fields[i], strerror(errno));
			return -1;
		}
		if (rr_config_set(cfg, fields[i], abs) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		img[i].role = roles[i];
		img[i].path = *fields[i];
		if (rr_image_sha256(*fields[i], img[i].sha256, &img[i].size) < 0) {
			snprintf(err, errlen, "%s: %s", *fields[i], strerror(errno));
			return -1;
		}
	}
	return n;
}

int rr_recorder_open(const char *path, const struct machine_config *cfg, struct emu_host *inner,
		     const struct rr_record_options *o, rr_recorder **out)
{
	rr_recorder *r = *out = rec_new(inner, o);
	if (!r)
		return RR_ENOMEM;
	/* Our own copy of the configuration: its paths become absolute. */
	r->cfg.mc = *cfg;
	const char **strs[] = { &r->cfg.mc.bios, &r->cfg.mc.kernel, &r->cfg.mc.initrd,
				&r->cfg.mc.append, &r->cfg.mc.drive, &r->cfg.mc.hostfwd };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (*strs[i] && rr_config_set(&r->cfg, strs[i], *strs[i]) < 0) {
			snprintf(r->msg, sizeof r->msg, "out of memory");
			return r->err = RR_ENOMEM;
		}
	struct rrlog_image img[4];
	int nimg = rr_hash_images(&r->cfg, img, r->msg, sizeof r->msg);
	if (nimg < 0)
		return r->err = RR_EIMAGE;
	char *config = rr_config_text(&r->cfg.mc);
	if (!config) {
		snprintf(r->msg, sizeof r->msg, "out of memory");
		return r->err = RR_ENOMEM;
	}
	char tool[64], num[2][32];
	struct rrlog_kv kv[3];
	size_t nkv;
	snprintf(tool, sizeof tool, "rr-run %s", RRKIT_VERSION);
	header_kv(r, kv, &nkv, num);
	struct rrlog_header_info hdr = {
		.tool = tool, .config = config, .images = img, .nimages = nimg, .kv = kv, .nkv = nkv,
	};
	int rc = open_writer(r, path, &hdr);
	free(config);
	if (rc)
		return rc;
	char err[512];
	r->m = machine_new(&r->cfg.mc, &r->host, err, sizeof err);
	if (!r->m) {
		snprintf(r->msg, sizeof r->msg, "%s", err);
		return r->err = RR_EMACHINE;
	}
	r->own_machine = 1;
	return rr_recorder_snapshot(r);
}

int rr_recorder_attach(const char *path, const struct rrlog_header_info *h, struct machine *m,
		       struct emu_host *inner, const struct rr_record_options *o, rr_recorder **out)
{
	rr_recorder *r = *out = rec_new(inner, o);
	if (!r)
		return RR_ENOMEM;
	char num[2][32];
	struct rrlog_kv kv[3];
	struct rrlog_header_info hdr = *h;
	header_kv(r, kv, &hdr.nkv, num);
	hdr.kv = kv;
	if (open_writer(r, path, &hdr))
		return r->err;
	r->m = m;
	machine_set_host(m, &r->host);
	if (rr_recorder_snapshot(r))
		return r->err;
	log_hash(r);
	return r->err;
}

struct machine *rr_recorder_machine(rr_recorder *r) { return r ? r->m : NULL; }

int rr_recorder_run(rr_recorder *r, uint64_t stop_icount, int *mexit)
{
	/* Hashes and snapshots are spaced by instructions executed, not by icount: an
	 * idle guest's icount leaps with virtual time but costs nothing to check or to
	 * seek over. Executed instructions never outrun the icount, so stopping `left`
	 * icounts ahead never overshoots the next point. */
	int e = MACHINE_EXIT_ERROR;
	if (r->err) {
		*mexit = e;
		return r->err;
	}
	for (;;) {
		uint64_t done = machine_instructions(r->m);
		uint64_t dh = done - r->hashed_at, ds = done - r->snapped_at;
		uint64_t left = dh >= r->o.hash_interval ? 1 : r->o.hash_interval - dh;
		if (r->o.snapshot_interval != UINT64_MAX) {
			uint64_t ls = ds >= r->o.snapshot_interval ? 1 : r->o.snapshot_interval - ds;
			if (ls < left)
				left = ls;
		}
		uint64_t now = machine_icount(r->m);
		uint64_t stop = now + left < now ? UINT64_MAX : now + left;
		if (stop > stop_icount)
			stop = stop_icount;
		e = machine_run(r->m, stop);
		if (e != MACHINE_EXIT_ICOUNT)
			break;
		done = machine_instructions(r->m);
		if (done - r->hashed_at >= r->o.hash_interval)
			log_hash(r);
		/* put off while the disk is busy: see the top comment */
		if (r->o.snapshot_interval != UINT64_MAX && done - r->snapped_at >= r->o.snapshot_interval &&
		    !machine_io_inflight(r->m))
			rr_recorder_snapshot(r);
		if (r->err || machine_icount(r->m) >= stop_icount)
			break;
	}
	*mexit = e;
	return r->err;
}

int rr_recorder_finish(rr_recorder *r, int e)
{
	if (!r)
		return RR_EINVAL;
	if (r->err)
		return r->err;
	log_hash(r);
	switch (e) {
	case MACHINE_EXIT_POWEROFF:
		rec_simple(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_GUEST_SHUTDOWN,
			   (uint64_t)machine_exit_code(r->m), NULL, 0);
		break;
	case MACHINE_EXIT_RESET:
		rec_simple(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_GUEST_RESET, 0, NULL, 0);
		break;
	case MACHINE_EXIT_ERROR:
		rec_simple(r, RRLOG_SHUTDOWN, RRLOG_SHUTDOWN_HOST_ERROR, 0, NULL, 0);
		break;
	default: /* HOST: the SHUTDOWN input is in the log already */
		break;
	}
	rec_flush(r); /* a write error (a full disk) is reported here, with its message */
	return r->err;
}

int rr_recorder_close(rr_recorder *r, struct rr_recorder_stats *st)
{
	if (!r)
		return RR_OK;
	int rc = r->err;
	if (r->w) {
		struct rrlog_writer_stats ws;
		rrlog_writer_stats(r->w, &ws);
		int wrc = rrlog_writer_close(r->w);
		r->st.bytes_written = ws.bytes_written; /* before END, index and footer */
		if (wrc < 0 && !rc) {
			rc = map_rrlog(wrc);
			snprintf(r->msg, sizeof r->msg, "%s", rrlog_strerror(wrc));
		}
	}
	if (st)
		*st = r->st;
	if (r->own_machine)
		machine_free(r->m);
	rr_config_clear(&r->cfg);
	free(r);
	return rc;
}

int rr_recorder_sync(rr_recorder *r, int ended)
{
	if (!r)
		return RR_EINVAL;
	if (!ended && !r->err) {
		log_hash(r);
		if (r->o.snapshot_interval != UINT64_MAX && !machine_io_inflight(r->m) &&
		    machine_instructions(r->m) - r->snapped_at >= RR_SYNC_SNAPSHOT_MIN)
			rr_recorder_snapshot(r);
	}
	rec_flush(r);
	return r->err;
}

const char *rr_recorder_errmsg(const rr_recorder *r)
{
	return r ? r->msg : "out of memory";
}

void rr_recorder_stats(const rr_recorder *r, struct rr_recorder_stats *st)
{
	*st = r->st;
	if (r->w) {
		struct rrlog_writer_stats ws;
		rrlog_writer_stats(r->w, &ws);
		st->bytes_written = ws.bytes_written;
	}
}
