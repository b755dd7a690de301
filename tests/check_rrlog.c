/* librrlog unit tests: encoding helpers, round trips of every kind, seeking with and
 * without the footer, and the log's contract under damage (truncation at every
 * offset, every flipped bit, future versions) and I/O faults (ENOSPC, EPIPE, short
 * reads, a writer killed with SIGKILL).  Also writes fixture logs for the shell
 * tests into $BUILD/fixtures/rrlog/. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rrlog/internal.h"
#include "rrlog/rrlog.h"
#include "check_rrlog_gen.h"

static char tmpdir[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_rrlog.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd)) { /* best effort */ }
}

static const char *tpath(const char *name)
{
	static char p[4][320];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
	return p[i];
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*n + 1);
	ck_assert_uint_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

static void spit(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

static const struct rrlog_kv test_kv[] = { { "icount-shift", "0" }, { "smp", "2" } };

static struct rrlog_header_info test_header(void)
{
	static struct rrlog_image im[2];
	memset(im, 0, sizeof im);
	im[0].role = "kernel"; im[0].path = "/abs/Image"; im[0].size = 12345;
	rrlog_sha256("kernel", 6, im[0].sha256);
	im[1].role = "drive0"; im[1].path = "/tmp/d\xc3\xa9.img"; im[1].size = 1ull << 40;
	struct rrlog_header_info h = { .tool = "check_rrlog 1", .config = "-m 128M --smp 2",
	                               .images = im, .nimages = 2, .kv = test_kv, .nkv = 2 };
	return h;
}

/* Writes n generated events (seed) to path; returns the events in *evs (caller frees
 * evs and each data copy via free_evs) if evs is not NULL. */
struct evcopy { struct rrlog_event ev; uint8_t *data; };

static void write_gen(const char *path, uint64_t n, uint64_t seed, int heavy, struct evcopy **evs)
{
	struct rrlog_header_info h = test_header();
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(path, &h, &w), 0);
	struct gen g;
	gen_init(&g, seed, heavy);
	if (evs) *evs = calloc(n + 1, sizeof **evs);
	for (uint64_t i = 0; i < n; i++) {
		struct rrlog_event ev;
		gen_next(&g, &ev);
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
		if (evs) {
			(*evs)[i].ev = ev;
			if (ev.len) {
				(*evs)[i].data = malloc(ev.len);
				memcpy((*evs)[i].data, ev.data, ev.len);
			}
		}
	}
	ck_assert_int_eq(rrlog_writer_close(w), 0);
}

static void free_evs(struct evcopy *e, uint64_t n)
{
	if (!e) return;
	for (uint64_t i = 0; i < n; i++) free(e[i].data);
	free(e);
}

static int ev_equal(const struct rrlog_event *a, const struct rrlog_event *b, const uint8_t *bdata)
{
	return a->kind == b->kind && a->icount == b->icount && a->sub == b->sub &&
	       a->value == b->value && a->len == b->len &&
	       (!a->len || !memcmp(a->data, bdata, a->len));
}

/* ---- helpers ---- */

START_TEST(test_varint)
{
	static const uint64_t vals[] = { 0, 1, 63, 64, 127, 128, 16383, 16384, 1ull << 32,
	                                 (1ull << 63) - 1, 1ull << 63, UINT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		uint8_t b[10];
		size_t n = rl_putv(b, vals[i]);
		ck_assert_uint_eq(n, rl_vlen(vals[i]));
		const uint8_t *p = b;
		uint64_t v;
		ck_assert_int_eq(rl_getv(&p, b + n, &v), 0);
		ck_assert_uint_eq(v, vals[i]);
		ck_assert_ptr_eq(p, b + n);
		p = b;
		ck_assert_int_eq(rl_getv(&p, b + n - 1, &v), -1); /* short */
		int64_t s = (int64_t)vals[i];
		ck_assert_int_eq(rl_unzz(rl_zz(s)), s);
	}
	uint8_t over[11];
	memset(over, 0xff, 10);
	over[10] = 0;
	const uint8_t *p = over;
	uint64_t v;
	ck_assert_int_eq(rl_getv(&p, over + 11, &v), -1); /* more than 64 bits */
}
END_TEST

START_TEST(test_crc32c)
{
	ck_assert_uint_eq(rl_crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(rl_crc32c(0, "", 0), 0);
	uint8_t buf[1000];
	for (int i = 0; i < 1000; i++) buf[i] = i * 7;
	uint32_t one = rl_crc32c(0, buf, 1000);
	ck_assert_uint_eq(rl_crc32c(rl_crc32c(0, buf, 333), buf + 333, 667), one);
	buf[500] ^= 4;
	ck_assert_uint_ne(rl_crc32c(0, buf, 1000), one);
}
END_TEST

static void hex32(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

START_TEST(test_sha256)
{
	uint8_t d[32];
	char h[65];
	rrlog_sha256("", 0, d);
	hex32(d, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	rrlog_sha256("abc", 3, d);
	hex32(d, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *s448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	rrlog_sha256(s448, strlen(s448), d);
	hex32(d, h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	size_t n = 1000000;
	char *a = malloc(n);
	memset(a, 'a', n);
	rrlog_sha256(a, n, d);
	hex32(d, h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	spit(tpath("a.bin"), a, n);
	uint8_t d2[32];
	uint64_t size = 0;
	ck_assert_int_eq(rrlog_sha256_file(tpath("a.bin"), d2, &size), 0);
	ck_assert_uint_eq(size, n);
	ck_assert_mem_eq(d, d2, 32);
	ck_assert_int_eq(rrlog_sha256_file(tpath("missing"), d2, NULL), RRLOG_EIO);
	free(a);
}
END_TEST

START_TEST(test_names)
{
	for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
		ck_assert_ptr_nonnull(rrlog_kind_name(k));
		ck_assert_int_eq(rrlog_kind_from_name(rrlog_kind_name(k)), k);
	}
	ck_assert_int_eq(rrlog_kind_from_name("char_read"), RRLOG_CHAR_READ);
	ck_assert_int_eq(rrlog_kind_from_name("NOPE"), -1);
	ck_assert_ptr_null(rrlog_kind_name(RRLOG_KIND_COUNT));
	ck_assert_ptr_null(rrlog_kind_name(-1));
	ck_assert_str_eq(rrlog_shutdown_name(RRLOG_SHUTDOWN_GUEST_SHUTDOWN), "guest-shutdown");
	ck_assert_str_eq(rrlog_shutdown_name(RRLOG_SHUTDOWN_SNAPSHOT_LOAD), "snapshot-load");
	ck_assert_ptr_null(rrlog_shutdown_name(RRLOG_SHUTDOWN_COUNT));
	ck_assert_str_eq(rrlog_checkpoint_name(RRLOG_CP_INIT), "init");
	ck_assert_ptr_null(rrlog_checkpoint_name(RRLOG_CP_COUNT));
	for (int e = 0; e >= RRLOG_EFAILED; e--) ck_assert_str_ne(rrlog_strerror(e), "unknown error");
	ck_assert_str_eq(rrlog_strerror(-999), "unknown error");
	/* NULL handles */
	rrlog_reader_close(NULL);
	rrlog_writer_abort(NULL);
	ck_assert_int_eq(rrlog_writer_close(NULL), 0);
}
END_TEST

/* ---- round trips ---- */

START_TEST(test_roundtrip_kinds)
{
	const char *path = tpath("kinds.rr");
	struct rrlog_header_info h = test_header();
	char *config = malloc(200001);
	for (int i = 0; i < 200000; i++) config[i] = 'a' + i % 26;
	config[200000] = 0;
	h.config = config;
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(path, &h, &w), 0);
	/* Every kind but END, with awkward values, then big data events. */
	enum { NBIG = 5 };
	static const size_t big[NBIG] = { RL_INLINE_MAX, RL_INLINE_MAX + 1, 3 * RL_DATA_CHUNK + 17,
	                                  RL_DATA_CHUNK, 5 };
	struct rrlog_event evs[RRLOG_KIND_COUNT * 3 + NBIG];
	uint8_t *blobs[NBIG];
	int n = 0;
	uint64_t ic = 5;
	for (int rep = 0; rep < 3; rep++)
		for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
			if (k == RRLOG_END) continue;
			struct rrlog_event *e = &evs[n++];
			memset(e, 0, sizeof *e);
			e->kind = k;
			e->icount = ic;
			ic += rep == 1 ? 0 : (uint64_t)k * 1000003;
			if (rep == 0) { e->sub = k; e->value = (uint64_t)k << 40; }
			if (rep == 1) { e->sub = UINT32_MAX; e->value = UINT64_MAX - k; }
			if (rep == 2) { e->value = k & 1 ? 1 : 0; }
			if (k % 3 == 0) { e->data = (const uint8_t *)"payload\0bytes"; e->len = 13 - rep; }
		}
	for (int i = 0; i < NBIG; i++) {
		blobs[i] = malloc(big[i]);
		for (size_t j = 0; j < big[i]; j++) blobs[i][j] = (j * 31 + i) ^ (j >> 9);
		struct rrlog_event *e = &evs[n++];
		memset(e, 0, sizeof *e);
		e->kind = i & 1 ? RRLOG_SNAPSHOT : RRLOG_NET;
		e->icount = ic;
		ic += i;
		e->data = blobs[i];
		e->len = big[i];
		e->value = i;
	}
	for (int i = 0; i < n; i++) ck_assert_int_eq(rrlog_writer_append(w, &evs[i]), 0);
	ck_assert_int_eq(rrlog_writer_close(w), 0);

	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
	const struct rrlog_header_info *rh = rrlog_reader_header(r);
	ck_assert_uint_eq(rh->version, RRLOG_FORMAT_VERSION);
	ck_assert_int_eq(rh->source, RRLOG_SOURCE_RRLOG);
	ck_assert_str_eq(rh->tool, "check_rrlog 1");
	ck_assert_str_eq(rh->config, config);
	ck_assert_uint_eq(rh->nimages, 2);
	ck_assert_str_eq(rh->images[1].path, "/tmp/d\xc3\xa9.img");
	ck_assert_uint_eq(rh->images[1].size, 1ull << 40);
	ck_assert_mem_eq(rh->images[0].sha256, h.images[0].sha256, 32);
	ck_assert_str_eq(rrlog_header_get(rh, "smp"), "2");
	ck_assert_ptr_null(rrlog_header_get(rh, "nope"));
	struct rrlog_event ev;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
		ck_assert_msg(ev_equal(&ev, &evs[i], evs[i].data), "event %d differs (kind %d)", i, ev.kind);
		ck_assert_uint_ge(rrlog_reader_event_size(r), 1);
	}
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_int_eq(ev.kind, RRLOG_END);
	ck_assert_uint_eq(ev.icount, evs[n - 1].icount);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 0);
	struct rrlog_reader_stats st;
	rrlog_reader_stats(r, &st);
	ck_assert_uint_eq(st.events, n + 1);
	rrlog_reader_close(r);
	struct rrlog_validation v;
	ck_assert_msg(rrlog_validate(path, &v) == 0, "validate: %s", v.message);
	ck_assert_uint_eq(v.events, n + 1);
	ck_assert_int_eq(v.has_footer, 1);
	for (int i = 0; i < NBIG; i++) free(blobs[i]);
	free(config);
}
END_TEST

START_TEST(test_writer_rejects)
{
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(tpath("rej.rr"), NULL, &w), 0);
	struct rrlog_event ev = { .kind = RRLOG_INSN, .icount = 100 };
	ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
	ev.icount = 99;
	ck_assert_int_eq(rrlog_writer_append(w, &ev), RRLOG_EORDER);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "below the previous"));
	ev.kind = RRLOG_END; ev.icount = 200;
	ck_assert_int_eq(rrlog_writer_append(w, &ev), RRLOG_EINVAL);
	ev.kind = RRLOG_KIND_COUNT;
	ck_assert_int_eq(rrlog_writer_append(w, &ev), RRLOG_EINVAL);
	ev.kind = RRLOG_NET; ev.len = 5; ev.data = NULL;
	ck_assert_int_eq(rrlog_writer_append(w, &ev), RRLOG_EINVAL);
	ev.kind = RRLOG_INSN; ev.len = 0; ev.icount = 150;
	ck_assert_int_eq(rrlog_writer_append(w, &ev), 0); /* still usable */
	ck_assert_int_eq(rrlog_writer_set_level(w, 1000), RRLOG_EINVAL);
	ck_assert_int_eq(rrlog_writer_set_level(w, 1), 0);
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(tpath("rej.rr"), &r), 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_uint_eq(ev.icount, 100);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_uint_eq(ev.icount, 150);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_int_eq(ev.kind, RRLOG_END);
	rrlog_reader_close(r);
	/* A terminal is refused (only checkable when we have one). */
	int tty = open("/dev/tty", O_WRONLY);
	if (tty >= 0) {
		ck_assert_int_eq(rrlog_writer_open_fd(tty, NULL, &w), RRLOG_ETTY);
		rrlog_writer_abort(w);
		close(tty);
	}
}
END_TEST

/* An event written in pieces (begin_data/write_data/end_data) makes the log append
 * makes, byte for byte: inline and data-block sizes, snapshots and other kinds,
 * pieces of every size; and the stream's misuses are refused. */
START_TEST(test_writer_stream)
{
	static const size_t sizes[] = { 0, 1, 100, RL_INLINE_MAX, RL_INLINE_MAX + 1,
					RL_DATA_CHUNK, RL_DATA_CHUNK + 1, 3 * RL_DATA_CHUNK + 5 };
	size_t max = 3 * RL_DATA_CHUNK + 5;
	uint8_t *data = malloc(max);
	ck_assert_ptr_nonnull(data);
	uint32_t x = 12345;
	for (size_t i = 0; i < max; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(i % 3 ? x >> 24 : 0); /* compressible, not trivially */
	}
	for (int kind = 0; kind < 2; kind++) {
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			size_t len = sizes[si];
			rrlog_writer *w;
			struct rrlog_event e1 = { .kind = RRLOG_INSN, .icount = 10 };
			struct rrlog_event ev = { .kind = kind ? RRLOG_SNAPSHOT : RRLOG_NET, .icount = 20,
						  .sub = kind ? RRLOG_SNAP_FULL : 3, .value = 7,
						  .data = data, .len = len };
			struct rrlog_event e2 = { .kind = RRLOG_INSN, .icount = 30 };
			ck_assert_int_eq(rrlog_writer_open(tpath("one.rr"), NULL, &w), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &e1), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &e2), 0);
			ck_assert_int_eq(rrlog_writer_close(w), 0);
			ck_assert_int_eq(rrlog_writer_open(tpath("pieces.rr"), NULL, &w), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &e1), 0);
			struct rrlog_event hdr = ev;
			hdr.data = NULL;
			ck_assert_int_eq(rrlog_writer_begin_data(w, &hdr), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &e2), RRLOG_EINVAL); /* not now */
			ck_assert_int_eq(rrlog_writer_flush(w), RRLOG_EINVAL);
			size_t done = 0, step = 1;
			while (done < len) {
				size_t k = step < len - done ? step : len - done;
				ck_assert_int_eq(rrlog_writer_write_data(w, data + done, k), 0);
				done += k;
				step = step * 7 + 3; /* 1, 10, 73, ... across every boundary */
			}
			ck_assert_int_eq(rrlog_writer_end_data(w), 0);
			ck_assert_int_eq(rrlog_writer_append(w, &e2), 0);
			ck_assert_int_eq(rrlog_writer_close(w), 0);
			size_t n1, n2;
			uint8_t *a = slurp(tpath("one.rr"), &n1), *b = slurp(tpath("pieces.rr"), &n2);
			ck_assert_msg(n1 == n2 && !memcmp(a, b, n1), "kind %d len %zu: logs differ", kind, len);
			free(a);
			free(b);
		}
	}
	/* misuse: more than len (sticky), fewer than len (sticky), a close in between */
	rrlog_writer *w;
	struct rrlog_event ev = { .kind = RRLOG_NET, .icount = 5, .len = 10 };
	ck_assert_int_eq(rrlog_writer_open(tpath("bad.rr"), NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_write_data(w, data, 1), RRLOG_EINVAL); /* no stream */
	ck_assert_int_eq(rrlog_writer_end_data(w), RRLOG_EINVAL);
	ck_assert_int_eq(rrlog_writer_begin_data(w, &ev), 0);
	ck_assert_int_eq(rrlog_writer_begin_data(w, &ev), RRLOG_EINVAL);
	ck_assert_int_eq(rrlog_writer_write_data(w, data, 11), RRLOG_EINVAL);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "more data than its len"));
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_EINVAL);
	ck_assert_int_eq(rrlog_writer_open(tpath("bad.rr"), NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_begin_data(w, &ev), 0);
	ck_assert_int_eq(rrlog_writer_write_data(w, data, 9), 0);
	ck_assert_int_eq(rrlog_writer_end_data(w), RRLOG_EINVAL);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "9 bytes of data for its len 10"));
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_EINVAL);
	ck_assert_int_eq(rrlog_writer_open(tpath("bad.rr"), NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_begin_data(w, &ev), 0);
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_EINVAL);
	ev.icount = 1; /* below the previous: refused, the writer stays usable */
	ck_assert_int_eq(rrlog_writer_open(tpath("bad.rr"), NULL, &w), 0);
	struct rrlog_event e0 = { .kind = RRLOG_INSN, .icount = 3 };
	ck_assert_int_eq(rrlog_writer_append(w, &e0), 0);
	ck_assert_int_eq(rrlog_writer_begin_data(w, &ev), RRLOG_EORDER);
	ck_assert_int_eq(rrlog_writer_append(w, &e0), 0);
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	free(data);
}
END_TEST

/* A writer (async or not) on a pipe whose reader went away, appended to until it
 * says so: RRLOG_EIO with the system's "Broken pipe". *pw: the pipe's write end. */
static rrlog_writer *write_to_gone_reader(int async, int *pw)
{
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open_fd(p[1], NULL, &w), 0);
	if (async)
		ck_assert_int_eq(rrlog_writer_set_async(w, 1), 0);
	close(p[0]);
	struct gen g;
	gen_init(&g, 1, 0);
	int rc = 0;
	for (int i = 0; i < 2000000 && !rc; i++) {
		struct rrlog_event ev;
		gen_next(&g, &ev);
		rc = rrlog_writer_append(w, &ev);
	}
	ck_assert_int_eq(rc, RRLOG_EIO);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "Broken pipe"));
	*pw = p[1];
	return w;
}

/* Writes gen's events (seed 3) with a flush every 5000 events and two big events,
 * one given in pieces; async as asked (2: on for the first half only). */
static void write_mixed(const char *path, int async)
{
	static uint8_t big[3 * RL_DATA_CHUNK + 17];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i % 5 ? i * 131 : 0);
	rrlog_writer *w;
	struct rrlog_header_info h = test_header();
	ck_assert_int_eq(rrlog_writer_open(path, &h, &w), 0);
	if (async)
		ck_assert_int_eq(rrlog_writer_set_async(w, 1), 0);
	ck_assert_int_eq(rrlog_writer_set_async(w, async != 0), 0); /* twice: no change */
	struct gen g;
	gen_init(&g, 3, 0);
	uint64_t ic = 0;
	for (int i = 0; i < 40000; i++) {
		struct rrlog_event ev;
		gen_next(&g, &ev);
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
		ic = ev.icount;
		if (i % 5000 == 4999)
			ck_assert_int_eq(rrlog_writer_flush(w), 0);
		if (i == 15000) {
			struct rrlog_event b = { .kind = RRLOG_NET, .icount = ic, .data = big, .len = sizeof big };
			ck_assert_int_eq(rrlog_writer_append(w, &b), 0);
			b.kind = RRLOG_SNAPSHOT;
			b.sub = RRLOG_SNAP_FULL;
			b.value = 1;
			ck_assert_int_eq(rrlog_writer_begin_data(w, &b), 0);
			for (size_t at = 0; at < sizeof big; at += 4096 + 8) {
				size_t k = sizeof big - at < 4096 + 8 ? sizeof big - at : 4096 + 8;
				ck_assert_int_eq(rrlog_writer_write_data(w, big + at, k), 0);
			}
			ck_assert_int_eq(rrlog_writer_end_data(w), 0);
		}
		if (i == 20000 && async == 2)
			ck_assert_int_eq(rrlog_writer_set_async(w, 0), 0);
	}
	struct rrlog_writer_stats st;
	ck_assert_int_eq(rrlog_writer_flush(w), 0);
	rrlog_writer_stats(w, &st);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(st.bytes_written, (uint64_t)sb.st_size); /* all of it, after flush */
	ck_assert_int_eq(rrlog_writer_close(w), 0);
}

/* Async mode writes the synchronous writer's log byte for byte (and so does one
 * that leaves async mode midway); the thread's I/O error reaches the caller. */
START_TEST(test_writer_async)
{
	write_mixed(tpath("sync.rr"), 0);
	size_t n0, n1, n2;
	uint8_t *a = slurp(tpath("sync.rr"), &n0);
	for (int mode = 1; mode <= 2; mode++) {
		write_mixed(tpath("async.rr"), mode);
		uint8_t *b = slurp(tpath("async.rr"), mode == 1 ? &n1 : &n2);
		size_t n = mode == 1 ? n1 : n2;
		ck_assert_msg(n == n0 && !memcmp(a, b, n0), "async mode %d: the log differs", mode);
		free(b);
	}
	free(a);
	struct rrlog_validation v;
	ck_assert_int_eq(rrlog_validate(tpath("async.rr"), &v), 0);
	/* a reader that goes away: the error comes back from a later call */
	int pw;
	rrlog_writer *w = write_to_gone_reader(1, &pw);
	ck_assert_int_eq(rrlog_writer_flush(w), RRLOG_EIO);
	ck_assert_int_eq(rrlog_writer_set_async(w, 0), RRLOG_EIO);
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_EIO);
	close(pw);
	struct gen g;
	/* abort with blocks queued: no leak, no hang (ASan and valgrind runs check) */
	ck_assert_int_eq(rrlog_writer_open(tpath("ab.rr"), NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_set_async(w, 1), 0);
	gen_init(&g, 2, 0);
	for (int i = 0; i < 100000; i++) {
		struct rrlog_event ev;
		gen_next(&g, &ev);
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
	}
	rrlog_writer_abort(w);
	ck_assert_int_eq(rrlog_writer_set_async(NULL, 1), RRLOG_EINVAL);
}
END_TEST

START_TEST(test_insn_compact)
{
	const char *path = tpath("insn.rr");
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(path, NULL, &w), 0);
	struct rrlog_event ev = { .kind = RRLOG_INSN };
	uint64_t n = 1000000;
	for (uint64_t i = 0; i < n; i++) {
		ev.icount += 1 + i % 63;     /* deltas below 64: one byte each */
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
	}
	struct rrlog_writer_stats st;
	rrlog_writer_flush(w);
	rrlog_writer_stats(w, &st);
	ck_assert_uint_eq(st.raw_bytes, n);
	for (uint64_t i = 0; i < n; i++) {
		ev.icount += 1000 + i % 7000; /* deltas below 8192: two bytes */
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
	}
	rrlog_writer_flush(w);
	rrlog_writer_stats(w, &st);
	ck_assert_uint_le(st.raw_bytes, 3 * n);     /* a block's first event has delta 0 */
	ck_assert_uint_ge(st.raw_bytes, 3 * n - 100);
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	struct rrlog_validation v;
	ck_assert_int_eq(rrlog_validate(path, &v), 0);
	ck_assert_uint_eq(v.last_icount, ev.icount);
}
END_TEST

/* ---- seeking ---- */

/* Checks seek(target) returns the first event >= target, against evs[0..n). */
static void check_seek(rrlog_reader *r, const struct evcopy *evs, uint64_t n, uint64_t target,
                       int expect_trunc_at_end)
{
	uint64_t lo = 0, hi = n;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (evs[mid].ev.icount >= target) hi = mid; else lo = mid + 1;
	}
	int rc = rrlog_reader_seek(r, target);
	struct rrlog_event ev;
	if (lo == n) {
		/* past the last event: END if its icount qualifies, else the end */
		if (rc == 0) rc = rrlog_reader_next(r, &ev);
		if (expect_trunc_at_end) ck_assert_int_eq(rc, RRLOG_ETRUNCATED);
		else if (rc == 1) ck_assert_int_eq(ev.kind, RRLOG_END);
		else ck_assert_int_eq(rc, 0);
		return;
	}
	ck_assert_int_eq(rc, 0);
	for (uint64_t i = lo; i < lo + 3 && i < n; i++) {
		ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
		ck_assert_msg(ev_equal(&ev, &evs[i].ev, evs[i].data),
		              "seek %llu: event %llu differs", (unsigned long long)target,
		              (unsigned long long)i);
	}
}

static void seek_suite(const char *path, const struct evcopy *evs, uint64_t n, int trunc)
{
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
	uint64_t last = evs[n - 1].ev.icount;
	struct gen g;
	gen_init(&g, 77, 0);
	check_seek(r, evs, n, 0, trunc);
	check_seek(r, evs, n, last, trunc);
	check_seek(r, evs, n, last + 1, trunc);
	check_seek(r, evs, n, evs[n / 2].ev.icount, trunc);
	for (int i = 0; i < 200; i++) check_seek(r, evs, n, gen_rand(&g) % (last + 2), trunc);
	/* Seek cost does not involve reading the log: a few blocks and probes. */
	struct rrlog_reader_stats a, b;
	rrlog_reader_stats(r, &a);
	check_seek(r, evs, n, evs[n / 3].ev.icount, trunc);
	rrlog_reader_stats(r, &b);
	ck_assert_uint_le(b.blocks - a.blocks, 2);
	ck_assert_uint_lt(b.mem_bytes, 4u << 20);
	rrlog_reader_close(r);
}

START_TEST(test_seek_footer)
{
	const char *path = tpath("seek.rr");
	uint64_t n = 300000;
	struct evcopy *evs;
	write_gen(path, n, 3, 0, &evs);
	seek_suite(path, evs, n, 0);
	/* Reading through to the end still works after seeks. */
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
	ck_assert_int_eq(rrlog_reader_seek(r, evs[n - 10].ev.icount), 0);
	struct rrlog_event ev;
	int rc, k = 0;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) k++;
	ck_assert_int_eq(rc, 0);
	ck_assert_int_ge(k, 10);
	struct rrlog_block_info bi;
	ck_assert_int_eq(rrlog_reader_block(r, &bi), 0);
	ck_assert_uint_eq(bi.type, RRLOG_BLOCK_EVENTS);
	ck_assert_uint_le(bi.raw, RL_EVBLOCK_MAX);
	rrlog_reader_close(r);
	free_evs(evs, n);
}
END_TEST

START_TEST(test_seek_nofooter)
{
	const char *path = tpath("nofoot.rr");
	uint64_t n = 300000;
	struct evcopy *evs;
	write_gen(path, n, 4, 0, &evs);
	/* Cut the log at the start of its index block: END is still there. */
	size_t sz;
	uint8_t *b = slurp(path, &sz);
	uint64_t ixo = rl_get64(b + sz - RL_FOOT + 8);
	ck_assert_int_eq(truncate(path, ixo), 0);
	seek_suite(path, evs, n, 0);
	struct rrlog_validation v;
	ck_assert_int_eq(rrlog_validate(path, &v), RRLOG_ETRUNCATED);
	/* Cut in the middle of a block: the events before it stay readable and seekable. */
	ck_assert_int_eq(truncate(path, ixo / 2), 0);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
	struct rrlog_event ev;
	uint64_t k = 0;
	int rc;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		ck_assert(ev_equal(&ev, &evs[k].ev, evs[k].data));
		k++;
	}
	ck_assert_int_eq(rc, RRLOG_ETRUNCATED);
	ck_assert_uint_gt(k, n / 4);
	ck_assert_int_eq(rrlog_reader_seek(r, evs[k / 2].ev.icount), 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_uint_ge(ev.icount, evs[k / 2].ev.icount);
	rrlog_reader_close(r);
	free(b);
	free_evs(evs, n);
}
END_TEST

/* Runs child(fd) in a forked process writing to a pipe; returns the read end. */
static int pipe_from(void (*child)(int fd, void *arg), void *arg, pid_t *pid)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (!*pid) {
		close(p[0]);
		child(p[1], arg);
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

struct feed { const uint8_t *b; size_t n; size_t chunk; };
static void feed_child(int fd, void *arg)
{
	struct feed *f = arg;
	for (size_t i = 0; i < f->n; i += f->chunk) {
		size_t k = f->n - i < f->chunk ? f->n - i : f->chunk;
		if (rl_write_full(fd, f->b + i, k)) _exit(1);
	}
}

START_TEST(test_pipe_and_short_reads)
{
	const char *path = tpath("pipe.rr");
	uint64_t n = 150000;
	struct evcopy *evs;
	write_gen(path, n, 5, 0, &evs);
	size_t sz;
	uint8_t *b = slurp(path, &sz);
	static const size_t chunks[] = { 3, 7, 4096, 1 << 20 };
	for (int c = 0; c < 4; c++) {
		struct feed f = { b, c == 0 ? sz * 3 / 4 : sz, chunks[c] }; /* tiny writes: a prefix */
		pid_t pid;
		int fd = pipe_from(feed_child, &f, &pid);
		rrlog_reader *r;
		ck_assert_int_eq(rrlog_reader_open_fd(fd, &r), 0);
		struct rrlog_event ev;
		uint64_t k = 0;
		int rc;
		if (c == 2) { /* forward seek on a pipe, then a refused backward one */
			ck_assert_int_eq(rrlog_reader_seek(r, evs[n / 2].ev.icount), 0);
			for (k = 0; evs[k].ev.icount < evs[n / 2].ev.icount; k++) {}
		}
		while ((rc = rrlog_reader_next(r, &ev)) == 1) {
			if (ev.kind == RRLOG_END) break;
			ck_assert_msg(ev_equal(&ev, &evs[k].ev, evs[k].data), "chunk %zu event %llu",
			              chunks[c], (unsigned long long)k);
			k++;
		}
		if (c == 0) {
			ck_assert_int_eq(rc, RRLOG_ETRUNCATED);
			ck_assert_uint_gt(k, 1000);
		} else {
			ck_assert_int_eq(rc, 1);
			ck_assert_uint_eq(k, n);
		}
		if (c == 2) ck_assert_int_eq(rrlog_reader_seek(r, 0), RRLOG_ESEEK);
		rrlog_reader_close(r);
		close(fd);
		waitpid(pid, NULL, 0);
	}
	/* Validation from a pipe. */
	struct feed f = { b, sz, 65536 };
	pid_t pid;
	int fd = pipe_from(feed_child, &f, &pid);
	struct rrlog_validation v;
	ck_assert_msg(rrlog_validate_fd(fd, &v) == 0, "%s", v.message);
	close(fd);
	waitpid(pid, NULL, 0);
	free(b);
	free_evs(evs, n);
}
END_TEST

/* ---- damage ---- */

/* Reads path: every event must equal evs' prefix; returns the final code and the
 * number of events in *k. */
static int read_prefix(const char *path, const struct evcopy *evs, uint64_t n, uint64_t *k)
{
	rrlog_reader *r;
	int rc = rrlog_reader_open(path, &r);
	*k = 0;
	if (rc) {
		ck_assert_str_ne(rrlog_reader_errmsg(r), "");
		rrlog_reader_close(r);
		return rc;
	}
	struct rrlog_event ev;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		if (*k == n) { ck_assert_int_eq(ev.kind, RRLOG_END); continue; }
		ck_assert_msg(ev_equal(&ev, &evs[*k].ev, evs[*k].data), "event %llu misread",
		              (unsigned long long)*k);
		(*k)++;
	}
	if (rc) ck_assert_str_ne(rrlog_reader_errmsg(r), "");
	rrlog_reader_close(r);
	return rc;
}

/* A small log with several blocks and a data-block event. */
static uint8_t *small_log(const char *path, struct evcopy **evs, uint64_t *n, size_t *sz)
{
	struct rrlog_header_info h = test_header();
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(path, &h, &w), 0);
	struct gen g;
	gen_init(&g, 9, 0);
	*n = 1200;
	*evs = calloc(*n, sizeof **evs);
	static uint8_t blob[RL_INLINE_MAX + 100];
	for (size_t i = 0; i < sizeof blob; i++) blob[i] = i % 251;
	for (uint64_t i = 0; i < *n; i++) {
		struct rrlog_event ev;
		gen_next(&g, &ev);
		if (i == 700) { ev.kind = RRLOG_SNAPSHOT; ev.data = blob; ev.len = sizeof blob; }
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
		(*evs)[i].ev = ev;
		if (ev.len) { (*evs)[i].data = malloc(ev.len); memcpy((*evs)[i].data, ev.data, ev.len); }
		if (i % 300 == 299) ck_assert_int_eq(rrlog_writer_flush(w), 0);
	}
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	return slurp(path, sz);
}

START_TEST(test_truncate_everywhere)
{
	const char *path = tpath("small.rr"), *cut = tpath("cut.rr");
	struct evcopy *evs;
	uint64_t n, k;
	size_t sz;
	uint8_t *b = small_log(path, &evs, &n, &sz);
	uint64_t ixo = rl_get64(b + sz - RL_FOOT + 8);
	uint64_t prevk = 0;
	for (size_t len = 0; len < sz; len += len < 300 || len > ixo - 64 ? 1 : 13) {
		spit(cut, b, len);
		int rc = read_prefix(cut, evs, n, &k);
		if (len == 0) ck_assert_int_eq(rc, RRLOG_ENOTLOG);
		else if (len >= ixo) ck_assert_int_eq(rc, 0);  /* END present; footer not needed */
		else ck_assert_msg(rc == RRLOG_ETRUNCATED, "len %zu: rc %d", len, rc);
		ck_assert_uint_ge(k, prevk);  /* a longer prefix never reads fewer events */
		prevk = k;
		struct rrlog_validation v;
		int vr = rrlog_validate(cut, &v);
		ck_assert_msg(vr == (len ? RRLOG_ETRUNCATED : RRLOG_ENOTLOG), "len %zu: validate %d %s",
		              len, vr, v.message);
	}
	ck_assert_uint_eq(prevk, n);
	free(b);
	free_evs(evs, n);
}
END_TEST

START_TEST(test_bitflip_everywhere)
{
	const char *path = tpath("small.rr"), *bad = tpath("flip.rr");
	struct evcopy *evs;
	uint64_t n, k;
	size_t sz;
	uint8_t *b = small_log(path, &evs, &n, &sz);
	for (size_t i = 0; i < sz; i += i < 400 || i > sz - 400 ? 1 : 7) {
		uint8_t bit = 1 << (i % 8);
		b[i] ^= bit;
		spit(bad, b, sz);
		b[i] ^= bit;
		int rc = read_prefix(bad, evs, n, &k);
		ck_assert_msg(rc <= 0, "offset %zu", i);
		struct rrlog_validation v;
		int vr = rrlog_validate(bad, &v);
		ck_assert_msg(vr < 0, "flip at offset %zu not detected", i);
		ck_assert_str_ne(v.message, "");
	}
	free(b);
	free_evs(evs, n);
}
END_TEST

START_TEST(test_bad_headers)
{
	struct evcopy *evs;
	uint64_t n, k;
	size_t sz;
	uint8_t *b = small_log(tpath("small.rr"), &evs, &n, &sz);
	rrlog_reader *r;
	/* future version */
	b[8] = 3;
	spit(tpath("future.rr"), b, sz);
	b[8] = RRLOG_FORMAT_VERSION;
	ck_assert_int_eq(rrlog_reader_open(tpath("future.rr"), &r), RRLOG_EVERSION);
	ck_assert_str_eq(rrlog_reader_errmsg(r), "log format version 3; this reader knows 1..2");
	rrlog_reader_close(r);
	/* empty, garbage, a bare magic */
	spit(tpath("empty"), "", 0);
	ck_assert_int_eq(rrlog_reader_open(tpath("empty"), &r), RRLOG_ENOTLOG);
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "empty"));
	rrlog_reader_close(r);
	spit(tpath("garbage"), "hello, world, this is text\n", 27);
	ck_assert_int_eq(rrlog_reader_open(tpath("garbage"), &r), RRLOG_ENOTLOG);
	rrlog_reader_close(r);
	spit(tpath("magic"), b, 5);
	ck_assert_int_eq(rrlog_reader_open(tpath("magic"), &r), RRLOG_ETRUNCATED);
	rrlog_reader_close(r);
	/* missing file, a directory */
	ck_assert_int_eq(rrlog_reader_open(tpath("missing"), &r), RRLOG_EIO);
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "No such file"));
	rrlog_reader_close(r);
	ck_assert_int_eq(rrlog_reader_open(tmpdir, &r), RRLOG_EIO);
	rrlog_reader_close(r);
	(void)k;
	free(b);
	free_evs(evs, n);
}
END_TEST

START_TEST(test_zero_events)
{
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(tpath("zero.rr"), NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(tpath("zero.rr"), &r), 0);
	ck_assert_str_eq(rrlog_reader_header(r)->tool, "");
	ck_assert_uint_eq(rrlog_reader_header(r)->nimages, 0);
	struct rrlog_event ev;
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_int_eq(ev.kind, RRLOG_END);
	ck_assert_uint_eq(ev.icount, 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 0);
	ck_assert_int_eq(rrlog_reader_seek(r, 5), 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 0);
	rrlog_reader_close(r);
	struct rrlog_validation v;
	ck_assert_msg(rrlog_validate(tpath("zero.rr"), &v) == 0, "%s", v.message);
	ck_assert_uint_eq(v.events, 1);
}
END_TEST

START_TEST(test_killed_writer)
{
	const char *path = tpath("killed.rr");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct rrlog_header_info h = test_header();
		rrlog_writer *w;
		if (rrlog_writer_open(path, &h, &w)) _exit(3);
		struct gen g;
		gen_init(&g, 11, 0);
		for (int i = 0; i < 100000; i++) {
			struct rrlog_event ev;
			gen_next(&g, &ev);
			if (rrlog_writer_append(w, &ev)) _exit(4);
			if (i == 49999 && rrlog_writer_flush(w)) _exit(5);
		}
		raise(SIGKILL);
		_exit(6);
	}
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	struct evcopy *evs;
	write_gen(tpath("ref.rr"), 100000, 11, 0, &evs);
	uint64_t k;
	ck_assert_int_eq(read_prefix(path, evs, 100000, &k), RRLOG_ETRUNCATED);
	ck_assert_uint_ge(k, 50000);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
	struct rrlog_event ev;
	int rc;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {}
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "without an END event"));
	/* The index is rebuilt by scanning: seeking works. */
	ck_assert_int_eq(rrlog_reader_seek(r, evs[20000].ev.icount), 0);
	ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
	ck_assert_uint_ge(ev.icount, evs[20000].ev.icount);
	rrlog_reader_close(r);
	struct rrlog_validation v;
	ck_assert_int_eq(rrlog_validate(path, &v), RRLOG_ETRUNCATED);
	free_evs(evs, 100000);
}
END_TEST

/* ---- I/O faults ---- */

START_TEST(test_enospc)
{
	rrlog_writer *w;
	struct rrlog_header_info h = test_header();
	/* The header is written at open: /dev/full fails at once. */
	int fd = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(rrlog_writer_open_fd(fd, &h, &w), RRLOG_ENOSPC);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "No space left"));
	struct rrlog_event ev = { .kind = RRLOG_INSN, .icount = 1 };
	ck_assert_int_eq(rrlog_writer_append(w, &ev), RRLOG_ENOSPC); /* sticky */
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_ENOSPC);
	close(fd);
	ck_assert_int_eq(rrlog_writer_open("/dev/full", &h, &w), RRLOG_ENOSPC);
	rrlog_writer_abort(w);
	/* Unwritable path */
	ck_assert_int_eq(rrlog_writer_open("/nonexistent/dir/x.rr", &h, &w), RRLOG_EIO);
	ck_assert_ptr_nonnull(strstr(rrlog_writer_errmsg(w), "cannot create"));
	rrlog_writer_abort(w);
}
END_TEST

static void close_child(int fd, void *arg) { (void)arg; close(fd); }

START_TEST(test_epipe)
{
	int pw;
	rrlog_writer *w = write_to_gone_reader(0, &pw);
	struct rrlog_writer_stats st;
	rrlog_writer_stats(w, &st);
	ck_assert_uint_gt(st.events, 0);
	ck_assert_int_eq(rrlog_writer_flush(w), RRLOG_EIO);
	ck_assert_int_eq(rrlog_writer_close(w), RRLOG_EIO);
	close(pw);
	/* A reader on a pipe whose writer closed at once: not a log. */
	pid_t pid;
	int fd = pipe_from(close_child, NULL, &pid);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open_fd(fd, &r), RRLOG_ENOTLOG);
	rrlog_reader_close(r);
	close(fd);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_read_eio)
{
	/* A write-only fd cannot be read: EIO with the system's message. */
	int fd = open(tpath("wo"), O_WRONLY | O_CREAT, 0644);
	rrlog_reader *r;
	ck_assert_int_eq(rrlog_reader_open_fd(fd, &r), RRLOG_EIO);
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "Bad file descriptor"));
	rrlog_reader_close(r);
	close(fd);
}
END_TEST

/* ---- QEMU logs (synthetic; tests/rrdump_qemu.sh uses real ones) ---- */

static size_t q_put(uint8_t *p, int n, uint64_t v)
{
	for (int i = 0; i < n; i++) p[i] = v >> (8 * (n - 1 - i));
	return n;
}

static size_t qemu_log(uint8_t *b)
{
	size_t o = 0;
	o += q_put(b + o, 4, 0x00e0200c);
	o += q_put(b + o, 8, 0);
	b[o++] = 28; o += q_put(b + o, 8, 123456789);           /* CLOCK host */
	b[o++] = 37;                                             /* CHECKPOINT init */
	b[o++] = 0; o += q_put(b + o, 4, 1000);                  /* INSTRUCTION */
	b[o++] = 1;                                              /* INTERRUPT */
	b[o++] = 3; o += q_put(b + o, 8, 42);                    /* BH */
	b[o++] = 5; o += q_put(b + o, 4, 0); o += q_put(b + o, 4, 1); o += q_put(b + o, 4, 30);
	b[o++] = 1;                                              /* INPUT key qcode 30 down */
	b[o++] = 6;                                              /* INPUT_SYNC */
	b[o++] = 0; o += q_put(b + o, 4, 0xffffffff);            /* INSTRUCTION */
	b[o++] = 7; b[o++] = 0; o += q_put(b + o, 4, 3); memcpy(b + o, "hi\n", 3); o += 3;
	b[o++] = 8; o += q_put(b + o, 8, 7);                     /* BLOCK */
	b[o++] = 9; b[o++] = 1; o += q_put(b + o, 4, 2); o += q_put(b + o, 4, 4);
	memcpy(b + o, "\x01\x02\x03\x04", 4); o += 4;            /* NET */
	b[o++] = 22; o += q_put(b + o, 4, 1); o += q_put(b + o, 4, 9); /* CHAR_WRITE */
	b[o++] = 26; o += q_put(b + o, 8, 1); o += q_put(b + o, 8, 5);
	o += q_put(b + o, 8, 0x11); o += q_put(b + o, 8, 0x22);  /* AUDIO_IN 1 pair */
	b[o++] = 27; o += q_put(b + o, 4, 0); o += q_put(b + o, 4, 2); b[o++] = 0xab; b[o++] = 0xcd;
	b[o++] = 29; o += q_put(b + o, 8, 555);                  /* CLOCK vrt */
	b[o++] = 16;                                             /* SHUTDOWN guest-shutdown */
	b[o++] = 39;                                             /* END */
	return o;
}

START_TEST(test_qemu_synthetic)
{
	uint8_t b[512];
	size_t n = qemu_log(b);
	const char *path = tpath("q.qrr");
	spit(path, b, n);
	static const int kinds[] = { RRLOG_CLOCK_HOST, RRLOG_CHECKPOINT, RRLOG_INSN, RRLOG_INTERRUPT,
		RRLOG_ASYNC_BH, RRLOG_ASYNC_INPUT, RRLOG_ASYNC_INPUT_SYNC, RRLOG_INSN, RRLOG_CHAR_READ,
		RRLOG_BLOCK, RRLOG_NET, RRLOG_CHAR_WRITE, RRLOG_AUDIO_IN, RRLOG_RANDOM, RRLOG_CLOCK_VRT,
		RRLOG_SHUTDOWN, RRLOG_END };
	for (int viapipe = 0; viapipe < 2; viapipe++) {
		rrlog_reader *r;
		pid_t pid = 0;
		int fd = -1;
		struct feed f = { b, n, 3 };
		if (viapipe) {
			fd = pipe_from(feed_child, &f, &pid);
			ck_assert_int_eq(rrlog_reader_open_fd(fd, &r), 0);
		} else {
			ck_assert_int_eq(rrlog_reader_open(path, &r), 0);
		}
		ck_assert_int_eq(rrlog_reader_header(r)->source, RRLOG_SOURCE_QEMU);
		ck_assert_uint_eq(rrlog_reader_header(r)->version, 0xe0200c);
		struct rrlog_event ev;
		for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
			ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
			ck_assert_int_eq(ev.kind, kinds[i]);
			if (i == 0) ck_assert_uint_eq(ev.value, 123456789);
			if (i == 1) ck_assert_uint_eq(ev.sub, RRLOG_CP_INIT);
			if (i == 2) ck_assert_uint_eq(ev.icount, 1000);
			if (i == 4) { ck_assert_uint_eq(ev.value, 42); ck_assert_uint_eq(ev.icount, 1000); }
			if (i == 5) { ck_assert_uint_eq(ev.sub, 0); ck_assert_uint_eq(ev.value, 30); ck_assert_uint_eq(ev.len, 9); }
			if (i == 7) ck_assert_uint_eq(ev.icount, 1000 + 0xffffffffull);
			if (i == 8) { ck_assert_uint_eq(ev.len, 3); ck_assert_mem_eq(ev.data, "hi\n", 3); }
			if (i == 10) { ck_assert_uint_eq(ev.sub, 1); ck_assert_uint_eq(ev.value, 2); ck_assert_uint_eq(ev.len, 4); }
			if (i == 11) { ck_assert_uint_eq(ev.sub, 1); ck_assert_uint_eq(ev.value, 9); }
			if (i == 12) { ck_assert_uint_eq(ev.value, 1); ck_assert_uint_eq(ev.len, 24); }
			if (i == 13) { ck_assert_uint_eq(ev.len, 2); ck_assert_uint_eq(ev.data[1], 0xcd); }
			if (i == 15) ck_assert_uint_eq(ev.sub, RRLOG_SHUTDOWN_GUEST_SHUTDOWN);
		}
		ck_assert_int_eq(rrlog_reader_next(r, &ev), 0);
		if (!viapipe) { /* seek back and forth */
			ck_assert_int_eq(rrlog_reader_seek(r, 1001), 0);
			ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
			ck_assert_int_eq(ev.kind, RRLOG_INSN);
			ck_assert_int_eq(rrlog_reader_seek(r, 5), 0);
			ck_assert_int_eq(rrlog_reader_next(r, &ev), 1);
			ck_assert_uint_eq(ev.icount, 1000);
		}
		rrlog_reader_close(r);
		if (viapipe) { close(fd); waitpid(pid, NULL, 0); }
	}
	struct rrlog_validation v;
	ck_assert_msg(rrlog_validate(path, &v) == 0, "%s", v.message);
	ck_assert_int_eq(v.source, RRLOG_SOURCE_QEMU);
	rrlog_reader *r;
	/* newer version */
	b[3] = 0x0d;
	spit(tpath("q13"), b, n);
	ck_assert_int_eq(rrlog_reader_open(tpath("q13"), &r), RRLOG_EVERSION);
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "0xe0200d"));
	rrlog_reader_close(r);
	/* unfinished recording: no version */
	b[1] = b[2] = b[3] = 0;
	spit(tpath("q0"), b, n);
	ck_assert_int_eq(rrlog_reader_open(tpath("q0"), &r), RRLOG_EUNSUPPORTED);
	rrlog_reader_close(r);
	b[1] = 0xe0; b[2] = 0x20; b[3] = 0x0c;
	/* an id 7.2 does not have: refused at open, with the 7.1 hint */
	b[12 + 9] = 45;
	spit(tpath("qbad"), b, n);
	ck_assert_int_eq(rrlog_reader_open(tpath("qbad"), &r), RRLOG_EUNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(rrlog_reader_errmsg(r), "7.1"));
	rrlog_reader_close(r);
	b[12 + 9] = 37;
	/* trailing bytes after END */
	b[n] = 0;
	spit(tpath("qtail"), b, n + 1);
	ck_assert_int_eq(rrlog_reader_open(tpath("qtail"), &r), RRLOG_EUNSUPPORTED);
	rrlog_reader_close(r);
	/* truncated inside the NET event: the prefix, then ETRUNCATED */
	for (size_t len = 12; len < n; len++) {
		spit(tpath("qcut"), b, len);
		int rc = rrlog_reader_open(tpath("qcut"), &r);
		ck_assert_int_eq(rc, 0);
		struct rrlog_event ev;
		size_t k = 0;
		while ((rc = rrlog_reader_next(r, &ev)) == 1) ck_assert_int_eq(ev.kind, kinds[k++]);
		ck_assert_int_eq(rc, RRLOG_ETRUNCATED);
		rrlog_reader_close(r);
		ck_assert_int_eq(rrlog_validate(tpath("qcut"), &v), RRLOG_ETRUNCATED);
	}
}
END_TEST

/* ---- fixtures for tests/rrdump*.sh ---- */

START_TEST(test_write_fixtures)
{
	const char *b = getenv("BUILD");
	if (!b) return;
	char dir[512], p[600];
	snprintf(dir, sizeof dir, "%s/fixtures", b);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/fixtures/rrlog", b);
	mkdir(dir, 0755);
	/* mixed.rr: a realistic mix, 50000 events.  Flushed every 2000 events, as a
	 * recorder flushes about once a second, so that it spans 25 event blocks (50000
	 * events fit one 256 KiB block otherwise) and the shell tests' windows, seeks and
	 * truncations cross block boundaries. */
	snprintf(p, sizeof p, "%s/mixed.rr", dir);
	{
		struct rrlog_header_info mh = test_header();
		rrlog_writer *mw;
		ck_assert_int_eq(rrlog_writer_open(p, &mh, &mw), 0);
		struct gen g;
		gen_init(&g, 21, 0);
		for (int i = 1; i <= 50000; i++) {
			struct rrlog_event ev;
			gen_next(&g, &ev);
			ck_assert_int_eq(rrlog_writer_append(mw, &ev), 0);
			if (i % 2000 == 0 && i < 50000) ck_assert_int_eq(rrlog_writer_flush(mw), 0);
		}
		struct rrlog_writer_stats st;
		rrlog_writer_stats(mw, &st);
		ck_assert_uint_ge(st.blocks, 24);
		ck_assert_int_eq(rrlog_writer_close(mw), 0);
	}
	/* kinds.rr: one event of every kind, fixed values, serial text and a snapshot */
	snprintf(p, sizeof p, "%s/kinds.rr", dir);
	struct rrlog_header_info h = test_header();
	rrlog_writer *w;
	ck_assert_int_eq(rrlog_writer_open(p, &h, &w), 0);
	static uint8_t snap[200000];
	for (size_t i = 0; i < sizeof snap; i++) snap[i] = i * 13;
	for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
		if (k == RRLOG_END) continue;
		struct rrlog_event ev = { .kind = k, .icount = 1000 * k, .sub = k % 4, .value = 100 + k };
		if (k == RRLOG_CHAR_READ) { ev.data = (const uint8_t *)"ls -l\n\"q\""; ev.len = 10; }
		if (k == RRLOG_NET) { ev.data = (const uint8_t *)"\xff\xff\xff\xff\xff\xff"; ev.len = 6; }
		if (k == RRLOG_SNAPSHOT) { ev.data = snap; ev.len = sizeof snap; }
		if (k == RRLOG_SHUTDOWN) ev.sub = RRLOG_SHUTDOWN_GUEST_SHUTDOWN;
		if (k == RRLOG_CHECKPOINT) ev.sub = RRLOG_CP_INIT;
		if (k == RRLOG_STATE_HASH) ev.value = 0xdeadbeefcafef00dull;
		ck_assert_int_eq(rrlog_writer_append(w, &ev), 0);
	}
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	/* zero.rr: no events */
	snprintf(p, sizeof p, "%s/zero.rr", dir);
	ck_assert_int_eq(rrlog_writer_open(p, NULL, &w), 0);
	ck_assert_int_eq(rrlog_writer_close(w), 0);
	/* killed.rr: a writer killed with SIGKILL after flushing 20000 of 30000 events */
	snprintf(p, sizeof p, "%s/killed.rr", dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		if (rrlog_writer_open(p, &h, &w)) _exit(3);
		struct gen g;
		gen_init(&g, 31, 0);
		for (int i = 1; i <= 30000; i++) {
			struct rrlog_event ev;
			gen_next(&g, &ev);
			if (rrlog_writer_append(w, &ev)) _exit(4);
			if (i % 10000 == 0 && i < 30000 && rrlog_writer_flush(w)) _exit(5);
		}
		raise(SIGKILL);
		_exit(6);
	}
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFSIGNALED(st));
}
END_TEST

Suite *rrlog_suite(void)
{
	Suite *s = suite_create("rrlog");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_varint);
	tcase_add_test(tc, test_crc32c);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_roundtrip_kinds);
	tcase_add_test(tc, test_writer_rejects);
	tcase_add_test(tc, test_writer_stream);
	tcase_add_test(tc, test_writer_async);
	tcase_add_test(tc, test_insn_compact);
	tcase_add_test(tc, test_seek_footer);
	tcase_add_test(tc, test_seek_nofooter);
	tcase_add_test(tc, test_pipe_and_short_reads);
	tcase_add_test(tc, test_truncate_everywhere);
	tcase_add_test(tc, test_bitflip_everywhere);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_zero_events);
	tcase_add_test(tc, test_killed_writer);
	tcase_add_test(tc, test_enospc);
	tcase_add_test(tc, test_epipe);
	tcase_add_test(tc, test_read_eio);
	tcase_add_test(tc, test_qemu_synthetic);
	tcase_add_test(tc, test_write_fixtures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rrlog_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
