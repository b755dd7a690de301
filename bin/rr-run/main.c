/* rr-run: run a RISC-V virt machine live, record it, or replay a recording. A thin
 * main over lib/replay (recording, replay sessions) and lib/host (the live world);
 * messages are formatted here, as "rr-run: FILE: message". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "rr-run.h"
#include "emu/fdt.h"
#include "emu/hart.h"
#include "replay/gdbstub.h"

static const char *prog = "rr-run";
#include "../common/msg.h"

/* "rr-run: message" for the other files of rr-run (monitor.c), through msg.h */
void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_stats(const struct rr_options *o, struct machine *m, double t0)
{
	if (!o->stats || !m)
		return;
	double dt = now() - t0;
	uint64_t n = machine_icount(m);
	msg(NULL, "stats: icount=%llu host_seconds=%.3f mips=%.1f core=%s",
		(unsigned long long)n, dt, dt > 0 ? n / dt / 1e6 : 0.0, hart_cpu_name(o->cfg.cpu));
}

static int dump_dtb(const struct rr_options *o)
{
	static uint8_t buf[64 * 1024];
	char err[256];
	if (fdt_build_virt(&o->cfg, 0, 0, buf, sizeof buf, err, sizeof err) < 0) {
		msg(NULL, "device tree: %s", err);
		return RR_EXIT_ERROR;
	}
	FILE *f = fopen(o->dumpdtb, "wb");
	if (!f || fwrite(buf, 1, fdt_virt_size(buf), f) != fdt_virt_size(buf) || fclose(f)) {
		msg(o->dumpdtb, "%s", strerror(errno));
		return RR_EXIT_ERROR;
	}
	return 0;
}

/* A machine exit as rr-run's exit status, saying what the user must know. */
static int exit_status(struct machine *m, int e)
{
	switch (e) {
	case MACHINE_EXIT_POWEROFF:
		return machine_exit_code(m) & 0xff;
	case MACHINE_EXIT_RESET:
		msg(NULL, "the guest asked for a reset (--no-reboot)");
		return 0;
	case MACHINE_EXIT_ERROR:
		msg(NULL, "%s", machine_errmsg(m));
		return RR_EXIT_ERROR;
	default:
		return 0;
	}
}

/* The live host: console on stdin and console_fd, user networking if net_user,
 * SIGINT/SIGTERM/SIGHUP as shutdown requests. */
static struct host_live *live_host(const struct rr_options *o, const struct machine_config *c,
				   int console_fd, int net_user)
{
	char err[512];
	struct host_live_config hc = {
		.stdin_fd = 0, .console_fd = console_fd, .raw_terminal = 1, .escape = 1,
		.net_user = net_user, .hostfwd = c->hostfwd,
		.icount_shift = c->icount_shift, .icount_sleep = o->icount_sleep,
		.handle_signals = 1,
	};
	struct host_live *hl = host_live_new(&hc, err, sizeof err);
	if (!hl)
		msg(NULL, "%s", err);
	return hl;
}

/* The debuggers of a replay, for the console to mute itself while they go back. */
struct debuggers {
	rr_gdb *gdb;
	rr_monitor *mon;
	int kill;                  /* the debugger ended the run (gdb kill, monitor quit) */
};
static int debug_main(const struct rr_options *o, const char *log, rr_session *s, struct debuggers *d);

static int run_live(const struct rr_options *o)
{
	char err[512];
	struct host_live *hl = live_host(o, &o->cfg, 1, o->cfg.net_user);
	if (!hl)
		return RR_EXIT_ERROR;
	struct machine *m = machine_new(&o->cfg, host_live_host(hl), err, sizeof err);
	if (!m) {
		msg(NULL, "%s", err);
		host_live_free(hl);
		return RR_EXIT_ERROR;
	}
	double t0 = now();
	int st;
	if (o->gdb || o->monitor) { /* a debugger drives the live machine */
		rr_session *s = NULL;
		struct debuggers none = { 0 }; /* a live console has nothing to mute */
		st = rr_session_live(m, &s) != RR_OK ? RR_EXIT_ERROR : debug_main(o, "live run", s, &none);
		rr_session_close(s);
	} else {
		int r = machine_run(m, UINT64_MAX);
		print_stats(o, m, t0);
		st = exit_status(m, r);
	}
	host_live_free(hl); /* first: its disk worker may still hold a request of m's */
	machine_free(m);
	return st;
}

static struct rr_record_options record_options(const struct rr_options *o, const char *continues)
{
	struct rr_record_options ro = {
		.hash_interval = o->hash_interval, .snapshot_interval = o->snapshot_interval,
		.continues = continues,
	};
	return ro;
}

/* Close a recorder, saying what was recorded; the exit status if it failed. */
static int close_recording(const struct rr_options *o, rr_recorder *r, const char *path, int status)
{
	uint64_t icount = machine_icount(rr_recorder_machine(r));
	struct rr_recorder_stats st;
	char why[800]; /* why recording failed (a full disk...), said before close frees it */
	snprintf(why, sizeof why, "%s", rr_recorder_errmsg(r));
	int rc = rr_recorder_close(r, &st);
	if (rc < 0) {
		msg(path, "recording incomplete: %s", *why ? why : rr_strerror(rc));
		return RR_EXIT_ERROR;
	}
	struct stat sb;
	if (o->stats)
		msg(NULL, "stats: snapshots=%llu snapshot_bytes=%llu snapshot_seconds=%.3f",
			(unsigned long long)st.snapshots, (unsigned long long)st.snapshot_bytes,
			st.snapshot_seconds);
	if (!o->quiet)
		msg(NULL, "recorded %llu instructions, %llu events, %llu snapshots, %llu bytes to %s",
			(unsigned long long)icount, (unsigned long long)st.events,
			(unsigned long long)st.snapshots,
			(unsigned long long)(stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size
									     : st.bytes_written), path);
	return status;
}

static int send_live(void *opaque, const struct emu_input *in) { return host_live_inject(opaque, in); }

/* -w LOG --gdb|--monitor: the debugger drives the recording (rr_session_recording:
 * back into the part recorded, on live at the frontier). When it detaches the
 * recording goes on without it; when it kills the run (gdb kill, monitor quit) the
 * recording ends at the frontier, with a host shutdown as Ctrl-A x would log.
 * RR_OK, or an error said already; *e: how the machine ended. */
static int debug_recording(const struct rr_options *o, const char *path, rr_recorder *r,
			   struct host_live *hl, int *e, int *status)
{
	struct rr_live_input in = { send_live, hl };
	rr_session *s = NULL;
	int rc = rr_session_recording(r, path, &in, &s);
	if (rc != RR_OK) {
		msg(path, "%s", rr_session_errmsg(s));
		rr_session_close(s);
		return rc;
	}
	struct debuggers d = { 0 }; /* the live console prints only new output */
	*status = debug_main(o, path, s, &d);
	struct rr_recording_info ri;
	rr_session_recording_info(s, &ri);
	if (!ri.ended) {
		if (d.kill)
			host_live_request_shutdown(hl);
		else if (!o->quiet)
			msg(NULL, "recording goes on at icount %llu without the debugger",
			    (unsigned long long)rr_session_icount(s));
		int stop;
		while ((rc = rr_session_run(s, UINT64_MAX, &stop)) == RR_OK &&
		       (stop == RR_STOP_BREAK || stop == RR_STOP_WATCH || stop == RR_STOP_ICOUNT))
			if (stop == RR_STOP_BREAK) /* one left in the guest's harts: passed */
				for (int k = 0; k < machine_nharts(rr_session_machine(s)); k++)
					machine_hart(rr_session_machine(s), k)->skip_break_once = 1;
		if (rc != RR_OK)
			msg(path, "%s", rr_session_errmsg(s));
		rr_session_recording_info(s, &ri);
	}
	*e = ri.mexit;
	rr_session_close(s);
	return rc;
}

static int record_main(const struct rr_options *o, const char *path)
{
	int to_stdout = strcmp(path, "-") == 0;
	struct host_live *hl = live_host(o, &o->cfg, to_stdout ? 2 : 1, o->cfg.net_user);
	if (!hl)
		return RR_EXIT_ERROR;
	struct rr_record_options ro = record_options(o, NULL);
	rr_recorder *r = NULL;
	int rc = rr_recorder_open(path, &o->cfg, host_live_host(hl), &ro, &r);
	if (rc < 0) {
		msg(NULL, "%s", rr_recorder_errmsg(r));
		rr_recorder_close(r, NULL);
		host_live_free(hl);
		return rc == RR_EUSAGE ? RR_EXIT_USAGE : RR_EXIT_ERROR;
	}
	struct machine *m = rr_recorder_machine(r);
	double t0 = now();
	int e, status = 0;
	if (o->gdb || o->monitor) {
		/* the session finishes the recording when the guest stops */
		rc = debug_recording(o, path, r, hl, &e, &status);
		if (rc == RR_OK && !status)
			status = exit_status(m, e);
	} else {
		rc = rr_recorder_run(r, UINT64_MAX, &e);
		print_stats(o, m, t0);
		status = exit_status(m, e);
		if (rc == RR_OK)
			rc = rr_recorder_finish(r, e);
	}
	if (rc < 0)
		status = RR_EXIT_ERROR;
	/* the live host goes first: no disk worker may still be writing */
	host_live_free(hl);
	return close_recording(o, r, path, status);
}

/* The replay's progress line; the guest's console shares the terminal with it:
 * the line is erased before console output, and not redrawn while the guest is in
 * the middle of a line on that terminal. */
static struct progress replay_progress;
static int console_tty;

static void console_out(void *opaque, uint32_t dev, const uint8_t *b, size_t n)
{
	const struct debuggers *d = opaque;
	if (d && (rr_gdb_muted(d->gdb) || rr_monitor_muted(d->mon)))
		return; /* gone back: printed already */
	if (replay_progress.on && console_tty && n) {
		progress_clear(&replay_progress);
		replay_progress.hold = b[n - 1] != '\n';
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

static int replay_status(const char *log, rr_session *s, int rc)
{
	msg(log, "%s", rr_session_errmsg(s));
	if (rc == RR_EDIVERGED)
		return RR_EXIT_DIVERGED;
	return rc == RR_EIMAGE || rc == RR_EIO || rc == RR_EMACHINE || rc == RR_ENOMEM ? RR_EXIT_ERROR
											: RR_EXIT_USAGE;
}

/* --live: the log is used up; the guest goes on in the real world (recorded into
 * o->record if given). */
static int continue_live(const struct rr_options *o, rr_session *s)
{
	struct machine *m = rr_session_machine(s);
	/* slirp's state is not in the log: a live continuation starts offline */
	struct host_live *hl = live_host(o, rr_session_config(s), 1, 0);
	if (!hl)
		return RR_EXIT_ERROR;
	if (!o->quiet)
		msg(NULL, "end of log at icount %llu: continuing live", (unsigned long long)machine_icount(m));
	rr_recorder *r = NULL;
	if (o->record) {
		rr_session_go_live(s, host_live_host(hl));
		struct rr_record_options ro = record_options(o, o->replay);
		int rc = rr_recorder_attach(o->record, rr_session_header(s), m, host_live_host(hl), &ro, &r);
		if (rc < 0) {
			msg(NULL, "%s", rr_recorder_errmsg(r));
			rr_recorder_close(r, NULL);
			host_live_free(hl);
			return RR_EXIT_ERROR;
		}
		int e;
		rc = rr_recorder_run(r, UINT64_MAX, &e);
		int status = exit_status(m, e);
		if (rc == RR_OK)
			rc = rr_recorder_finish(r, e);
		host_live_free(hl);
		return close_recording(o, r, o->record, rc < 0 ? RR_EXIT_ERROR : status);
	}
	rr_session_go_live(s, host_live_host(hl));
	int e = machine_run(m, UINT64_MAX);
	int status = exit_status(m, e);
	host_live_free(hl);
	return status;
}

/* --gdb SPEC: the run waits at its first instruction for one debugger connection
 * and is driven by it until gdb detaches, kills or disconnects. */
static int gdb_main(const struct rr_options *o, const char *log, rr_session *s, rr_gdb **gp, int *kill)
{
	char err[512];
	int lfd = rr_gdb_listen(o->gdb, err, sizeof err);
	if (lfd < 0) {
		msg(NULL, "%s", err);
		return RR_EXIT_ERROR;
	}
	if (!rr_gdb_spec_local(o->gdb))
		msg(NULL, "warning: gdb listens on %s, not on the loopback: whoever reaches it "
		    "drives the guest and reads its memory", o->gdb);
	if (!o->quiet)
		msg(log, "waiting for gdb on %s%s at icount %llu",
		    strncmp(o->gdb, "unix:", 5) && !strchr(o->gdb, ':') ? "127.0.0.1:" : "", o->gdb,
		    (unsigned long long)rr_session_icount(s));
	int fd = rr_gdb_accept(lfd, err, sizeof err);
	if (fd < 0) {
		msg(NULL, "%s", err);
		return RR_EXIT_ERROR;
	}
	struct rr_gdb_io io;
	rr_gdb_fd_io(fd, &io);
	rr_gdb *g = *gp = rr_gdb_new(s, &io);
	if (!g) {
		close(fd);
		msg(NULL, "out of memory");
		return RR_EXIT_ERROR;
	}
	int end = rr_gdb_serve(g);
	*kill = end == RR_GDB_KILLED;
	*gp = NULL;
	rr_gdb_free(g);
	close(fd);
	if (!o->quiet)
		msg(NULL, "gdb %s at icount %llu", end == RR_GDB_DETACHED ? "detached" : end == RR_GDB_KILLED
		    ? "killed the run" : "disconnected", (unsigned long long)rr_session_icount(s));
	return 0;
}

/* --gdb or --monitor over session s: the exit status (0 unless it failed). */
static int debug_main(const struct rr_options *o, const char *log, rr_session *s, struct debuggers *d)
{
	return o->gdb ? gdb_main(o, log, s, &d->gdb, &d->kill) : monitor_main(o, log, s, &d->mon, &d->kill);
}

/* Replay to the end of the log. On a terminal, in slices of about a tenth of a
 * second, between which the progress line is redrawn: the instructions done of
 * the log's total (its last event's icount), rate, time left. Stopping and going
 * on at an instruction count is exact, so the slices change nothing. */
static int replay_run(const struct rr_options *o, const char *log, rr_session *s, int *stop)
{
	struct progress *p = &replay_progress;
	uint64_t first = rr_session_icount(s), last = 0;
	progress_init(p, "replay", "instructions", first, 0, o->quiet);
	if (!p->on)
		return rr_session_run(s, UINT64_MAX, stop);
	char err[256];
	if (strcmp(log, "-") && rr_recording_span(log, &(uint64_t){ 0 }, &last, err, sizeof err) == RR_OK &&
	    last > first)
		p->total = last - first;
	console_tty = isatty(1);
	uint64_t slice = 1 << 20;
	int rc;
	do {
		double t = progress_now();
		uint64_t at = rr_session_icount(s);
		rc = rr_session_run(s, at + slice < at ? UINT64_MAX : at + slice, stop);
		if (progress_now() - t < 0.05 && slice < (1ull << 32))
			slice *= 2;
		progress_show(p, rr_session_icount(s));
	} while (rc == RR_OK && *stop == RR_STOP_ICOUNT);
	progress_clear(p);
	return rc;
}

static int replay_main(const struct rr_options *o, const char *log)
{
	/* --stop-at prints the state on stdout: the guest's output on the way is dropped */
	static struct debuggers dbgs; /* the console mutes itself while they go back */
	struct rr_session_options so = { .output = o->stop_at == UINT64_MAX ? console_out : NULL,
					 .opaque = &dbgs, .cpu = o->cfg.cpu };
	/* QEMU's rr=replay repeats the machine options: their images are the ones to use */
	const char *images[5] = { 0 };
	struct machine_config given = o->cfg;
	const char *roles[4], **paths[4];
	int nimg = o->q.replay ? rr_config_images(&given, roles, paths) : 0;
	for (int i = 0; i < nimg; i++)
		images[i] = *paths[i];
	so.images = nimg ? images : NULL;
	if (strcmp(log, "-") && access(log, R_OK)) {
		msg(log, "%s", strerror(errno));
		return RR_EXIT_USAGE; /* bad input, as in the other tools */
	}
	rr_session *s = NULL;
	int rc = rr_session_open(log, &so, &s);
	if (rc < 0) {
		int st = replay_status(log, s, rc);
		rr_session_close(s);
		return st;
	}
	char err[512];
	if (o->q.replay && o->cmdline_machine &&
	    rr_qemu_check_replay(o, rr_session_config(s), rr_session_header(s), err, sizeof err) < 0) {
		msg(log, "%s", err);
		rr_session_close(s);
		return RR_EXIT_USAGE;
	}
	struct machine *m = rr_session_machine(s);
	double t0 = now();
	int status, stop = 0;
	if (o->gdb || o->monitor) {
		status = debug_main(o, log, s, &dbgs);
		rr_session_close(s);
		return status;
	}
	if (o->stop_at != UINT64_MAX) {
		rc = rr_session_seek(s, o->stop_at);
		print_stats(o, m, t0);
		if (rc < 0) {
			status = replay_status(log, s, rc);
		} else {
			char *text = rr_state_text(m, o->json);
			status = text && fputs(text, stdout) >= 0 && fflush(stdout) == 0 ? 0 : RR_EXIT_ERROR;
			free(text);
		}
		rr_session_close(s);
		return status;
	}
	rc = replay_run(o, log, s, &stop);
	print_stats(o, m, t0);
	struct rr_session_stats st;
	rr_session_stats(s, &st);
	if (rc < 0) {
		status = replay_status(log, s, rc);
	} else if (o->live && (stop == RR_STOP_END || stop == RR_STOP_HOST)) {
		status = continue_live(o, s);
	} else if (stop == RR_STOP_END) {
		msg(log, "the log ends at icount %llu before the guest stopped%s%s", (unsigned long long)machine_icount(m), st.end_code < 0 ? ": " : "",
		    st.end_code < 0 ? rrlog_strerror(st.end_code) : "");
		status = RR_EXIT_LOG_END;
	} else {
		status = stop == RR_STOP_EXIT ? machine_exit_code(m) & 0xff : 0;
		if (!o->quiet)
			msg(NULL, "replayed %llu instructions, %llu events, %llu state hashes verified",
			    (unsigned long long)machine_icount(m),
				(unsigned long long)st.events, (unsigned long long)st.hashes);
	}
	rr_session_close(s);
	return status;
}

/* -w trace.tar: record beside it, then bundle; --bundle F: keep the log too. */
static int record_with_bundle(const struct rr_options *o)
{
	const char *bundle = o->bundle, *path = o->record;
	char *tmp = NULL;
	if (!bundle && strcmp(o->record, "-") && rr_bundle_is_name(o->record)) {
		bundle = o->record;
		if (!(tmp = malloc(strlen(o->record) + 16)))
			return RR_EXIT_ERROR;
		sprintf(tmp, "%s.rr-tmp", o->record);
		path = tmp;
	}
	if (bundle && strcmp(path, "-") == 0) {
		msg(NULL, "--bundle needs -w FILE, not -w -");
		return RR_EXIT_USAGE;
	}
	int st = record_main(o, path);
	if (bundle && st != RR_EXIT_ERROR && st != RR_EXIT_USAGE) {
		char err[600];
		if (rr_bundle_write(bundle, path, err, sizeof err) < 0) {
			msg(NULL, "%s", err);
			st = RR_EXIT_ERROR;
		} else if (!o->quiet) {
			msg(NULL, "wrote bundle %s", bundle);
		}
	}
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return st;
}

int main(int argc, char **argv)
{
	struct rr_options o;
	if (rr_parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "Try '%s --help'.\n", prog);
		rr_free_options(&o);
		return RR_EXIT_USAGE;
	}
	if (o.help) {
		rr_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("rr-run (rrkit) %s\n", RRKIT_VERSION);
		return 0;
	}
	int st;
	if (o.dumpdtb)
		st = dump_dtb(&o);
	else if (o.replay)
		st = replay_main(&o, o.replay);
	else if (o.record)
		st = record_with_bundle(&o);
	else
		st = run_live(&o);
	rr_free_options(&o);
	return st;
}
