/* rr-diff: find where two rrkit (or QEMU 7.2 replay) logs first differ.
 *
 * Both logs are read as streams, event by event, through librrlog: memory stays a few
 * events whatever their size.  Equal events are only remembered (the last -C of them,
 * with at most DATA_SHOW bytes of data each) as context; at the first difference the
 * next few events of each side are read in full to print them and to tell a changed
 * event from one that only one log has.  Event lines are printed exactly as rr-dump(1)
 * prints them, prefixed as diff(1) does: "  " common, "< " first log, "> " second.
 * man/rr-diff.1 documents the output; exit 0 same, 1 different, 2 trouble. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "rrlog/rrlog.h"
#include "replay/replay.h"

#ifndef RRKIT_VERSION
#define RRKIT_VERSION "0.0.0"
#endif

static const char *prog = "rr-diff";

#include "../common/out.h"
#include "../common/msg.h"

/* ---- events as rr-dump prints them (librrlog's rrlog_format_event) ---- */

#define DATA_SHOW RRLOG_FMT_DATA_SHOW /* data bytes shown, as rr-dump without --full */
static int opt_json, opt_quiet;

/* An event kept beyond the reader's next call: the fields and the first `have` bytes
 * of its data (all of it in the window after a difference, DATA_SHOW in the context). */
struct evc {
	int kind;
	uint32_t sub;
	uint64_t icount, value;
	size_t len, have;
	int nodata;             /* the reader skipped the data (an ignored kind) */
	uint8_t *data;
	size_t cap;
};

static void evc_set(struct evc *c, const struct rrlog_event *ev, size_t keep)
{
	c->kind = ev->kind; c->sub = ev->sub; c->icount = ev->icount; c->value = ev->value;
	c->len = ev->len;
	c->nodata = ev->len && !ev->data;
	size_t n = c->nodata ? 0 : (ev->len < keep ? ev->len : keep);
	if (n > c->cap) {
		uint8_t *p = realloc(c->data, n);
		if (!p) { msg(NULL, "out of memory"); exit(2); }
		c->data = p; c->cap = n;
	}
	if (n) memcpy(c->data, ev->data, n);
	c->have = n;
}

/* Which fields of two complete events differ: a bit mask. */
enum { DF_KIND = 1, DF_ICOUNT = 2, DF_SUB = 4, DF_VALUE = 8, DF_DATA = 16 };
static int ev_cmp(int kind, uint32_t sub, uint64_t icount, uint64_t value, const uint8_t *d, size_t len,
                  const struct evc *b)
{
	int m = 0;
	if (kind != b->kind) m |= DF_KIND;
	if (icount != b->icount) m |= DF_ICOUNT;
	if (sub != b->sub) m |= DF_SUB;
	if (value != b->value) m |= DF_VALUE;
	if (len != b->len || (len && (!d || !b->data || memcmp(d, b->data, len)))) m |= DF_DATA;
	return m;
}
static int evc_cmp(const struct evc *a, const struct evc *b)
{
	return ev_cmp(a->kind, a->sub, a->icount, a->value, a->data, a->len, b);
}
static int ev_equal(const struct rrlog_event *a, const struct rrlog_event *b)
{
	return a->kind == b->kind && a->icount == b->icount && a->sub == b->sub && a->value == b->value &&
	       a->len == b->len && (!a->len || (a->data && b->data && !memcmp(a->data, b->data, a->len)));
}

static void okey(const char *k) { okey_json(k, opt_json); }

/* One event line: text "P icount=N kind=K ..." with P = "  ", "< " or "> ";
 * JSON {"side":"both|a|b","icount":N,...}. */
static void print_evc(const char *side, const struct evc *e, int is_qemu)
{
	struct rrlog_event ev = { .kind = e->kind, .sub = e->sub, .icount = e->icount, .value = e->value,
				  .data = e->nodata ? NULL : e->data, .len = e->len };
	unsigned fl = (opt_json ? RRLOG_FMT_JSON : 0) | (is_qemu ? RRLOG_FMT_QEMU : 0);
	char line[1024];
	size_t n = rrlog_format_event(&ev, fl, line, sizeof line);
	if (n >= sizeof line) { /* cannot happen without RRLOG_FMT_FULL: cut, say so */
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (opt_json) {
		ostr("{\"side\":\""); ostr(side); ostr("\",");
		omem(line + 1, n - 1);
	} else {
		ostr(!strcmp(side, "a") ? "< " : !strcmp(side, "b") ? "> " : "  ");
		omem(line, n);
	}
}

/* ---- one side of the comparison ---- */

struct side {
	const char *path, *name;        /* name: "(stdin)" for "-" */
	char tag;                       /* 'a' or 'b' */
	rrlog_reader *r;
	int rc;                         /* last rrlog_reader_next: 1 event, 0 end, < 0 error */
	struct rrlog_event ev;
	int is_qemu;
};

static uint8_t ignored[RRLOG_KIND_COUNT];

static void next(struct side *s)
{
	while ((s->rc = rrlog_reader_next(s->r, &s->ev)) == 1 && ignored[s->ev.kind])
		;
}

static const char *what_for(int rc)
{
	switch (rc) {
	case RRLOG_ETRUNCATED: return "truncated";
	case RRLOG_ECORRUPT: return "corrupt";
	case RRLOG_ENOTLOG: return "not a log";
	default: return "unreadable";
	}
}

static int done(int code);
static void trouble(const struct side *s)
{
	oflush();
	fflush(stdout);
	msg(s->name, "%s: %s", what_for(s->rc), rrlog_reader_errmsg(s->r));
	exit(done(2));
}

/* ---- header comparison ---- */

static int hdr_diffs;

/* "header field=F [NAME=\"V\"]": NAME is role (images) or key (meta). */
static void hdr_open(const char *field, const char *name, const char *v)
{
	hdr_diffs++;
	if (opt_quiet) return;
	if (opt_json) {
		ostr("{\"header\":{\"field\":\""); ostr(field); ochar('"');
		if (name) { ostr(",\""); ostr(name); ostr("\":"); oqs(v, 1); }
	} else {
		ostr("header field="); ostr(field);
		if (name) { ochar(' '); ostr(name); ochar('='); oqs(v, 0); }
		ochar('\n');
	}
}
static void hdr_str(const char *field, const char *a, const char *b, const char *prefix)
{
	if (!strcmp(a ? a : "", b ? b : "")) return;
	hdr_open(field, NULL, NULL);
	if (opt_quiet) return;
	if (opt_json) {
		ostr(",\"a\":"); oqs(a, 1); ostr(",\"b\":"); oqs(b, 1); ostr("}}\n");
	} else {
		ostr("< # "); ostr(prefix); oqs(a, 0); ostr("\n---\n> # "); ostr(prefix); oqs(b, 0); ochar('\n');
	}
}
static void oimage(const struct rrlog_image *im)
{
	if (opt_json) {
		if (!im) { ostr("null"); return; }
		ostr("{\"role\":"); oqs(im->role, 1); ostr(",\"path\":"); oqs(im->path, 1);
		ostr(",\"size\":"); ou64(im->size); ostr(",\"sha256\":\""); ohex(im->sha256, 32); ostr("\"}");
		return;
	}
	ostr("image role="); oqs(im->role, 0); ostr(" path="); oqs(im->path, 0);
	ostr(" size="); ou64(im->size); ostr(" sha256="); ohex(im->sha256, 32);
}
static const struct rrlog_image *find_image(const struct rrlog_header_info *h, const char *role)
{
	for (size_t i = 0; i < h->nimages; i++)
		if (!strcmp(h->images[i].role ? h->images[i].role : "", role ? role : "")) return &h->images[i];
	return NULL;
}
/* Images are compared by role, size and content (not by path: the same file moved). */
static void hdr_image(const struct rrlog_image *a, const struct rrlog_image *b)
{
	if (a && b && a->size == b->size && !memcmp(a->sha256, b->sha256, 32)) return;
	hdr_open("image", "role", a ? a->role : b->role);
	if (opt_quiet) return;
	if (opt_json) {
		ostr(",\"a\":"); oimage(a); ostr(",\"b\":"); oimage(b); ostr("}}\n");
		return;
	}
	if (a) { ostr("< # "); oimage(a); ochar('\n'); }
	ostr("---\n");
	if (b) { ostr("> # "); oimage(b); ochar('\n'); }
}
static void hdr_meta(const char *key, const char *a, const char *b)
{
	if (a && b && !strcmp(a, b)) return;
	hdr_open("meta", "key", key);
	if (opt_quiet) return;
	if (opt_json) {
		ostr(",\"a\":"); if (a) oqs(a, 1); else ostr("null");
		ostr(",\"b\":"); if (b) oqs(b, 1); else ostr("null");
		ostr("}}\n");
		return;
	}
	if (a) { ostr("< # meta "); ostr(key); ochar('='); oqs(a, 0); ochar('\n'); }
	ostr("---\n");
	if (b) { ostr("> # meta "); ostr(key); ochar('='); oqs(b, 0); ochar('\n'); }
}

static void compare_headers(const struct rrlog_header_info *a, const struct rrlog_header_info *b)
{
	char va[64], vb[64];
	snprintf(va, sizeof va, "%s %#x", a->source == RRLOG_SOURCE_QEMU ? "qemu-replay" : "rrlog", a->version);
	snprintf(vb, sizeof vb, "%s %#x", b->source == RRLOG_SOURCE_QEMU ? "qemu-replay" : "rrlog", b->version);
	hdr_str("format", va, vb, "format=");
	hdr_str("tool", a->tool, b->tool, "tool=");
	hdr_str("config", a->config, b->config, "config=");
	for (size_t i = 0; i < a->nimages; i++)
		hdr_image(&a->images[i], find_image(b, a->images[i].role));
	for (size_t i = 0; i < b->nimages; i++)
		if (!find_image(a, b->images[i].role)) hdr_image(NULL, &b->images[i]);
	for (size_t i = 0; i < a->nkv; i++)
		hdr_meta(a->kv[i].key, a->kv[i].value, rrlog_header_get(b, a->kv[i].key));
	for (size_t i = 0; i < b->nkv; i++)
		if (!rrlog_header_get(a, b->kv[i].key)) hdr_meta(b->kv[i].key, NULL, b->kv[i].value);
}

/* ---- the difference ---- */

/* Reads side s's window: its current event (if any) and up to n-1 more, in full.
 * Returns how many; *end gets the rc that ended it (1 if the window is full). */
static size_t fill(struct side *s, struct evc *w, size_t n, int *end)
{
	size_t k = 0;
	while (k < n && s->rc == 1) {
		evc_set(&w[k++], &s->ev, s->ev.len);
		if (k < n) next(s);
	}
	*end = k == n ? 1 : s->rc;
	return k;
}

/* x[0..] matches y[0..] for the first min(nx, ny, 2) events (at least one). */
static int aligned(const struct evc *x, size_t nx, const struct evc *y, size_t ny)
{
	size_t k = nx < ny ? nx : ny;
	if (k > 2) k = 2;
	if (!k) return 0;
	for (size_t i = 0; i < k; i++)
		if (evc_cmp(&x[i], &y[i])) return 0;
	return 1;
}

static void okv_event(const char *pre, const struct evc *e)
{
	char k[32];
	snprintf(k, sizeof k, "%skind", pre);
	okey(k);
	if (opt_json) ochar('"');
	ostr(rrlog_kind_name(e->kind));
	if (opt_json) ochar('"');
	snprintf(k, sizeof k, "%sicount", pre);
	okey(k);
	ou64(e->icount);
}

/* The end of one side's window, when the log stops inside it. */
static void print_stop(struct side *s, int end)
{
	if (end == 1) return;
	const char *why = end == 0 ? "end of log" : rrlog_reader_errmsg(s->r);
	if (opt_json) {
		ostr("{\"side\":\""); ochar(s->tag); ostr("\",\"stop\":\"");
		ostr(end == 0 ? "end" : what_for(end)); ostr("\",\"message\":"); oqs(why, 1); ostr("}\n");
	} else {
		ostr(s->tag == 'a' ? "< # " : "> # ");
		ostr(end == 0 ? "end" : what_for(end)); ostr(": "); ostr(why); ochar('\n');
	}
}

/* What main holds, freed before it returns (a leak checker sees nothing held). */
static struct side *g_sides[2];
static struct evc *g_bufs[3];
static size_t g_nbuf[3];
static int done(int code)
{
	for (int i = 0; i < 2; i++)
		if (g_sides[i]) { rrlog_reader_close(g_sides[i]->r); g_sides[i]->r = NULL; }
	for (int i = 0; i < 3; i++) {
		for (size_t j = 0; g_bufs[i] && j < g_nbuf[i]; j++) free(g_bufs[i][j].data);
		free(g_bufs[i]);
		g_bufs[i] = NULL;
	}
	return code;
}

/* --rr-run PATH: the other build, asked for its state with --stop-at N --json. */
struct other_build { const char *rr_run, *log; };

static int other_probe(void *ctx, uint64_t icount, uint64_t *hash, char **json, char *err, size_t errlen)
{
	const struct other_build *o = ctx;
	int p[2];
	if (pipe(p) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return RR_EIO;
	}
	char n[32];
	snprintf(n, sizeof n, "%llu", (unsigned long long)icount);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) { dup2(null, 0); dup2(null, 2); }
		execl(o->rr_run, o->rr_run, "-r", o->log, "--stop-at", n, "--json", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return RR_EIO;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = 2 * cap + 8192);
			if (!nb) break;
			buf = nb;
		}
		ssize_t k = read(p[0], buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) break;
		len += k;
	}
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (buf) buf[len] = 0;
	const char *h = buf ? strstr(buf, "\"hash\":\"0x") : NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !h) {
		snprintf(err, errlen, "%s -r %s --stop-at %s failed (exit %d)", o->rr_run, o->log, n,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(buf);
		return RR_EINVAL;
	}
	*hash = strtoull(h + 8, NULL, 16);  /* past "hash":" */
	if (json)
		*json = buf;
	else
		free(buf);
	return RR_OK;
}

/* --replay: the first instruction at which the two machines differ. */
static int replay_diff(const char *a, const char *b, const char *other_rr_run)
{
	if (!strcmp(a, "-") || (b && !strcmp(b, "-"))) {
		msg(NULL, "--replay seeks in the recordings: give files, not -");
		return 2;
	}
	struct rr_replay_diff res;
	char *report = NULL, err[1024];
	struct other_build ob = { other_rr_run, a };
	/* two recordings: instructions compared of the common span; against another
	 * build (one call that cannot say how far it is): the time it takes */
	struct ticker tk;
	struct progress pg;
	struct rr_progress pr = { progress_report, &pg };
	int rc;
	if (other_rr_run) {
		ticker_start(&tk, "replaying and comparing with the other build", opt_quiet);
		rc = rr_replay_diff_oracle(a, other_probe, &ob, opt_json, &res, &report, err, sizeof err);
		ticker_stop(&tk);
	} else {
		progress_init(&pg, "comparing the replays", "instructions", 0, 0, opt_quiet);
		rc = rr_replay_diff(a, b, opt_json, &res, &report, pg.on ? &pr : NULL, err, sizeof err);
		progress_clear(&pg);
	}
	if (rc != RR_OK) {
		msg(NULL, "%s", err);
		free(report);
		return 2;
	}
	if (!opt_quiet) {
		if (res.same)
			msg(NULL, "the two replays agree through icount %llu", (unsigned long long)res.icount);
		else
			msg(NULL, "the machines first differ at icount %llu (%d differences)",
			    (unsigned long long)res.icount, res.differences);
		if (report)
			ostr(report);
		oflush();
	}
	free(report);
	return res.same ? 0 : 1;
}

int main(int argc, char **argv)
{
	enum { O_JSON = 256, O_IGNORE, O_IGNORE_HDR, O_REPLAY, O_VERSION, O_RRRUN };
	static const struct option lo[] = {
		{ "context", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ignore", required_argument, NULL, O_IGNORE },
		{ "ignore-header", no_argument, NULL, O_IGNORE_HDR },
		{ "replay", no_argument, NULL, O_REPLAY },
		{ "rr-run", required_argument, NULL, O_RRRUN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	long context = 3;
	int c, ignore_hdr = 0, replay = 0;
	const char *other_rr_run = NULL;
	char *e;
	while ((c = getopt_long_only(argc, argv, ":C:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'C':
			errno = 0;
			context = strtol(optarg, &e, 10);
			if (!*optarg || *e || errno || context < 0 || context > 1000000) {
				fprintf(stderr, "%s: bad context '%s' (a number of events, 0 or more)\n"
				        "Try '%s --help'.\n", prog, optarg, prog);
				return 2;
			}
			break;
		case O_JSON: opt_json = 1; break;
		case 'q': opt_quiet = 1; break;
		case O_IGNORE: {
			char *dup = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int k = rrlog_kind_from_name(t);
				if (k < 0 || k == RRLOG_END) {
					fprintf(stderr, "%s: %s kind '%s'; kinds:", prog,
					        k < 0 ? "unknown" : "cannot ignore the", t);
					for (int i = 0; i < RRLOG_KIND_COUNT; i++)
						if (i != RRLOG_END) fprintf(stderr, " %s", rrlog_kind_name(i));
					fprintf(stderr, "\n");
					free(dup);
					return 2;
				}
				ignored[k] = 1;
			}
			free(dup);
			break;
		}
		case O_IGNORE_HDR: ignore_hdr = 1; break;
		case O_REPLAY: replay = 1; break;
		case O_RRRUN: other_rr_run = optarg; break;
		case 'h':
			printf("usage: %s [options] A B\n"
			"Compare two rrkit event logs (or QEMU 7.2 replay logs) event by event and print\n"
			"the first difference, with a few events of context from both: lines from A\n"
			"start with '<', lines from B with '>', common lines with two spaces.\n"
			"Header differences (format, tool, config, images, meta) are printed first.\n"
			"  -C, --context N     N events of context before and after (default 3)\n"
			"  --json              JSON Lines instead of text\n"
			"  -q, --quiet         print nothing; the exit status says it\n"
			"  --ignore KIND,...   skip events of these kinds in both logs (repeatable),\n"
			"                      e.g. STATE_HASH,SNAPSHOT\n"
			"  --ignore-header     do not compare the headers\n"
			"  --replay            replay both recordings and find the first instruction at\n"
			"                      which the machines differ (bisection over seeks), then\n"
			"                      list every differing register, RAM page and device\n"
			"  --rr-run PATH       with --replay and one log: compare this build's replay with\n"
			"                      that of the rr-run at PATH (a determinism bug hunt)\n"
			"  -h, --help          this help;  --version  the version\n"
			"A or B may be - (standard input), not both.\n"
			"Exit status: 0 same, 1 different (a log that is a truncated prefix of the\n"
			"other differs at its end), 2 trouble (usage, missing, unreadable or corrupt log).\n",
			prog);
			return 0;
		case O_VERSION: printf("rr-diff (rrkit) %s\n", RRKIT_VERSION); return 0;
		default: option_error(c, argv);
		}
	}
	if (other_rr_run) {
		if (!replay || optind + 1 != argc) {
			msg(NULL, "--rr-run PATH goes with --replay and one log\nTry '%s --help'.", prog);
			return 2;
		}
		return replay_diff(argv[optind], NULL, other_rr_run);
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog,
		        optind + 2 > argc ? "two logs needed: A B (- for standard input)" : "too many arguments", prog);
		return 2;
	}
	if (replay)
		return replay_diff(argv[optind], argv[optind + 1], NULL);
	struct side sa = { .path = argv[optind], .tag = 'a' }, sb = { .path = argv[optind + 1], .tag = 'b' };
	if (!strcmp(sa.path, "-") && !strcmp(sb.path, "-")) {
		msg(NULL, "only one of A and B can be - (standard input)");
		return 2;
	}
	uint32_t skip = 0;
	for (int k = 0; k < RRLOG_KIND_COUNT; k++) if (ignored[k]) skip |= 1u << k;
	struct side *sides[2] = { &sa, &sb };
	g_sides[0] = &sa;
	g_sides[1] = &sb;
	for (int i = 0; i < 2; i++) {
		struct side *s = sides[i];
		s->name = strcmp(s->path, "-") ? s->path : "(stdin)";
		s->rc = rrlog_reader_open(s->path, &s->r);
		if (s->rc) {
			msg(NULL, "%s: %s", s->name,
			        s->r ? rrlog_reader_errmsg(s->r) : rrlog_strerror(s->rc));
			return done(2);
		}
		s->is_qemu = rrlog_reader_header(s->r)->source == RRLOG_SOURCE_QEMU;
		if (skip) rrlog_reader_skip_data(s->r, skip);
	}
	if (!ignore_hdr) {
		compare_headers(rrlog_reader_header(sa.r), rrlog_reader_header(sb.r));
		if (hdr_diffs && opt_quiet) return done(1);
	}

	/* The common events: a ring of the last `context` of them, display copies. */
	struct evc *ring = calloc(context ? context : 1, sizeof *ring);
	g_bufs[0] = ring;
	g_nbuf[0] = context;
	uint64_t nsame = 0;
	/* progress: bytes of A read, of its size */
	struct progress pr;
	struct stat sta;
	progress_init(&pr, "compare", "bytes of A", 0, strcmp(sa.name, "(stdin)") && !stat(sa.name, &sta)
		      ? (uint64_t)sta.st_size : 0, opt_quiet);
	struct rrlog_reader_stats rs;
	if (!ring) { msg(NULL, "out of memory"); return done(2); }
	for (;;) {
		next(&sa);
		next(&sb);
		if (sa.rc != 1 || sb.rc != 1 || !ev_equal(&sa.ev, &sb.ev)) break;
		if (context) evc_set(&ring[nsame % context], &sa.ev, DATA_SHOW);
		nsame++;
		if (pr.on && (!(nsame & 0xffff) || !pr.every)) {
			rrlog_reader_stats(sa.r, &rs);
			progress_show(&pr, rs.bytes_read);
		}
	}
	progress_clear(&pr);
	/* A log that cannot be read (corrupt, I/O) is trouble; a truncated one is read
	 * as far as it goes. */
	if (sa.rc < 0 && sa.rc != RRLOG_ETRUNCATED) trouble(&sa);
	if (sb.rc < 0 && sb.rc != RRLOG_ETRUNCATED) trouble(&sb);
	if (sa.rc != 1 && sb.rc != 1) {
		if (sa.rc == sb.rc) {        /* both ended, or both torn after the same events */
			if (sa.rc == RRLOG_ETRUNCATED && !opt_quiet)
				fprintf(stderr, "%s: warning: both logs are truncated after the same %llu events\n",
				        prog, (unsigned long long)nsame);
			oflush();
			return done(hdr_diffs ? 1 : 0);
		}
	}
	if (opt_quiet) return done(1);

	/* The first difference: read both windows in full, then classify. */
	size_t wn = (size_t)context + 1 < 3 ? 3 : (size_t)context + 1;
	struct evc *wa = calloc(wn, sizeof *wa), *wb = calloc(wn, sizeof *wb);
	g_bufs[1] = wa; g_nbuf[1] = wa ? wn : 0;
	g_bufs[2] = wb; g_nbuf[2] = wb ? wn : 0;
	if (!wa || !wb) { msg(NULL, "out of memory"); return done(2); }
	int enda, endb;
	int rca = sa.rc, rcb = sb.rc;
	size_t na = fill(&sa, wa, wn, &enda), nb = fill(&sb, wb, wn, &endb);
	const char *what;
	int fields = 0;
	const struct evc *lone = NULL;       /* the event named by icount=, kind= */
	if (na && nb) {
		fields = evc_cmp(&wa[0], &wb[0]);
		if (!(fields & (DF_KIND | DF_ICOUNT))) what = "changed", lone = &wa[0];
		else if (aligned(wa + 1, na - 1, wb, nb)) what = "only-in-a", lone = &wa[0];
		else if (aligned(wa, na, wb + 1, nb - 1)) what = "only-in-b", lone = &wb[0];
		else if (wa[0].kind == RRLOG_END) what = "a-ended";
		else if (wb[0].kind == RRLOG_END) what = "b-ended";
		else what = "differ";
	} else if (nb) {
		what = rca == RRLOG_ETRUNCATED ? "a-truncated" : "a-ended";
		lone = &wb[0];
	} else if (na) {
		what = rcb == RRLOG_ETRUNCATED ? "b-truncated" : "b-ended";
		lone = &wa[0];
	} else {
		what = rca == RRLOG_ETRUNCATED ? "a-truncated" : "b-truncated";
	}
	/* The summary line. */
	if (opt_json) { ostr("{\"difference\":{\"event\":"); ou64(nsame + 1); }
	else { ostr("difference event="); ou64(nsame + 1); }
	uint64_t ic = lone ? lone->icount : na && nb ? (wa[0].icount < wb[0].icount ? wa[0].icount : wb[0].icount)
	                                  : 0;
	if (lone || (na && nb)) { okey("icount"); ou64(ic); }
	if (lone) {
		okey("kind");
		if (opt_json) ochar('"');
		ostr(rrlog_kind_name(lone->kind));
		if (opt_json) ochar('"');
	}
	okey("what");
	if (opt_json) ochar('"');
	ostr(what);
	if (opt_json) ochar('"');
	if (!strcmp(what, "changed")) {
		static const char *fn[] = { "kind", "icount", "sub", "value", "data" };
		okey("fields");
		ostr(opt_json ? "[" : "");
		int first = 1;
		for (int i = 0; i < 5; i++) {
			if (!(fields & (1 << i))) continue;
			if (!first) ochar(',');
			first = 0;
			if (opt_json) ochar('"');
			ostr(fn[i]);
			if (opt_json) ochar('"');
		}
		ostr(opt_json ? "]" : "");
	} else if (!lone && na && nb) {
		okv_event("a_", &wa[0]);
		okv_event("b_", &wb[0]);
	}
	if (!strcmp(what, "a-truncated") || !strcmp(what, "b-truncated")) {
		struct side *t = what[0] == 'a' ? &sa : &sb;
		okey("reason");
		oqs(rrlog_reader_errmsg(t->r), opt_json);
	}
	if (opt_json) ostr("}}");
	ochar('\n');
	/* Context before, then each side's window. */
	uint64_t nctx = nsame < (uint64_t)context ? nsame : (uint64_t)context;
	for (uint64_t i = nsame - nctx; i < nsame; i++)
		print_evc("both", &ring[i % context], sa.is_qemu);
	size_t show = (size_t)context + 1;
	for (size_t i = 0; i < na && i < show; i++) print_evc("a", &wa[i], sa.is_qemu);
	if (na < show) print_stop(&sa, na ? enda : rca);
	if (!opt_json) ostr("---\n");
	for (size_t i = 0; i < nb && i < show; i++) print_evc("b", &wb[i], sb.is_qemu);
	if (nb < show) print_stop(&sb, nb ? endb : rcb);
	oflush();
	if (fflush(stdout)) { msg(NULL, "write error: %s", strerror(errno)); return done(2); }
	/* A log that turned out corrupt inside the window: the difference stands (every
	 * event before it was checked), but say so. */
	if ((na < wn && enda < 0 && enda != RRLOG_ETRUNCATED) || (nb < wn && endb < 0 && endb != RRLOG_ETRUNCATED))
		msg(NULL, "warning: a log is damaged after the difference");
	return done(1);
}
