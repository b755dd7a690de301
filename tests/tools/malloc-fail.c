/* malloc-fail: allocation-failure injection for librrlog and lib/replay (SQLite's
 * habit; tests/reliability/malloc.sh).
 *
 *   malloc-fail SCENARIO LOG WORKDIR
 *
 * Runs SCENARIO once to count its allocations, then once more for every allocation
 * k = 1, 2, ... with the k-th (only) failing (NULL, errno ENOMEM), until a run makes
 * fewer than k. Each run must end with success or an error (a code and a message),
 * never a crash, and must leave no corrupt output:
 *   writer   events, a big event and snapshots (given in pieces, the writer async as
 *            the recorder's) into a file: if every call succeeded
 *            the log validates; otherwise it validates or reads as truncated (or is
 *            empty), never as corrupt
 *   reader   LOG read to its end, seeked, its snapshots listed, validated: a read
 *            that ends cleanly has returned every event (a failure never passes for
 *            the end of the log)
 *   text     LOG's rr-dump --full text (LOG.txt) parsed line by line
 *   session  LOG replayed to its end: success means the reference's end state
 *   cut      LOG cut to a window: OUT absent (and no OUT.part) or OUT valid
 *   merge    LOG's two halves (WORKDIR/seg-00[12].rr) joined: the same
 *   bundle   a bundle of LOG written and extracted again: no OUT or a whole one;
 *            extraction gives the log or an error, and leaves no directory behind
 * Prints "SCENARIO: N allocations, each failure handled" and exits 0, or names the
 * first bad run and exits 1. Each failing run is a child process: a signal is a
 * crash; exit() called from inside a library is a failure too, except from
 * libarchive (bundle), which ends the process on some allocation failures by its
 * own design ("Fatal Internal Error in libarchive: Out of memory"): those are
 * counted and printed. Built with ASan the injection is off (ASan owns malloc):
 * each scenario then runs once, unfailed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "replay/replay.h"
#include "emu/machine.h"

#if defined(__SANITIZE_ADDRESS__)
#define INJECT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INJECT 0
#endif
#endif
#ifndef INJECT
#define INJECT 1
#endif

static long fail_at, count;
static int hit;
static volatile int in_run; /* inside the scenario: an exit() now is a library's */
static void exited(void)
{
	if (in_run)
		_exit(4);
}

#if INJECT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static int inject(void)
{
	if (!fail_at)
		return 0;
	if (++count == fail_at) {
		hit = 1;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}
void *malloc(size_t n) { return inject() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return inject() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return inject() ? NULL : __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
#endif

static const char *LOG, *DIRW;
static char why[2048];
#define BAD(...) (snprintf(why, sizeof why, __VA_ARGS__), -1)

static int file_exists(const char *p) { struct stat sb; return stat(p, &sb) == 0; }
static char *path(const char *name)
{
	static char b[4][1024];
	static int i;
	i = (i + 1) % 4;
	snprintf(b[i], sizeof b[i], "%s/%s", DIRW, name);
	return b[i];
}
/* validate with the injection off */
static int validate(const char *p)
{
	long save = fail_at;
	fail_at = 0;
	struct rrlog_validation v;
	int rc = rrlog_validate(p, &v);
	fail_at = save;
	return rc;
}

static int sc_writer(void)
{
	const char *out = path("w.rr");
	unlink(out);
	struct rrlog_kv kv[] = { { "k", "v" } };
	struct rrlog_header_info h = { .tool = "malloc-fail", .config = "ram=1", .kv = kv, .nkv = 1 };
	rrlog_writer *w = NULL;
	int all_ok = 1, rc = rrlog_writer_open(out, &h, &w);
	if (rc < 0) {
		if (w && !*rrlog_writer_errmsg(w) && rc != RRLOG_ENOMEM)
			return BAD("writer_open failed (%d) without a message", rc);
		rrlog_writer_abort(w);
		all_ok = 0;
	} else {
		static uint8_t big[3 << 20];
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = (uint8_t)(i * 2654435761u >> 13);
		/* the recorder's way: async (no thread to be had is no failure: the writer
		 * stays synchronous), snapshots given in pieces */
		rc = rrlog_writer_set_async(w, 1);
		if (rc < 0 && (rc != RRLOG_ENOMEM || !*rrlog_writer_errmsg(w)))
			return BAD("set_async failed (%d) without ENOMEM and a message", rc);
		for (int i = 0; i < 3000 && all_ok; i++) {
			struct rrlog_event ev = { .kind = RRLOG_CLOCK_VRT, .icount = i * 10, .value = i * 77u };
			if (i % 1000 == 500) {
				ev.kind = RRLOG_SNAPSHOT;
				ev.value = i;
				ev.data = big;
				ev.len = i == 500 ? sizeof big : 1000;
			} else if (i % 100 == 0) {
				ev.kind = RRLOG_NET;
				ev.data = big;
				ev.len = 70000;
			}
			if (ev.kind == RRLOG_SNAPSHOT) {
				const uint8_t *d = ev.data;
				ev.data = NULL;
				rc = rrlog_writer_begin_data(w, &ev);
				for (size_t at = 0; rc == 0 && at < ev.len; at += 4104)
					rc = rrlog_writer_write_data(w, d + at, ev.len - at < 4104 ? ev.len - at : 4104);
				if (rc == 0)
					rc = rrlog_writer_end_data(w);
			} else {
				rc = rrlog_writer_append(w, &ev);
			}
			if (rc < 0) {
				if (!*rrlog_writer_errmsg(w))
					return BAD("append failed without a message");
				all_ok = 0;
			}
		}
		if (rrlog_writer_close(w) < 0)
			all_ok = 0;
	}
	struct stat sb;
	int v = validate(out);
	if (all_ok && v != 0)
		return BAD("every call succeeded but the log does not validate (%s)", rrlog_strerror(v));
	if (!all_ok && v != 0 && v != RRLOG_ETRUNCATED &&
	    !(v == RRLOG_ENOTLOG && stat(out, &sb) == 0 && sb.st_size == 0))
		return BAD("after a failure the log reads as %s, not truncated", rrlog_strerror(v));
	return 0;
}

static uint64_t ref_events, ref_icount, ref_hash;

static int sc_reader(void)
{
	rrlog_reader *r = NULL;
	int rc = rrlog_reader_open(LOG, &r);
	if (rc < 0) {
		if (r && !*rrlog_reader_errmsg(r))
			return BAD("reader_open failed (%d) without a message", rc);
		rrlog_reader_close(r);
		return 0;
	}
	struct rrlog_event ev;
	uint64_t n = 0;
	while ((rc = rrlog_reader_next(r, &ev)) == 1)
		n++;
	if (rc == 0 && fail_at && n != ref_events)
		return BAD("the read ended cleanly after %llu events, the log has %llu",
			   (unsigned long long)n, (unsigned long long)ref_events);
	if (rc < 0 && !*rrlog_reader_errmsg(r))
		return BAD("reader_next failed (%d) without a message", rc);
	if (!fail_at)
		ref_events = n;
	const struct rrlog_snapshot_ref *list;
	size_t ns;
	rrlog_reader_snapshots(r, &list, &ns);
	if (rrlog_reader_seek(r, 1000) == 0)
		for (int i = 0; i < 5 && rrlog_reader_next(r, &ev) == 1; i++) {}
	rrlog_reader_close(r);
	struct rrlog_validation v;
	rc = rrlog_validate(LOG, &v);
	if (rc < 0 && rc != RRLOG_ENOMEM && !hit)
		return BAD("validate failed (%s) with no allocation failing", rrlog_strerror(rc));
	if (rc < 0 && !v.message[0])
		return BAD("validate failed (%d) without a message", rc);
	return 0;
}

static int sc_text(void)
{
	char p[1200];
	snprintf(p, sizeof p, "%s.txt", LOG);
	FILE *f = fopen(p, "r");
	if (!f)
		return fail_at ? 0 : BAD("%s: %s", p, strerror(errno));
	rrlog_text *t = rrlog_text_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	long nev = 0;
	static long ref_nev;
	int failed = !t;
	while (t && !failed && (k = getline(&line, &cap, f)) >= 0) {
		struct rrlog_event ev;
		int rc = rrlog_text_line(t, line, k, &ev);
		if (rc < 0) {
			if (!*rrlog_text_errmsg(t))
				return BAD("text line failed without a message");
			failed = 1;
		} else if (rc == RRLOG_TEXT_EVENT) {
			nev++;
		}
	}
	free(line);
	fclose(f);
	rrlog_text_free(t);
	if (!fail_at)
		ref_nev = nev;
	else if (!failed && t && nev != ref_nev && !hit)
		return BAD("parsed %ld events, want %ld", nev, ref_nev);
	return 0;
}

static int sc_session(void)
{
	rr_session *s = NULL;
	int rc = rr_session_open(LOG, NULL, &s);
	if (rc != RR_OK) {
		if (s && !*rr_session_errmsg(s))
			return BAD("session_open failed (%d) without a message", rc);
		rr_session_close(s);
		return 0;
	}
	int stop = 0;
	rc = rr_session_run(s, UINT64_MAX, &stop);
	if (rc != RR_OK && !*rr_session_errmsg(s))
		return BAD("session_run failed (%d) without a message", rc);
	if (rc == RR_OK) {
		uint64_t ic = rr_session_icount(s), h = machine_state_hash(rr_session_machine(s));
		if (!fail_at) {
			ref_icount = ic;
			ref_hash = h;
		} else if (ic != ref_icount || h != ref_hash) {
			return BAD("the replay succeeded but ended at icount %llu (want %llu), another state",
				   (unsigned long long)ic, (unsigned long long)ref_icount);
		}
		if (rr_session_seek(s, ref_icount / 2) != RR_OK && !*rr_session_errmsg(s))
			return BAD("seek failed without a message");
	}
	rr_session_close(s);
	return 0;
}

static int out_ok(const char *out, int rc, const char *what)
{
	char part[1100];
	snprintf(part, sizeof part, "%s.part", out);
	if (file_exists(part))
		return BAD("%s left %s", what, part);
	if (rc == RR_OK && validate(out) != 0)
		return BAD("%s succeeded but its output does not validate", what);
	if (rc != RR_OK && file_exists(out))
		return BAD("%s failed but left %s", what, out);
	return 0;
}

static int sc_cut(void)
{
	const char *out = path("cut.rr");
	unlink(out);
	uint64_t b[2] = { ref_icount / 4, ref_icount / 2 };
	const char *outs[1] = { out };
	char err[1024] = "";
	int rc = rr_cut(LOG, b, 1, outs, NULL, err, sizeof err);
	if (rc != RR_OK && !err[0])
		return BAD("rr_cut failed (%d) without a message", rc);
	return out_ok(out, rc, "rr_cut");
}

static int sc_merge(void)
{
	const char *out = path("merged.rr");
	unlink(out);
	const char *ins[2] = { path("seg-001.rr"), path("seg-002.rr") };
	char err[1024] = "";
	int rc = rr_merge(ins, 2, out, NULL, err, sizeof err);
	if (rc != RR_OK && !err[0])
		return BAD("rr_merge failed (%d) without a message", rc);
	return out_ok(out, rc, "rr_merge");
}

static int count_dir(const char *d)
{
	DIR *dd = opendir(d);
	int n = 0;
	struct dirent *de;
	while (dd && (de = readdir(dd)))
		n += de->d_name[0] != '.';
	if (dd)
		closedir(dd);
	return n;
}

/* removes the extraction directories a child left in WORKDIR/tmp */
static void clear_tmp(void)
{
	DIR *dd = opendir(path("tmp"));
	struct dirent *de;
	while (dd && (de = readdir(dd)))
		if (de->d_name[0] != '.') {
			char *d = malloc(strlen(path("tmp")) + strlen(de->d_name) + 2);
			sprintf(d, "%s/%s", path("tmp"), de->d_name);
			rr_bundle_cleanup(d);
		}
	if (dd)
		closedir(dd);
}

static int sc_bundle(void)
{
	const char *out = path("b.tar");
	unlink(out);
	char err[1024] = "";
	int rc = rr_bundle_write(out, LOG, err, sizeof err);
	if (rc < 0 && !err[0])
		return BAD("rr_bundle_write failed without a message");
	if (rc < 0 && file_exists(out))
		return BAD("rr_bundle_write failed but left %s", out);
	char part[1100];
	snprintf(part, sizeof part, "%s.part", out);
	if (file_exists(part))
		return BAD("rr_bundle_write left %s", part);
	if (rc < 0)
		return 0;
	setenv("TMPDIR", path("tmp"), 1);
	char *dir = NULL;
	err[0] = 0;
	char *log = rr_bundle_extract(out, &dir, err, sizeof err);
	if (!log && !err[0])
		return BAD("rr_bundle_extract failed without a message");
	if (log && validate(log) != 0)
		return BAD("rr_bundle_extract gave a log that does not validate");
	free(log);
	rr_bundle_cleanup(dir);
	if (count_dir(path("tmp")))
		return BAD("bundle extraction left something in %s", path("tmp"));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: malloc-fail writer|reader|text|session|cut|merge|bundle LOG WORKDIR\n");
		return 2;
	}
	LOG = argv[2];
	DIRW = argv[3];
	mkdir(path("tmp"), 0700);
	static const struct { const char *name; int (*fn)(void); } sc[] = {
		{ "writer", sc_writer }, { "reader", sc_reader }, { "text", sc_text },
		{ "session", sc_session }, { "cut", sc_cut }, { "merge", sc_merge }, { "bundle", sc_bundle },
	};
	int (*fn)(void) = NULL;
	for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++)
		if (!strcmp(argv[1], sc[i].name))
			fn = sc[i].fn;
	if (!fn) {
		fprintf(stderr, "malloc-fail: unknown scenario %s\n", argv[1]);
		return 2;
	}
	/* references first (session's icount for cut) */
	if (fn != sc_session && fn != sc_writer && sc_session() < 0) {
		fprintf(stderr, "malloc-fail: reference replay: %s\n", why);
		return 1;
	}
	if (fn(), why[0]) {
		fprintf(stderr, "malloc-fail: %s without any failure: %s\n", argv[1], why);
		return 1;
	}
	if (!INJECT) {
		printf("%s: ran once (ASan build: no injection)\n", argv[1]);
		return 0;
	}
	if (getenv("MALLOC_FAIL_AT")) { /* one run, in this process: for a debugger */
		fail_at = atol(getenv("MALLOC_FAIL_AT"));
		int rc = fn();
		fail_at = 0;
		printf("%s with allocation %ld failing: %s\n", argv[1], fail_at, rc < 0 ? why : "handled");
		return rc < 0;
	}
	/* each failing run in a child of its own: a crash is a signal there, and a
	 * library that calls exit() is caught by the atexit handler */
	long k, lib_exits = 0;
	for (k = 1;; k++) {
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid < 0) {
			perror("malloc-fail: fork");
			return 1;
		}
		if (pid == 0) {
			atexit(exited);
			fail_at = k;
			count = 0;
			hit = 0;
			in_run = 1;
			int rc = fn();
			in_run = 0;
			fail_at = 0;
			if (rc < 0)
				fprintf(stderr, "malloc-fail: %s with allocation %ld failing: %s\n", argv[1], k, why);
			_exit(rc < 0 ? 1 : hit ? 0 : 3);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0) {
			perror("malloc-fail: waitpid");
			return 1;
		}
		if (WIFSIGNALED(st)) {
			fprintf(stderr, "malloc-fail: %s with allocation %ld failing: killed by signal %d\n",
				argv[1], k, WTERMSIG(st));
			return 1;
		}
		int code = WEXITSTATUS(st);
		if (code == 3)
			break;
		if (code == 4 && fn == sc_bundle) {
			lib_exits++; /* libarchive's own "Fatal Internal Error": see the top comment */
			clear_tmp(); /* what that child could not clean up */
			continue;
		}
		if (code == 4) {
			fprintf(stderr, "malloc-fail: %s with allocation %ld failing: the process exited from "
				"inside a library\n", argv[1], k);
			return 1;
		}
		if (code)
			return 1;
	}
	if (lib_exits)
		printf("%s: %ld of the failures made libarchive end the process (its \"Fatal Internal "
		       "Error\")\n", argv[1], lib_exits);
	printf("%s: %ld allocations, each failure handled\n", argv[1], k - 1);
	return 0;
}
