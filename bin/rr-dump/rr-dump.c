/* rr-dump: print an rrlog (or QEMU 7.2 replay) log one event a line, as JSON Lines,
 * statistics, or validate it.  See man/rr-dump.1 for the stable output format. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "rrlog/rrlog.h"
#include "plot.h"

#ifndef RRKIT_VERSION
#define RRKIT_VERSION "0.0.0"
#endif

static const char *prog = "rr-dump";

#include "../common/out.h"
#include "../common/msg.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

/* ---- events: librrlog's text form (rrlog_format_event) ---- */

static int opt_json, opt_full, is_qemu;

static void print_event(const struct rrlog_event *ev)
{
	oformatted(fmt_event, ev, (opt_json ? RRLOG_FMT_JSON : 0) | (opt_full ? RRLOG_FMT_FULL : 0) |
				  (is_qemu ? RRLOG_FMT_QEMU : 0));
}

static void print_header(const struct rrlog_header_info *h)
{
	if (opt_json) {
		ostr("{\"header\":{\"format\":\"");
		ostr(h->source == RRLOG_SOURCE_QEMU ? "qemu-replay" : "rrlog");
		ostr("\",\"version\":");
		ou64(h->version);
		ostr(",\"tool\":"); oqs(h->tool, 1);
		ostr(",\"config\":"); oqs(h->config, 1);
		ostr(",\"images\":[");
		for (size_t i = 0; i < h->nimages; i++) {
			const struct rrlog_image *im = &h->images[i];
			if (i) ochar(',');
			ostr("{\"role\":"); oqs(im->role, 1);
			ostr(",\"path\":"); oqs(im->path, 1);
			ostr(",\"size\":"); ou64(im->size);
			ostr(",\"sha256\":\""); ohex(im->sha256, 32); ostr("\"}");
		}
		ostr("],\"meta\":{");
		for (size_t i = 0; i < h->nkv; i++) {
			if (i) ochar(',');
			oqs(h->kv[i].key, 1); ochar(':'); oqs(h->kv[i].value, 1);
		}
		ostr("}}}\n");
		return;
	}
	if (h->source == RRLOG_SOURCE_QEMU) {
		char t[64];
		snprintf(t, sizeof t, "# qemu-replay version=0x%x tool=", h->version);
		ostr(t); oqs(h->tool, 0); ochar('\n');
		return;
	}
	ostr("# rrlog version="); ou64(h->version);
	ostr(" tool="); oqs(h->tool, 0); ochar('\n');
	ostr("# config="); oqs(h->config, 0); ochar('\n');
	for (size_t i = 0; i < h->nimages; i++) {
		const struct rrlog_image *im = &h->images[i];
		ostr("# image role="); oqs(im->role, 0);
		ostr(" path="); oqs(im->path, 0);
		ostr(" size="); ou64(im->size);
		ostr(" sha256="); ohex(im->sha256, 32); ochar('\n');
	}
	for (size_t i = 0; i < h->nkv; i++) {
		ostr("# meta "); ostr(h->kv[i].key); ochar('='); oqs(h->kv[i].value, 0); ochar('\n');
	}
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
	"usage: %s [options] FILE|-\n"
	"Print an rrkit event log (or a QEMU 7.2 replay log): the header, then one event\n"
	"a line as 'icount=N kind=NAME key=value...'.\n"
	"  --json          JSON Lines: a header object, then one object per event\n"
	"  --validate      check everything; exit 0 valid, 1 invalid or truncated,\n"
	"                  2 unreadable or not a log\n"
	"  --stats         events and bytes by kind, icount span, compression ratio\n"
	"  --plot OUT      draw the timeline into OUT.svg or OUT.png instead: events by\n"
	"                  kind over icount, snapshots, state hashes, idle stretches\n"
	"  -A, --from N    start at the first event with icount >= N (uses the index)\n"
	"  -B, --to M      stop after the events with icount <= M\n"
	"  -k, --kind K    only events of kind K (comma-separated list; repeatable)\n"
	"  --no-header     omit the header lines\n"
	"  --list-kinds    print the event kind names, one a line, and exit\n"
	"  -q, --quiet     no progress on stderr; with --validate, print nothing\n"
	"  --full          print data in full (default: first %d bytes, snapshots: length)\n"
	"  -h, --help      this help;  --version  the version\n"
	"Exit status: 0 success, 1 log truncated or corrupt (the valid part is printed),\n"
	"2 usage error, unreadable file, not a log or unknown version.\n", prog, RRLOG_FMT_DATA_SHOW);
}

static void die_usage(const char *fmt, const char *arg)
{
	usage_error(fmt, arg);
}

/* An icount: integer (decimal, 0x hex) or a float like 1.2e9. */
static uint64_t parse_icount(const char *s)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (*s && *s != '-' && !*e && !errno) return v;
	double d = strtod(s, &e);
	if (!*s || *e || !(d >= 0) || d >= 18446744073709551616.0 || d != floor(d))
		die_usage("bad icount '%s'", s);
	return (uint64_t)d;
}

static void add_kinds(uint8_t *want, const char *list)
{
	char *dup = strdup(list), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = rrlog_kind_from_name(t);
		if (k < 0) {
			fprintf(stderr, "%s: unknown kind '%s'; kinds:", prog, t);
			for (int i = 0; i < RRLOG_KIND_COUNT; i++) fprintf(stderr, " %s", rrlog_kind_name(i));
			fprintf(stderr, "\n");
			exit(2);
		}
		want[k] = 1;
	}
	free(dup);
}

/* Exit status for a reader error code. */
static int exit_for(int rc)
{
	return rc == RRLOG_ETRUNCATED || rc == RRLOG_ECORRUPT ? 1 : 2;
}

static const char *what_for(int rc)
{
	switch (rc) {
	case RRLOG_ETRUNCATED: return "truncated";
	case RRLOG_ECORRUPT: return "invalid";
	default: return "unreadable";
	}
}

/* --validate on a terminal: a thread reads the file into a pipe that the validator
 * reads (it reads a log front to back either way), counting the bytes for the
 * progress line. */
struct feeder { int in, out; struct progress p; };

static void *feed(void *arg)
{
	struct feeder *f = arg;
	static char buf[1 << 16];
	uint64_t done = 0;
	ssize_t n;
	while ((n = read(f->in, buf, sizeof buf)) > 0) {
		for (ssize_t o = 0; o < n;) {
			ssize_t w = write(f->out, buf + o, n - o);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out; /* the validator stopped reading: it has found a problem */
			o += w;
		}
		done += n;
		progress_show(&f->p, done);
	}
out:
	close(f->out);
	return NULL;
}

static int validate(const char *path, struct rrlog_validation *v, int quiet)
{
	struct stat sb;
	int fd = strcmp(path, "-") && !quiet && isatty(2) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		if (fd >= 0) close(fd);
		return rrlog_validate(path, v);
	}
	struct feeder f = { .in = fd };
	int pfd[2];
	pthread_t th;
	if (pipe(pfd)) { close(fd); return rrlog_validate(path, v); }
	f.out = pfd[1];
	progress_init(&f.p, "validate", "bytes", 0, (uint64_t)sb.st_size, quiet);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&th, NULL, feed, &f)) {
		close(pfd[0]); close(pfd[1]); close(fd);
		return rrlog_validate(path, v);
	}
	int rc = rrlog_validate_fd(pfd[0], v);
	close(pfd[0]);
	pthread_join(th, NULL);
	progress_clear(&f.p);
	close(fd);
	return rc;
}

static int do_validate(const char *path, int quiet)
{
	struct rrlog_validation v;
	int rc = validate(path, &v, quiet);
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	if (rc == RRLOG_OK) {
		if (quiet) return 0;
		printf("%s: valid: %s log, %llu events, %llu blocks, icount %llu..%llu\n", name,
		       v.source == RRLOG_SOURCE_QEMU ? "QEMU 7.2 replay" : "rrlog",
		       (unsigned long long)v.events, (unsigned long long)v.blocks,
		       (unsigned long long)v.first_icount, (unsigned long long)v.last_icount);
		return 0;
	}
	msg(name, "%s at offset %llu: %s (%llu good events before it)", what_for(rc), (unsigned long long)v.offset, v.message, (unsigned long long)v.events);
	return exit_for(rc);
}

struct kstat { uint64_t n, bytes; };

static void print_stats(const char *path, rrlog_reader *r, const struct kstat *ks, uint64_t events,
                        uint64_t first, uint64_t last)
{
	struct rrlog_reader_stats st;
	rrlog_reader_stats(r, &st);
	const struct rrlog_header_info *h = rrlog_reader_header(r);
	struct stat sb;
	uint64_t fsize = 0;
	int isq = h->source == RRLOG_SOURCE_QEMU;
	if (strcmp(path, "-") && !stat(path, &sb)) fsize = sb.st_size;
	else fsize = st.bytes_read;
	uint64_t raw = 0;
	for (int k = 0; k < RRLOG_KIND_COUNT; k++) raw += ks[k].bytes;
	double ratio = st.stored_bytes ? (double)st.raw_bytes / st.stored_bytes : 0;
	char t[512];
	if (opt_json) {
		snprintf(t, sizeof t, "{\"file\":"); ostr(t); oqs(path, 1);
		snprintf(t, sizeof t, ",\"format\":\"%s\",\"version\":%u,\"file_bytes\":%llu,"
		         "\"events\":%llu,\"first_icount\":%llu,\"last_icount\":%llu,\"icount_span\":%llu,"
		         "\"blocks\":%llu,\"stored_bytes\":%llu,\"raw_bytes\":%llu,\"compression_ratio\":%.3f,"
		         "\"file_bytes_per_event\":%.3f,\"kinds\":{",
		         isq ? "qemu-replay" : "rrlog", h->version, (unsigned long long)fsize,
		         (unsigned long long)events, (unsigned long long)first, (unsigned long long)last,
		         (unsigned long long)(last - first), (unsigned long long)st.blocks,
		         (unsigned long long)st.stored_bytes, (unsigned long long)st.raw_bytes, ratio,
		         events ? (double)fsize / events : 0.0);
		ostr(t);
		int any = 0;
		for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
			if (!ks[k].n) continue;
			snprintf(t, sizeof t, "%s\"%s\":{\"events\":%llu,\"bytes\":%llu}", any ? "," : "",
			         rrlog_kind_name(k), (unsigned long long)ks[k].n, (unsigned long long)ks[k].bytes);
			ostr(t);
			any = 1;
		}
		ostr("}}\n");
		return;
	}
	snprintf(t, sizeof t, "file: %s\nformat: %s version %#x\nfile bytes: %llu\nevents: %llu\n"
	         "icount: %llu..%llu (span %llu)\n", path, isq ? "qemu-replay" : "rrlog", h->version,
	         (unsigned long long)fsize, (unsigned long long)events, (unsigned long long)first,
	         (unsigned long long)last, (unsigned long long)(last - first));
	ostr(t);
	if (!isq) {
		snprintf(t, sizeof t, "blocks read: %llu, stored %llu bytes, raw %llu bytes, "
		         "compression ratio %.2f\n", (unsigned long long)st.blocks,
		         (unsigned long long)st.stored_bytes, (unsigned long long)st.raw_bytes, ratio);
		ostr(t);
	}
	snprintf(t, sizeof t, "bytes per event: %.3f in the file, %.3f encoded\n",
	         events ? (double)fsize / events : 0.0, events ? (double)raw / events : 0.0);
	ostr(t);
	snprintf(t, sizeof t, "%-20s %14s %7s %14s %9s\n", "kind", "events", "%", "bytes", "bytes/ev");
	ostr(t);
	for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
		if (!ks[k].n) continue;
		snprintf(t, sizeof t, "%-20s %14llu %6.2f%% %14llu %9.2f\n", rrlog_kind_name(k),
		         (unsigned long long)ks[k].n, 100.0 * ks[k].n / events,
		         (unsigned long long)ks[k].bytes, (double)ks[k].bytes / ks[k].n);
		ostr(t);
	}
}

int main(int argc, char **argv)
{
	enum { O_JSON = 256, O_VALIDATE, O_STATS, O_NOHDR, O_FULL, O_VERSION, O_PLOT, O_KINDS };
	static const struct option lo[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "validate", no_argument, NULL, O_VALIDATE },
		{ "stats", no_argument, NULL, O_STATS },
		{ "plot", required_argument, NULL, O_PLOT },
		{ "no-header", no_argument, NULL, O_NOHDR },
		{ "full", no_argument, NULL, O_FULL },
		{ "from", required_argument, NULL, 'A' },
		{ "to", required_argument, NULL, 'B' },
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ "list-kinds", no_argument, NULL, O_KINDS },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int validate = 0, stats = 0, nohdr = 0, c, filter = 0, quiet = 0;
	const char *plot_out = NULL;
	uint64_t from = 0, to = UINT64_MAX;
	int have_from = 0;
	uint8_t want[RRLOG_KIND_COUNT] = { 0 };
	while ((c = getopt_long_only(argc, argv, ":A:B:k:hq", lo, NULL)) != -1) {
		switch (c) {
		case O_JSON: opt_json = 1; break;
		case O_VALIDATE: validate = 1; break;
		case O_STATS: stats = 1; break;
		case O_PLOT: plot_out = optarg; break;
		case O_NOHDR: nohdr = 1; break;
		case O_FULL: opt_full = 1; break;
		case 'A': from = parse_icount(optarg); have_from = 1; break;
		case 'B': to = parse_icount(optarg); break;
		case 'k': add_kinds(want, optarg); filter = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case O_VERSION: printf("rr-dump (rrkit) %s\n", RRKIT_VERSION); return 0;
		case O_KINDS:
			for (int k = 0; k < RRLOG_KIND_COUNT; k++) printf("%s\n", rrlog_kind_name(k));
			return fflush(stdout) ? 2 : 0;
		default: option_error(c, argv);
		}
	}
	if (optind + 1 != argc) die_usage("%s", optind >= argc ? "missing FILE (use - for stdin)" : "too many arguments");
	const char *path = argv[optind];
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	if (plot_out) {
		if (validate || stats || opt_json || opt_full || nohdr)
			die_usage("%s", "--plot takes only -A, -B and -k");
		if (plot_format(plot_out) < 0)
			die_usage("--plot %s: the picture's name must end in .svg or .png", plot_out);
	}
	if (validate) {
		if (plot_out || stats || opt_json || filter || have_from || to != UINT64_MAX)
			die_usage("%s", "--validate takes no other option");
		return do_validate(path, quiet);
	}

	rrlog_reader *r;
	int rc = rrlog_reader_open(path, &r);
	if (rc) {
		msg(name, "%s", r ? rrlog_reader_errmsg(r) : rrlog_strerror(rc));
		rrlog_reader_close(r);
		return exit_for(rc);
	}
	is_qemu = rrlog_reader_header(r)->source == RRLOG_SOURCE_QEMU;
	struct plot *plot = NULL;
	if (plot_out) {
		/* Only icounts and kinds are drawn: snapshot data stays compressed. */
		rrlog_reader_skip_data(r, ~0u);
		plot = plot_new(rrlog_reader_header(r), name, have_from ? from : 0, to);
		if (!plot) { msg(NULL, "out of memory"); return 2; }
	}
	if (!stats && !nohdr && !plot) print_header(rrlog_reader_header(r));
	if (have_from && (rc = rrlog_reader_seek(r, from)) < 0) goto fail;
	struct rrlog_event ev;
	static struct kstat ks[RRLOG_KIND_COUNT];
	uint64_t events = 0, first = 0, last = 0;
	/* --stats and --plot read everything: progress in bytes of the file */
	struct progress pr;
	struct stat sb;
	progress_init(&pr, stats ? "stats" : "plot", "bytes", 0,
		      strcmp(path, "-") && !stat(path, &sb) ? (uint64_t)sb.st_size : 0, quiet || !(stats || plot));
	struct rrlog_reader_stats rs;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		if (ev.icount > to) { rc = 0; break; }
		if (plot) {
			plot_event(plot, &ev, !filter || want[ev.kind]);
			if (pr.on && (!(++events & 0xffff) || !pr.every)) {
				rrlog_reader_stats(r, &rs);
				progress_show(&pr, rs.bytes_read);
			}
			continue;
		}
		if (filter && !want[ev.kind]) continue;
		if (stats) {
			ks[ev.kind].n++;
			ks[ev.kind].bytes += rrlog_reader_event_size(r);
			if (!events) first = ev.icount;
			last = ev.icount;
			events++;
			if (pr.on && (!(events & 0xffff) || !pr.every)) {
				rrlog_reader_stats(r, &rs);
				progress_show(&pr, rs.bytes_read);
			}
			continue;
		}
		print_event(&ev);
	}
	progress_clear(&pr);
	if (stats) print_stats(path, r, ks, events, first, last);
	if (plot) {
		/* A truncated or corrupt log: draw what was read, say so, exit as below. */
		if (rc < 0) plot_truncated(plot, rrlog_reader_errmsg(r));
		char err[512];
		if (plot_write(plot, plot_out, err, sizeof err)) {
			msg(plot_out, "%s", err);
			plot_free(plot);
			rrlog_reader_close(r);
			return 1;
		}
		plot_free(plot);
	}
	oflush();
	if (fflush(stdout)) { msg(NULL, "write error: %s", strerror(errno)); return 2; }
	if (rc < 0) goto fail;
	rrlog_reader_close(r);
	return 0;
fail:
	oflush();
	fflush(stdout);
	msg(name, "%s: %s", what_for(rc), rrlog_reader_errmsg(r));
	rrlog_reader_close(r);
	return exit_for(rc);
}
