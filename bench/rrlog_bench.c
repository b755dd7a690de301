/* rrlog_bench: librrlog benchmarks (results in BENCHMARKS.md).
 *
 *   rrlog_bench write-read N FILE    N realistic-mix events: write and read events/s,
 *                                    bytes per event, peak RSS of each phase
 *   rrlog_bench insn N FILE          an INSN-heavy (QEMU-like) stream: bytes per event
 *   rrlog_bench convert QEMULOG FILE re-encode a QEMU replay log; compare sizes
 *   rrlog_bench big MB FILE          write a log of at least MB megabytes of encoded
 *                                    (uncompressed) events, then the seek test on it
 *   rrlog_bench dump RR-DUMP FILE    rr-dump FILE > /dev/null: lines/s
 *   rrlog_bench seek FILE            bytes read / time to seek to the middle icount,
 *                                    with the footer index and (destructively: the
 *                                    footer is cut off) with the index rebuilt
 * Each phase runs in a child process so its peak RSS (getrusage) is its own. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rrlog/rrlog.h"
#include "../tests/check_rrlog_gen.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this process: the machine may be shared, so rates are also given
 * per CPU-second (one core). */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, int rc, const char *msg)
{
	fprintf(stderr, "rrlog_bench: %s: %s (%s)\n", what, rrlog_strerror(rc), msg ? msg : "");
	exit(1);
}

/* Peak RSS of this process so far, KiB. */
static long peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static uint64_t file_size(const char *p)
{
	struct stat sb;
	return stat(p, &sb) ? 0 : (uint64_t)sb.st_size;
}

/* Runs fn(arg) in a child; returns the child's peak RSS in KiB. */
static long in_child(void (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); exit(1); }
	if (!pid) { fn(arg); fflush(stdout); _exit(0); }
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "rrlog_bench: child failed\n");
		exit(1);
	}
	return ru.ru_maxrss;
}

struct job { const char *path, *src; uint64_t n; int heavy; };

/* Pre-generated events, replayed with a growing icount offset, so that the timing
 * measures the library rather than the generator. */
#define POOL (1u << 20)
static struct rrlog_event *pool;
static uint8_t *pool_data;
static uint64_t pool_span;

static void make_pool(int heavy)
{
	struct gen g;
	gen_init(&g, 42, heavy);
	pool = calloc(POOL, sizeof *pool);
	pool_data = malloc((size_t)POOL * 24);
	size_t used = 0, cap = (size_t)POOL * 24;
	for (uint32_t i = 0; i < POOL; i++) {
		gen_next(&g, &pool[i]);
		if (pool[i].len) {
			if (used + pool[i].len > cap) { pool[i].len = 0; pool[i].data = NULL; continue; }
			memcpy(pool_data + used, pool[i].data, pool[i].len);
			pool[i].data = pool_data + used;
			used += pool[i].len;
		}
	}
	pool_span = g.icount + 1;
}

static void write_n(const char *path, uint64_t n, int heavy, int report)
{
	struct rrlog_kv kv[] = { { "bench", heavy ? "insn" : "mix" } };
	struct rrlog_header_info h = { .tool = "rrlog_bench", .config = "synthetic", .kv = kv, .nkv = 1 };
	rrlog_writer *w;
	int rc = rrlog_writer_open(path, &h, &w);
	if (rc) die("open", rc, rrlog_writer_errmsg(w));
	double t0 = now(), c0 = cpu();
	for (uint64_t i = 0; i < n; i++) {
		struct rrlog_event ev = pool[i % POOL];
		ev.icount += (i / POOL) * pool_span;
		if ((rc = rrlog_writer_append(w, &ev))) die("append", rc, rrlog_writer_errmsg(w));
	}
	struct rrlog_writer_stats st;
	rrlog_writer_stats(w, &st);
	if ((rc = rrlog_writer_close(w))) die("close", rc, NULL);
	double dt = now() - t0, dc = cpu() - c0;
	uint64_t fs = file_size(path);
	if (report)
		printf("write: %llu events: %.1f M events/s per CPU-second (%.2f s CPU), %.1f M/s wall "
		       "(%.2f s); encoded %.3f B/event, file %.3f B/event (%llu bytes), ratio %.2f\n",
		       (unsigned long long)n, n / dc / 1e6, dc, n / dt / 1e6, dt,
		       (double)st.raw_bytes / n, (double)fs / n, (unsigned long long)fs,
		       (double)st.raw_bytes / fs);
}

static void phase_write(void *arg)
{
	struct job *j = arg;
	make_pool(j->heavy);
	long before = peak_kib();
	write_n(j->path, j->n, j->heavy, 1);
	printf("  writer: peak RSS grew by %ld KiB over the event pool's %ld KiB\n",
	       peak_kib() - before, before);
}

static void phase_read(void *arg)
{
	struct job *j = arg;
	rrlog_reader *r;
	int rc = rrlog_reader_open(j->path, &r);
	if (rc) die("open", rc, rrlog_reader_errmsg(r));
	struct rrlog_event ev;
	uint64_t n = 0, sum = 0;
	double t0 = now(), c0 = cpu();
	while ((rc = rrlog_reader_next(r, &ev)) == 1) { n++; sum += ev.icount ^ ev.len; }
	double dt = now() - t0, dc = cpu() - c0;
	if (rc) die("next", rc, rrlog_reader_errmsg(r));
	struct rrlog_reader_stats st;
	rrlog_reader_stats(r, &st);
	printf("read: %llu events: %.1f M events/s per CPU-second (%.2f s CPU), %.1f M/s wall "
	       "(%.2f s); checksum %llx; reader buffers %.2f MB\n", (unsigned long long)n,
	       n / dc / 1e6, dc, n / dt / 1e6, dt, (unsigned long long)sum, st.mem_bytes / 1e6);
	rrlog_reader_close(r);
}

static void phase_insn(void *arg)
{
	struct job *j = arg;
	make_pool(1);
	write_n(j->path, j->n, 1, 1);
}

static void phase_convert(void *arg)
{
	struct job *j = arg;
	rrlog_reader *r;
	int rc = rrlog_reader_open(j->src, &r);
	if (rc) die("open", rc, rrlog_reader_errmsg(r));
	rrlog_writer *w;
	if ((rc = rrlog_writer_open(j->path, rrlog_reader_header(r), &w))) die("create", rc, rrlog_writer_errmsg(w));
	struct rrlog_event ev;
	uint64_t n = 0, ninsn = 0, raw = 0;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		raw += rrlog_reader_event_size(r);
		if (ev.kind == RRLOG_END) break;
		if (ev.kind == RRLOG_INSN) { ninsn++; ev.value = 0; } /* ours: the icount says it */
		if ((rc = rrlog_writer_append(w, &ev))) die("append", rc, rrlog_writer_errmsg(w));
		n++;
	}
	if (rc < 0) die("read", rc, rrlog_reader_errmsg(r));
	struct rrlog_writer_stats st;
	rrlog_writer_stats(w, &st);
	if ((rc = rrlog_writer_close(w))) die("close", rc, NULL);
	uint64_t qs = file_size(j->src), os = file_size(j->path);
	printf("convert: %llu events (%llu INSN, %.1f%%)\n", (unsigned long long)n + 1,
	       (unsigned long long)ninsn, 100.0 * ninsn / (n + 1));
	printf("  QEMU log:  %10llu bytes = %.3f B/event\n", (unsigned long long)qs, (double)qs / (n + 1));
	printf("  rrlog:     %10llu bytes = %.3f B/event (encoded %.3f B/event before zstd)\n",
	       (unsigned long long)os, (double)os / (n + 1), (double)st.raw_bytes / (n + 1));
	(void)raw;
	rrlog_reader_close(r);
}

static void phase_big(void *arg)
{
	struct job *j = arg;
	make_pool(0);
	struct rrlog_header_info h = { .tool = "rrlog_bench", .config = "big" };
	rrlog_writer *w;
	long before = peak_kib();
	int rc = rrlog_writer_open(j->path, &h, &w);
	if (rc) die("open", rc, rrlog_writer_errmsg(w));
	struct rrlog_writer_stats st = { 0 };
	uint64_t i = 0;
	double t0 = now();
	while (st.raw_bytes < j->n << 20) {
		for (int k = 0; k < 65536; k++, i++) {
			struct rrlog_event ev = pool[i % POOL];
			ev.icount += (i / POOL) * pool_span;
			if ((rc = rrlog_writer_append(w, &ev))) die("append", rc, rrlog_writer_errmsg(w));
		}
		rrlog_writer_stats(w, &st);
	}
	if ((rc = rrlog_writer_close(w))) die("close", rc, NULL);
	double dt = now() - t0;
	printf("big: %llu events, %.0f MB encoded, file %.0f MB, written in %.1f s (%.1f M events/s);"
	       " writer: peak RSS grew by %ld KiB over the event pool's %ld KiB\n",
	       (unsigned long long)i, st.raw_bytes / 1e6, file_size(j->path) / 1e6, dt, i / dt / 1e6,
	       peak_kib() - before, before);
}

static void seek_once(const char *path, const char *label)
{
	rrlog_reader *r;
	int rc = rrlog_reader_open(path, &r);
	if (rc) die("open", rc, rrlog_reader_errmsg(r));
	/* The span: the first event, then seek to the end for the last icount. */
	struct rrlog_event ev;
	if (rrlog_reader_next(r, &ev) != 1) die("next", -1, rrlog_reader_errmsg(r));
	uint64_t first = ev.icount, last = first;
	rrlog_reader_close(r);
	/* The last icount: the largest with an event, found by seeking (index only). */
	for (uint64_t step = 1ull << 62; step; step >>= 1) {
		rrlog_reader_open(path, &r);
		if (!rrlog_reader_seek(r, last + step) && rrlog_reader_next(r, &ev) == 1) last = ev.icount;
		rrlog_reader_close(r);
	}
	uint64_t mid = first + (last - first) / 2;
	rrlog_reader_open(path, &r);
	struct rrlog_reader_stats a, b;
	rrlog_reader_stats(r, &a);
	double t0 = now();
	rc = rrlog_reader_seek(r, mid);
	if (rc) die("seek", rc, rrlog_reader_errmsg(r));
	if (rrlog_reader_next(r, &ev) != 1) die("next", -1, rrlog_reader_errmsg(r));
	double dt = now() - t0;
	rrlog_reader_stats(r, &b);
	printf("seek (%s): icount %llu of %llu..%llu: %llu bytes read (header included), "
	       "%llu block(s) decompressed, %.2f ms, reader buffers %.2f MB\n", label,
	       (unsigned long long)mid, (unsigned long long)first, (unsigned long long)last,
	       (unsigned long long)b.bytes_read, (unsigned long long)(b.blocks - a.blocks), dt * 1e3,
	       b.mem_bytes / 1e6);
	rrlog_reader_close(r);
}

static void phase_seek(void *arg)
{
	struct job *j = arg;
	seek_once(j->path, "footer index");
}

static void phase_seek_nofooter(void *arg)
{
	struct job *j = arg;
	/* Cut the index block and footer off: the reader rebuilds the index by scanning. */
	FILE *f = fopen(j->path, "rb");
	uint8_t foot[32];
	fseek(f, -32, SEEK_END);
	if (fread(foot, 1, 32, f) != 32) exit(1);
	fclose(f);
	uint64_t ixo = 0;
	for (int i = 7; i >= 0; i--) ixo = ixo << 8 | foot[8 + i];
	if (memcmp(foot, "RRLOGEND", 8) || truncate(j->path, ixo)) { fprintf(stderr, "no footer\n"); exit(1); }
	seek_once(j->path, "no footer, index rebuilt by scanning");
}

/* Runs rr-dump FILE > /dev/null; reports lines/s by wall and CPU time. */
static void dump_bench(const char *rrdump, const char *path)
{
	rrlog_reader *r;
	struct rrlog_event ev;
	uint64_t n = 0;
	if (rrlog_reader_open(path, &r)) die("open", -1, rrlog_reader_errmsg(r));
	while (rrlog_reader_next(r, &ev) == 1) n++;
	size_t hdr = 2 + rrlog_reader_header(r)->nimages + rrlog_reader_header(r)->nkv;
	rrlog_reader_close(r);
	double t0 = now();
	pid_t pid = fork();
	if (!pid) {
		if (!freopen("/dev/null", "w", stdout)) _exit(126);
		execl(rrdump, rrdump, path, (char *)NULL);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "rrlog_bench: rr-dump failed\n");
		exit(1);
	}
	double dt = now() - t0;
	double dc = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
	            ru.ru_stime.tv_usec * 1e-6;
	uint64_t lines = n + hdr;
	printf("rr-dump > /dev/null: %llu lines: %.2f M lines/s per CPU-second (%.2f s CPU), "
	       "%.2f M/s wall (%.2f s); peak RSS %ld KiB\n", (unsigned long long)lines,
	       lines / dc / 1e6, dc, lines / dt / 1e6, dt, ru.ru_maxrss);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rrlog_bench write-read N FILE | insn N FILE | convert QEMULOG FILE |"
		        " big MB FILE | dump RR-DUMP FILE | seek FILE\n");
		return 2;
	}
	struct job j = { 0 };
	const char *mode = argv[1];
	if (!strcmp(mode, "seek")) {
		j.path = argv[2];
		printf("  peak RSS %ld KiB\n", in_child(phase_seek, &j));
		printf("  peak RSS %ld KiB\n", in_child(phase_seek_nofooter, &j));
		return 0;
	}
	if (argc < 4) return 2;
	j.path = argv[3];
	if (!strcmp(mode, "dump")) {
		dump_bench(argv[2], argv[3]);
		return 0;
	}
	if (!strcmp(mode, "convert")) {
		j.src = argv[2];
		in_child(phase_convert, &j);
		return 0;
	}
	j.n = strtoull(argv[2], NULL, 0);
	if (!strcmp(mode, "write-read")) {
		printf("  peak RSS %ld KiB (includes the %u-event pool)\n", in_child(phase_write, &j), POOL);
		printf("  peak RSS %ld KiB\n", in_child(phase_read, &j));
	} else if (!strcmp(mode, "insn")) {
		in_child(phase_insn, &j);
	} else if (!strcmp(mode, "big")) {
		printf("  peak RSS %ld KiB (includes the %u-event pool)\n", in_child(phase_big, &j), POOL);
		printf("  peak RSS %ld KiB\n", in_child(phase_read, &j));
		printf("  peak RSS %ld KiB\n", in_child(phase_seek, &j));
		printf("  peak RSS %ld KiB\n", in_child(phase_seek_nofooter, &j));
	} else {
		return 2;
	}
	return 0;
}
