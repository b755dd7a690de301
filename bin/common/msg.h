/* msg: how every tool speaks on stderr, formatted in this one place. Included by
 * the tools' mains after they define `prog` ("rr-cut", ...).
 *
 *   msg(FILE, fmt, ...)      "PROG: FILE: message"; "PROG: message" when FILE is NULL
 *                            ("-" is shown as "(stdin)")
 *   usage_error(fmt, ...)    "PROG: message", "Try 'PROG --help'.", exit 2
 *   progress_*               one line on stderr redrawn in place, only when stderr
 *                            is a terminal and -q was not given: done of total,
 *                            rate, time left; erased when the work ends
 *
 * Exit statuses (DESIGN.md): 0 success, 1 failure, 2 usage or bad input; rr-diff
 * 0 same, 1 different, 2 trouble; rr-run the guest's code, 3 log end, 4 divergence. */
#ifndef RRKIT_BIN_MSG_H
#define RRKIT_BIN_MSG_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static __attribute__((unused, format(printf, 2, 0)))
void vmsg(const char *file, const char *fmt, va_list ap)
{
	/* one write, so that lines of two tools in one pipeline do not mix */
	char line[2048];
	int n = snprintf(line, sizeof line, "%s: ", prog);
	if (file && n < (int)sizeof line)
		n += snprintf(line + n, sizeof line - n, "%s: ", strcmp(file, "-") ? file : "(stdin)");
	if (n < (int)sizeof line)
		n += vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (n >= (int)sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	fflush(stderr);
}

static __attribute__((unused, format(printf, 2, 3)))
void msg(const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(file, fmt, ap);
	va_end(ap);
}

static __attribute__((unused, noreturn, format(printf, 1, 2)))
void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", prog);
	exit(EXIT_USAGE);
}

/* ---- progress ---- */

struct progress {
	int on;                 /* stderr is a terminal and not quiet */
	int drawn;              /* a line is on the screen */
	int hold;               /* another writer is mid-line on the terminal: do not draw */
	const char *what, *unit;
	uint64_t start, total;  /* total 0: unknown */
	double t0, tlast, every;
};

static double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Counts that stay short: 950, 12.3k, 4.56M, 7.89G. */
static __attribute__((unused)) const char *progress_num(double v, char *buf, size_t n)
{
	static const char *sfx[] = { "", "k", "M", "G", "T", "P" };
	int i = 0;
	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	snprintf(buf, n, i ? "%.3g%s" : "%.0f%s", v, sfx[i]);
	return buf;
}

/* what: "replay"; unit: "instructions"; the work goes from start to start+total
 * (total 0: unknown). RRKIT_PROGRESS_INTERVAL (seconds, default 0.5) sets how
 * often the line is redrawn and how long work runs before it first appears. */
static __attribute__((unused)) void progress_init(struct progress *p, const char *what, const char *unit,
						  uint64_t start, uint64_t total, int quiet)
{
	memset(p, 0, sizeof *p);
	p->on = !quiet && isatty(2);
	p->what = what;
	p->unit = unit;
	p->start = start;
	p->total = total;
	const char *e = getenv("RRKIT_PROGRESS_INTERVAL");
	p->every = e && *e ? atof(e) : 0.5;
	p->t0 = p->tlast = progress_now();
}

static __attribute__((unused)) void progress_clear(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}

/* done: where the work is now (same scale as start). Cheap when nothing is due. */
static __attribute__((unused)) void progress_show(struct progress *p, uint64_t done)
{
	if (!p->on || p->hold)
		return;
	double t = progress_now();
	if (t - p->tlast < p->every)
		return;
	p->tlast = t;
	double did = done > p->start ? (double)(done - p->start) : 0, dt = t - p->t0;
	double rate = dt > 0 ? did / dt : 0;
	char a[32], b[32], r[32], line[256];
	int n = snprintf(line, sizeof line, "%s: %s: %s", prog, p->what, progress_num(did, a, sizeof a));
	if (p->total) {
		double frac = did / p->total;
		n += snprintf(line + n, sizeof line - n, " of %s %s (%.0f%%)", progress_num(p->total, b, sizeof b),
			      p->unit, 100 * (frac > 1 ? 1 : frac));
	} else {
		n += snprintf(line + n, sizeof line - n, " %s", p->unit);
	}
	n += snprintf(line + n, sizeof line - n, ", %s/s", progress_num(rate, r, sizeof r));
	if (p->total && rate > 0 && did < p->total)
		snprintf(line + n, sizeof line - n, ", %.0f s left", (p->total - did) / rate);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = 1;
}

/* struct rr_progress's fn for a library call that reports done of total (opaque:
 * a struct progress made with start 0). */
static __attribute__((unused)) void progress_report(void *opaque, uint64_t done, uint64_t total)
{
	struct progress *p = opaque;
	p->total = total;
	progress_show(p, done);
}
#endif

/* Work whose size the tool cannot see (a library call that replays): a thread
 * redraws "PROG: WHAT: N s" until ticker_stop. Only on a terminal, as above. */
#include <pthread.h>
struct ticker { struct progress p; pthread_t th; pthread_mutex_t mu; pthread_cond_t cv; int stop, running; };

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		double el = progress_now() - t->p.t0;
		if (el >= t->p.every) {
			fprintf(stderr, "\r%s: %s: %.0f s\033[K", prog, t->p.what, el);
			fflush(stderr);
			t->p.drawn = 1;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double step = t->p.every > 0.05 ? t->p.every : 0.05;
		ts.tv_sec += (time_t)step;
		ts.tv_nsec += (long)((step - (time_t)step) * 1e9);
		if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	progress_clear(&t->p);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static __attribute__((unused)) void ticker_start(struct ticker *t, const char *what, int quiet)
{
	memset(t, 0, sizeof *t);
	progress_init(&t->p, what, "", 0, 0, quiet);
	if (!t->p.on)
		return;
	if (t->p.every <= 0) { /* at once (RRKIT_PROGRESS_INTERVAL=0: short work shows it too) */
		fprintf(stderr, "\r%s: %s: 0 s\033[K", prog, what);
		t->p.drawn = 1;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->running = pthread_create(&t->th, NULL, ticker_main, t) == 0;
}

static __attribute__((unused)) void ticker_stop(struct ticker *t)
{
	if (!t->running) {
		progress_clear(&t->p);
		return;
	}
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->th, NULL);
	t->running = 0;
}

/* getopt's '?' or ':' (optstrings start with ':' so that a missing argument is
 * told apart): "PROG: OPTION: unknown option" or "... needs an argument", then
 * "Try 'PROG --help'.", exit 2. */
static __attribute__((unused, noreturn)) void option_error(int c, char **argv)
{
	extern int optind, optopt;
	const char *arg = argv[optind - 1];
	if (c == ':')
		usage_error("%s: needs an argument", arg);
	if (optopt > 0 && optopt < 128 && strlen(arg) == 2) /* "-z"; a cluster or word: all of it */
		usage_error("-%c: unknown option", optopt);
	usage_error("%s: unknown option", arg);
}
