/* check_machine: the board and its run loop: image loading errors, determinism under
 * any slicing, snapshots, SMP scheduling, fatal guests, console backpressure (the
 * room the machine tells the host, partial delivery, the live host's bounded
 * read-ahead, the replayer's check). Guest programs come from $TOP/build/guest
 * (make guest-tests). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "emu/machine.h"
#include "emu/machine_impl.h"
#include "emu/loader.h"
#include "emu/uart16550.h"
#include "host/host_live.h"
#include "replay/replay.h"

#include "fake_host.h"

#define fake fake_host

static char *guest(const char *name)
{
	static char path[4096];
	const char *top = getenv("TOP");
	snprintf(path, sizeof path, "%s/build/guest/%s.elf", top ? top : ".", name);
	return path;
}

static struct machine_config bare(const char *prog, int nharts)
{
	struct machine_config c = { 0 };
	c.ram_size = 64ull << 20;
	c.nharts = nharts;
	c.bios = "none";
	c.kernel = guest(prog);
	c.rng = 1;
	return c;
}

static struct machine *mk(struct machine_config *c, struct fake *f)
{
	char err[256];
	struct machine *m = machine_new(c, &f->host, err, sizeof err);
	ck_assert_msg(m != NULL, "machine_new: %s", err);
	return m;
}

/* Run to the end in steps of `step` instructions (0: one call). */
static int run_steps(struct machine *m, uint64_t step)
{
	int e;
	if (!step)
		return machine_run(m, UINT64_MAX);
	do
		e = machine_run(m, machine_icount(m) + step);
	while (e == MACHINE_EXIT_ICOUNT);
	return e;
}

START_TEST(test_hello)
{
	struct fake *f = fake_new();
	struct machine_config c = bare("hello", 1);
	struct machine *m = mk(&c, f);
	int e = machine_run(m, UINT64_MAX);
	ck_assert_int_eq(e, MACHINE_EXIT_POWEROFF);
	ck_assert_int_eq(machine_exit_code(m), 0);
	ck_assert_msg(strstr(f->serial, "hello from hart 0, ok 42 0x0000beef -7"), "output: %s", f->serial);
	ck_assert(machine_icount(m) > 100);
	machine_free(m);
	free(f);
}
END_TEST

/* The same program gives the same output, icount and state whatever the slicing. */
START_TEST(test_split_invariance)
{
	static const char *progs[] = { "rv64i", "rv64a", "fparith" };
	for (int p = 0; p < 3; p++) {
		uint64_t ref_hash = 0, ref_ic = 0;
		char ref_out[65536];
		static const uint64_t steps[] = { 0, 1, 7, 777, 100003 };
		for (int s = 0; s < 5; s++) {
			if (p == 2 && steps[s] == 1)
				continue; /* one-instruction slices of the FP table take long under ASan */
			struct fake *f = fake_new();
			struct machine_config c = bare(progs[p], 1);
			struct machine *m = mk(&c, f);
			int e = run_steps(m, steps[s]);
			ck_assert_msg(e == MACHINE_EXIT_POWEROFF, "%s step %llu: exit %d %s", progs[p],
				      (unsigned long long)steps[s], e, machine_errmsg(m));
			if (s == 0) {
				ref_hash = machine_state_hash(m);
				ref_ic = machine_icount(m);
				strcpy(ref_out, f->serial);
			} else {
				ck_assert_uint_eq(machine_icount(m), ref_ic);
				ck_assert_uint_eq(machine_state_hash(m), ref_hash);
				ck_assert_str_eq(f->serial, ref_out);
			}
			machine_free(m);
			free(f);
		}
	}
}
END_TEST

/* The RAM hash from its definition (machine.h: a hash, seed 2, of the per-page
 * hashes, seed 3, of every 4 KiB page), for test_ram_hash_incremental. */
static uint64_t ram_hash_from_scratch(struct machine *m)
{
	uint64_t npages = m->cfg.ram_size >> 12;
	uint64_t *ph = malloc(npages * sizeof *ph);
	ck_assert(ph != NULL);
	for (uint64_t i = 0; i < npages; i++)
		ph[i] = machine_hash_bytes(3, m->ram + (i << 12), 4096);
	uint64_t h = machine_hash_bytes(2, ph, npages * sizeof *ph);
	free(ph);
	return h;
}

static uint64_t ram_hash_incremental(struct machine *m)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(m, h), k = 0;
	while (k < n && strcmp(machine_hash_name(k), "ram"))
		k++;
	ck_assert_int_lt(k, n);
	return h[k];
}

/* The RAM hash kept up to date page by page (dirty flags set by stores through
 * write mappings, dropped after each hash) equals the hash computed from scratch,
 * on both cores, after every slice: stores through the MMU and the page walker's
 * A/D updates (mmu, vmchurn), AMOs (rv64a), a large working set rewritten over
 * and over in M-mode (churn) and in S-mode through cached translations (vmchurn),
 * and after a snapshot is loaded back into the running machine. */
START_TEST(test_ram_hash_incremental)
{
	static const char *progs[] = { "mmu", "rv64a", "churn", "vmchurn" };
	static const int cpus[] = { HART_CPU_INTERP, HART_CPU_JIT };
	for (int p = 0; p < 4; p++)
		for (int k = 0; k < 2; k++) {
			struct fake *f = fake_new();
			struct machine_config c = bare(progs[p], 1);
			c.ram_size = 16ull << 20;
			c.cpu = cpus[k];
			struct machine *m = mk(&c, f);
			void *snap = NULL;
			size_t len = 0;
			int e = MACHINE_EXIT_ICOUNT, slices = 0;
			while (e == MACHINE_EXIT_ICOUNT && machine_icount(m) < 4000000) {
				e = machine_run(m, machine_icount(m) + (slices < 20 ? 20011 : 500009));
				ck_assert_uint_eq(ram_hash_incremental(m), ram_hash_from_scratch(m));
				if (++slices == 5) {
					snap = machine_snapshot_save(m, 0, &len);
					ck_assert(snap != NULL);
				}
			}
			ck_assert_msg(snap != NULL, "%s: too short", progs[p]);
			char err[256];
			const void *chain[1] = { snap };
			ck_assert_msg(machine_snapshot_load(m, chain, &len, 1, err, sizeof err) == 0, "%s", err);
			ck_assert_uint_eq(ram_hash_incremental(m), ram_hash_from_scratch(m));
			for (int i = 0; i < 3 && machine_run(m, machine_icount(m) + 20011) == MACHINE_EXIT_ICOUNT; i++)
				ck_assert_uint_eq(ram_hash_incremental(m), ram_hash_from_scratch(m));
			free(snap);
			machine_free(m);
			free(f);
		}
}
END_TEST

/* Exact stops: machine_run(m, N) stops at icount N. */
START_TEST(test_exact_stop)
{
	struct fake *f = fake_new();
	struct machine_config c = bare("rv64i", 1);
	struct machine *m = mk(&c, f);
	ck_assert_int_eq(machine_run(m, 12345), MACHINE_EXIT_ICOUNT);
	ck_assert_uint_eq(machine_icount(m), 12345);
	ck_assert_int_eq(machine_run(m, 12346), MACHINE_EXIT_ICOUNT);
	ck_assert_uint_eq(machine_icount(m), 12346);
	machine_free(m);
	free(f);
}
END_TEST

static int load1(struct machine *m, const void *snap, size_t len, char *err, size_t n)
{
	const void *b[1] = { snap };
	size_t l[1] = { len };
	return machine_snapshot_load(m, b, l, 1, err, n);
}

/* Rewrite a snapshot's SUM section after a deliberate change (a crafted blob). */
static void reseal(uint8_t *snap, size_t len)
{
	uint64_t h = machine_hash_bytes(7, snap, len - 24);
	memcpy(snap + len - 8, &h, 8);
}

/* The same blob in format 2 (before the HOST section): a copy without HOST, with
 * the old magic, resealed. Its new length in *out_len. */
static uint8_t *to_format2(const uint8_t *snap, size_t len, size_t *out_len)
{
	uint8_t *o = malloc(len);
	memcpy(o, snap, 48);
	memcpy(o, "RRSNAP02", 8);
	size_t at = 48, n = 48;
	while (at + 16 <= len) {
		uint64_t sl;
		memcpy(&sl, snap + at + 8, 8);
		if (memcmp(snap + at, "HOST", 4)) {
			memcpy(o + n, snap + at, 16 + sl);
			n += 16 + sl;
		}
		at += 16 + sl;
	}
	reseal(o, n);
	*out_len = n;
	return o;
}

/* A sink that keeps what it is given, or fails after fail_at bytes. */
struct pieces {
	uint8_t *p;
	size_t len, cap, fail_at, begins;
	struct machine_snapshot_info info;
};
static int pieces_begin(void *ctx, size_t len, const struct machine_snapshot_info *si)
{
	struct pieces *pc = ctx;
	pc->begins++;
	pc->cap = len;
	pc->info = *si;
	pc->p = malloc(len);
	return pc->p ? 0 : -1;
}
static int pieces_write(void *ctx, const void *p, size_t n)
{
	struct pieces *pc = ctx;
	if (pc->len + n > pc->fail_at)
		return -9;
	ck_assert_uint_le(pc->len + n, pc->cap);
	memcpy(pc->p + pc->len, p, n);
	pc->len += n;
	return 0;
}

/* The hash in pieces is machine_hash_bytes; a streamed snapshot is the blob the
 * length and info announced (it loads: its checksum holds); a sink that fails ends
 * the snapshot with its code, and the machine does not count it as taken. */
START_TEST(test_snapshot_stream)
{
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof buf; len += 97) {
		for (size_t step = 1; step < 70; step += 13) {
			struct machine_hash_stream hs;
			machine_hash_begin(&hs, 5, len);
			for (size_t at = 0; at < len; at += step)
				machine_hash_update(&hs, buf + at, step < len - at ? step : len - at);
			ck_assert_uint_eq(machine_hash_end(&hs), machine_hash_bytes(5, buf, len));
		}
	}
	struct fake *f1 = fake_new(), *f2 = fake_new();
	struct machine_config c = bare("rv64m", 1);
	c.drive = NULL;
	struct machine *a = mk(&c, f1);
	ck_assert_int_eq(machine_run(a, 20000), MACHINE_EXIT_ICOUNT);
	struct pieces pc = { .fail_at = SIZE_MAX };
	struct machine_snapshot_sink sink = { pieces_begin, pieces_write, &pc };
	ck_assert_int_eq(machine_snapshot_stream(a, 0, &sink), 0);
	ck_assert_uint_eq(pc.len, pc.cap);
	struct machine_snapshot_info si;
	ck_assert_int_eq(machine_snapshot_info(pc.p, pc.len, &si), 0);
	ck_assert(!si.incremental && si.id == 1 && si.icount == 20000);
	ck_assert(pc.info.id == si.id && pc.info.icount == si.icount && pc.info.incremental == 0);
	struct machine *b = mk(&c, f2);
	char err[256];
	const void *chain[1] = { pc.p };
	size_t lens[1] = { pc.len };
	ck_assert_msg(machine_snapshot_load(b, chain, lens, 1, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(machine_state_hash(a), machine_state_hash(b));
	free(pc.p);
	/* a failing sink: its code back, and the next snapshot is still number 2 with
	 * every page written since the first */
	ck_assert_int_eq(machine_run(a, 40000), MACHINE_EXIT_ICOUNT);
	struct pieces bad = { .fail_at = 5000 };
	sink.ctx = &bad;
	ck_assert_int_eq(machine_snapshot_stream(a, 1, &sink), -9);
	free(bad.p);
	size_t l2;
	void *inc = machine_snapshot_save(a, 1, &l2);
	ck_assert_ptr_nonnull(inc);
	ck_assert_int_eq(machine_snapshot_info(inc, l2, &si), 0);
	ck_assert(si.incremental && si.id == 2 && si.base_id == 1);
	ck_assert_uint_eq(l2, bad.cap); /* the same pages as the failed one */
	free(inc);
	machine_free(a);
	machine_free(b);
	free(f1);
	free(f2);
}
END_TEST

/* A snapshot taken midway, loaded into a fresh machine, finishes identically; so
 * does a chain of a full and incremental snapshots. */
START_TEST(test_snapshot)
{
	ck_assert(machine_snapshot_selftest());
	struct fake *f1 = fake_new(), *f2 = fake_new();
	struct machine_config c = bare("rv64m", 1);
	c.drive = NULL;
	struct machine *a = mk(&c, f1);
	ck_assert_int_eq(machine_run(a, 20000), MACHINE_EXIT_ICOUNT);
	size_t len, l2, l3;
	void *snap = machine_snapshot_save(a, 0, &len);
	ck_assert(snap != NULL);
	ck_assert_int_eq(machine_run(a, 40000), MACHINE_EXIT_ICOUNT);
	void *inc = machine_snapshot_save(a, 1, &l2);
	ck_assert_int_eq(machine_run(a, 60000), MACHINE_EXIT_ICOUNT);
	void *inc2 = machine_snapshot_save(a, 1, &l3);
	struct machine_snapshot_info si;
	ck_assert_int_eq(machine_snapshot_info(inc2, l3, &si), 0);
	ck_assert(si.incremental && si.id == 3 && si.base_id == 2 && si.icount == 60000);
	ck_assert_uint_lt(l2, len);             /* only the pages written since */
	size_t before = f1->nserial;
	ck_assert_int_eq(machine_run(a, UINT64_MAX), MACHINE_EXIT_POWEROFF);
	struct machine *b = mk(&c, f2);
	char err[256];
	const void *chain[3] = { snap, inc, inc2 };
	size_t lens[3] = { len, l2, l3 };
	ck_assert_msg(machine_snapshot_load(b, chain, lens, 3, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(machine_icount(b), 60000);
	ck_assert_int_eq(machine_run(b, UINT64_MAX), MACHINE_EXIT_POWEROFF);
	ck_assert_uint_eq(machine_icount(a), machine_icount(b));
	ck_assert_uint_eq(machine_state_hash(a), machine_state_hash(b));
	/* the output after 60000 is the same (the digest is in the state) */
	(void)before;
	/* a full snapshot alone, into a fresh machine */
	struct fake *f4 = fake_new();
	struct machine *e = mk(&c, f4);
	ck_assert_msg(load1(e, snap, len, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(machine_icount(e), 20000);
	ck_assert_int_eq(machine_run(e, UINT64_MAX), MACHINE_EXIT_POWEROFF);
	ck_assert_uint_eq(machine_state_hash(a), machine_state_hash(e));
	ck_assert_str_eq(f1->serial + f1->nserial - f4->nserial, f4->serial);
	/* format 2 (recordings made before the HOST section) still loads */
	size_t l2v;
	uint8_t *v2 = to_format2(snap, len, &l2v);
	ck_assert_uint_eq(l2v, len - 16 - 8);   /* HOST held a count of 0 writes */
	ck_assert_int_eq(machine_snapshot_info(v2, l2v, &si), 0);
	ck_assert_int_eq(si.version, 2);
	struct fake *f5 = fake_new();
	struct machine *g = mk(&c, f5);
	ck_assert_msg(load1(g, v2, l2v, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(machine_run(g, UINT64_MAX), MACHINE_EXIT_POWEROFF);
	ck_assert_uint_eq(machine_state_hash(a), machine_state_hash(g));
	/* a format 3 blob without its HOST section, and a HOST naming writes for a
	 * machine without virtio-blk, are refused */
	memcpy(v2, "RRSNAP03", 8);
	reseal(v2, l2v);
	ck_assert_int_eq(load1(g, v2, l2v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "section") != NULL, "%s", err);
	free(v2);
	uint8_t *hw = malloc(len);
	memcpy(hw, snap, len);
	for (size_t at = 48; at + 16 <= len;) {
		uint64_t sl;
		memcpy(&sl, hw + at + 8, 8);
		if (!memcmp(hw + at, "HOST", 4))
			hw[at + 16] = 1;        /* count 1, no bytes for it */
		at += 16 + sl;
	}
	reseal(hw, len);
	ck_assert_int_eq(load1(g, hw, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "writes in flight") != NULL, "%s", err);
	free(hw);
	machine_free(g);
	free(f5);

	/* Crafted and damaged blobs are refused and leave the machine as it was. */
	ck_assert_int_eq(machine_run(e, 0), MACHINE_EXIT_ICOUNT);
	uint64_t h_before = machine_state_hash(e), ic_before = machine_icount(e);
	uint8_t *bad = malloc(len);
	memcpy(bad, snap, len);
	bad[len / 2] ^= 0x10;                   /* a flipped bit in the page data */
	ck_assert_int_eq(load1(e, bad, len, err, sizeof err), -1);
	ck_assert(strstr(err, "checksum") != NULL);
	memcpy(bad, snap, len);
	bad[48 + 16 + 16] = 7; bad[48 + 16 + 17] = 0; /* MACH: cur (after icount, quantum) = 7 */
	reseal(bad, len);
	ck_assert_int_eq(load1(e, bad, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "current hart") != NULL, "%s", err);
	memcpy(bad, snap, len);
	bad[12] = 2;                            /* hart count */
	ck_assert_int_eq(load1(e, bad, len, err, sizeof err), -1);
	ck_assert(strstr(err, "harts") != NULL);
	memcpy(bad, snap, len);
	bad[48 + 8] = 9;                        /* MACH section length */
	ck_assert_int_eq(load1(e, bad, len, err, sizeof err), -1);
	ck_assert_int_eq(load1(e, snap, 40, err, sizeof err), -1);       /* short */
	ck_assert_int_eq(load1(e, snap, len - 1, err, sizeof err), -1);  /* short section */
	ck_assert_int_eq(load1(e, inc, l2, err, sizeof err), -1);        /* incremental alone */
	const void *gap[2] = { snap, inc2 };
	size_t gapl[2] = { len, l3 };
	ck_assert_int_eq(machine_snapshot_load(e, gap, gapl, 2, err, sizeof err), -1);
	ck_assert(strstr(err, "does not follow") != NULL);
	free(bad);
	ck_assert_uint_eq(machine_state_hash(e), h_before);
	ck_assert_uint_eq(machine_icount(e), ic_before);
	struct machine_config c2 = bare("rv64m", 2);
	struct fake *f3 = fake_new();
	struct machine *d = mk(&c2, f3);
	ck_assert_int_eq(load1(d, snap, len, err, sizeof err), -1);
	ck_assert(strstr(err, "harts") != NULL);
	free(snap);
	free(inc);
	free(inc2);
	machine_free(a);
	machine_free(b);
	machine_free(d);
	machine_free(e);
	free(f3);
	free(f1);
	free(f2);
	free(f4);
}
END_TEST

/* Two harts: still deterministic under any slicing. */
START_TEST(test_smp_determinism)
{
	uint64_t h0 = 0, ic0 = 0;
	for (int s = 0; s < 3; s++) {
		static const uint64_t steps[] = { 0, 3, 4099 };
		struct fake *f = fake_new();
		struct machine_config c = bare("rv64a", 2);
		struct machine *m = mk(&c, f);
		ck_assert_int_eq(run_steps(m, steps[s]), MACHINE_EXIT_POWEROFF);
		if (s == 0) {
			h0 = machine_state_hash(m);
			ic0 = machine_icount(m);
		} else {
			ck_assert_uint_eq(machine_state_hash(m), h0);
			ck_assert_uint_eq(machine_icount(m), ic0);
		}
		machine_free(m);
		free(f);
	}
}
END_TEST

/* A trap loop in M-mode is reported with pc and cause, in bounded time. */
START_TEST(test_fatal_trap_loop)
{
	struct fake *f = fake_new();
	struct machine_config c = bare("fatal_trap_loop", 1);
	struct machine *m = mk(&c, f);
	int e = machine_run(m, 100000000);
	ck_assert_int_eq(e, MACHINE_EXIT_ERROR);
	ck_assert_msg(strstr(machine_errmsg(m), "pc=") && strstr(machine_errmsg(m), "cause"),
		      "message: %s", machine_errmsg(m));
	machine_free(m);
	free(f);
}
END_TEST

/* Bad images: clear messages naming the file. */
START_TEST(test_bad_images)
{
	char err[512], path[] = "/tmp/check_machine_XXXXXX";
	int fd = mkstemp(path);
	ck_assert(write(fd, "not an elf at all", 17) == 17);
	close(fd);
	struct fake *f = fake_new();
	struct machine_config c = bare("hello", 1);
	c.kernel = path;
	ck_assert(machine_new(&c, &f->host, err, sizeof err) == NULL);
	ck_assert_msg(strstr(err, "not an ELF") && strstr(err, path), "%s", err);
	c.kernel = "/bin/sh";
	ck_assert(machine_new(&c, &f->host, err, sizeof err) == NULL);
	ck_assert_msg(strstr(err, "not RISC-V"), "%s", err);
	c.kernel = "/nonexistent/kernel.elf";
	ck_assert(machine_new(&c, &f->host, err, sizeof err) == NULL);
	ck_assert_msg(strstr(err, "No such file"), "%s", err);
	/* An ELF whose segment lies outside RAM: hello.elf with its paddr moved. */
	size_t len;
	uint8_t *buf = loader_read_file(guest("hello"), &len, err, sizeof err);
	ck_assert(buf != NULL);
	uint64_t phoff;
	memcpy(&phoff, buf + 0x20, 8);
	uint64_t bad = 0x40000000;
	memcpy(buf + phoff + 0x18, &bad, 8); /* first program header's p_paddr */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	free(buf);
	c.kernel = path;
	ck_assert(machine_new(&c, &f->host, err, sizeof err) == NULL);
	ck_assert_msg(strstr(err, "outside guest RAM"), "%s", err);
	c.kernel = guest("hello");
	c.drive = "/nonexistent/disk.img";
	ck_assert(machine_new(&c, &f->host, err, sizeof err) == NULL);
	ck_assert_msg(strstr(err, "/nonexistent/disk.img"), "%s", err);
	unlink(path);
	free(f);
}
END_TEST


/* ---- console backpressure (host.h) ---- */

#define FLOOD_N 200000
#define FLOOD_CHUNK 3000

/* A host with FLOOD_N bytes of console input (after the "N\n" header rr_echo wants)
 * all available at once: it hands over as much as the room allows, FLOOD_CHUNK at
 * most an input (greedy: ignores the room, as rr-run did before backpressure). */
struct flood {
	struct fake_host f;           /* first: the fake's rtc/entropy/blk ops take it */
	uint8_t src[FLOOD_N + 16];
	size_t total, off;
	int greedy;
	int pieces, partial, over;    /* inputs, inputs cut short by the room, over the room */
	uint32_t max_room;
	size_t echoed;                /* output bytes equal to the payload so far */
	int echo_bad;
	char trailer[256];
	size_t ntrailer;
	uint32_t fnv;
};

static int flood_due(struct flood *h, const struct emu_room *room)
{
	return h->off < h->total && (h->greedy || room->serial);
}

static uint64_t flood_next(void *ctx, uint64_t ic, const struct emu_room *room)
{
	struct flood *h = ctx;
	if (flood_due(h, room))
		return ic;
	return h->off < h->total ? ic + 4096 : UINT64_MAX;
}

static int flood_poll(void *ctx, uint64_t ic, const struct emu_room *room, struct emu_input *in)
{
	struct flood *h = ctx;
	if (!flood_due(h, room))
		return 0;
	if (room->serial > h->max_room)
		h->max_room = room->serial;
	size_t n = h->total - h->off;
	if (n > FLOOD_CHUNK)
		n = FLOOD_CHUNK;
	if (!h->greedy && n > room->serial) {
		n = room->serial;
		h->partial++;
	}
	if (n > room->serial)
		h->over++;
	memset(in, 0, sizeof *in);
	in->kind = EMU_INPUT_SERIAL;
	in->data = h->src + h->off;
	in->len = (uint32_t)n;
	h->off += n;
	h->pieces++;
	return 1;
}

static uint64_t flood_idle(void *ctx, uint64_t ic, uint64_t dl, const struct emu_room *room)
{
	if (flood_due(ctx, room))
		return ic;
	return dl == UINT64_MAX ? ic : dl;
}

static void flood_serial(void *ctx, uint32_t dev, const uint8_t *b, size_t n)
{
	struct flood *h = ctx;
	size_t hdr = h->total - FLOOD_N;
	for (size_t i = 0; i < n; i++) {
		if (h->echoed < FLOOD_N && !h->echo_bad) {
			if (b[i] == h->src[hdr + h->echoed])
				h->echoed++;
			else
				h->echo_bad = 1;
		} else if (h->ntrailer + 1 < sizeof h->trailer) {
			h->trailer[h->ntrailer++] = b[i];
			h->trailer[h->ntrailer] = 0;
		}
	}
}

static const struct emu_host_ops flood_ops = {
	fh_rtc, fh_entropy, flood_next, flood_poll, flood_idle, fh_blk, fh_net, flood_serial,
};

static struct flood *flood_new(int greedy)
{
	struct flood *h = calloc(1, sizeof *h);
	fake_init(&h->f, 1);
	h->f.host.ops = &flood_ops;
	h->greedy = greedy;
	int hdr = snprintf((char *)h->src, 16, "%d\n", FLOOD_N);
	uint32_t x = 12345, fnv = 2166136261u;
	for (int i = 0; i < FLOOD_N; i++) {
		x = x * 1103515245u + 12345u;
		h->src[hdr + i] = x >> 23;
		fnv = (fnv ^ h->src[hdr + i]) * 16777619u;
	}
	h->fnv = fnv;
	h->total = hdr + FLOOD_N;
	return h;
}

/* Three times the UART's buffer arrives at once: the machine tells the room, the
 * host hands over only what fits, in pieces, and the guest gets every byte. */
START_TEST(test_serial_backpressure)
{
	struct flood *h = flood_new(0);
	struct machine_config c = bare("rr_echo", 1);
	char err[256];
	struct machine *m = machine_new(&c, &h->f.host, err, sizeof err);
	ck_assert_msg(m != NULL, "%s", err);
	struct emu_room room;
	machine_room(m, &room);
	ck_assert_uint_eq(room.serial, UART_RX_SIZE);
	int e = machine_run(m, UINT64_MAX);
	ck_assert_msg(e == MACHINE_EXIT_POWEROFF && machine_exit_code(m) == 0, "exit %d code %d: %s",
		      e, machine_exit_code(m), h->trailer);
	ck_assert_msg(!h->echo_bad && h->echoed == FLOOD_N, "echoed %zu", h->echoed);
	char want[64];
	snprintf(want, sizeof want, "\necho: %d bytes fnv=%08x\n", FLOOD_N, h->fnv);
	ck_assert_str_eq(h->trailer, want);
	ck_assert_int_eq(h->over, 0);
	ck_assert_int_gt(h->partial, 0);              /* the UART was full: pieces cut short */
	ck_assert_uint_eq(h->max_room, UART_RX_SIZE);
	ck_assert_uint_eq(h->off, h->total);
	machine_free(m);
	free(h);
}
END_TEST

/* A console input that does not fit the room in the log (a host that broke the
 * rule, or a recording made before backpressure): the replay diverges and says so. */
START_TEST(test_serial_overflow_diverges)
{
	char path[] = "/tmp/check_machine.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(path));
	char log[128];
	snprintf(log, sizeof log, "%s/greedy.rr", path);
	struct flood *h = flood_new(1);
	struct machine_config c = bare("rr_echo", 1);
	rr_recorder *r = NULL;
	ck_assert_msg(rr_recorder_open(log, &c, &h->f.host, NULL, &r) == RR_OK, "%s", rr_recorder_errmsg(r));
	int e;
	ck_assert_int_eq(rr_recorder_run(r, 1000000, &e), RR_OK);
	ck_assert_int_gt(h->over, 0);
	ck_assert_int_eq(rr_recorder_finish(r, e), RR_OK);
	ck_assert_int_eq(rr_recorder_close(r, NULL), RR_OK);
	rr_session *s = NULL;
	ck_assert_msg(rr_session_open(log, NULL, &s) == RR_OK, "%s", rr_session_errmsg(s));
	int stop;
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_EDIVERGED);
	/* 21 chunks fit, the 22nd finds 65536 - 21 * 3000 bytes free */
	ck_assert_msg(strstr(rr_session_errmsg(s), "room for 2536 bytes") &&
		      strstr(rr_session_errmsg(s), "holds 3000") &&
		      strstr(rr_session_errmsg(s), "CHAR_READ"), "%s", rr_session_errmsg(s));
	rr_session_close(s);
	unlink(log);
	rmdir(path);
	free(h);
}
END_TEST

struct pipe_writer {
	int fd;
	const uint8_t *buf;
	size_t len;
};

static void *write_all(void *arg)
{
	struct pipe_writer *w = arg;
	size_t done = 0;
	while (done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(w->fd);
	return NULL;
}

static void msleep(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* The live host: a 1 MiB pipe is read at most 64 KiB ahead of what the machine
 * took; nothing is due while the UART is full; pieces follow the room exactly. */
START_TEST(test_live_console_backpressure)
{
	enum { N = 1 << 20 };
	uint8_t *src = malloc(N), *got = malloc(N);
	for (int i = 0; i < N; i++)
		src[i] = (uint8_t)(i * 131 + (i >> 9));
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	int devnull = open("/dev/null", O_WRONLY);
	struct host_live_config hc = { .stdin_fd = p[0], .console_fd = devnull, .icount_shift = 0 };
	char err[256];
	struct host_live *l = host_live_new(&hc, err, sizeof err);
	ck_assert_msg(l != NULL, "%s", err);
	struct emu_host *host = host_live_host(l);
	struct pipe_writer w = { p[1], src, N };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, write_all, &w), 0);
	/* the reader fills its queue and stops */
	uint64_t seen = 0;
	for (int i = 0; i < 200; i++) {
		msleep(5);
		uint64_t r = host_live_console_read(l);
		if (r == seen && r)
			break;
		seen = r;
	}
	msleep(50);
	ck_assert_uint_eq(host_live_console_read(l), 65536);
	/* a full UART: nothing due, no poll, idle runs to the deadline */
	struct emu_room full = { 0 }, room;
	struct emu_input in;
	ck_assert_uint_gt(host->ops->next_input(host->ctx, 100, &full), 100);
	ck_assert_int_eq(host->ops->poll(host->ctx, 100, &full, &in), 0);
	ck_assert_uint_eq(host->ops->idle(host->ctx, 100, 5000, &full), 5000);
	/* room for 100: exactly 100 bytes, the rest stays */
	room.serial = 100;
	ck_assert_uint_eq(host->ops->next_input(host->ctx, 100, &room), 100);
	ck_assert_int_eq(host->ops->poll(host->ctx, 100, &room, &in), 1);
	ck_assert_int_eq(in.kind, EMU_INPUT_SERIAL);
	ck_assert_uint_eq(in.len, 100);
	memcpy(got, in.data, 100);
	size_t taken = 100;
	int pieces = 1;
	for (int spins = 0; taken < N && spins < 100000; ) {
		room.serial = 1000 + (uint32_t)(taken % 7000); /* whatever the guest has read */
		if (!host->ops->poll(host->ctx, 200, &room, &in)) {
			spins++;
			msleep(1);
			continue;
		}
		ck_assert_int_eq(in.kind, EMU_INPUT_SERIAL);
		ck_assert_uint_ge(in.len, 1);
		ck_assert_uint_le(in.len, room.serial);
		ck_assert_uint_le(taken + in.len, N);
		memcpy(got + taken, in.data, in.len);
		taken += in.len;
		pieces++;
		ck_assert_uint_le(host_live_console_read(l), taken + 65536); /* bounded read-ahead */
	}
	ck_assert_uint_eq(taken, N);
	ck_assert_int_eq(memcmp(got, src, N), 0);
	ck_assert_int_gt(pieces, N / 4096);
	pthread_join(t, NULL);
	room.serial = UART_RX_SIZE;
	ck_assert_int_eq(host->ops->poll(host->ctx, 300, &room, &in), 0); /* EOF: nothing more */
	ck_assert_uint_gt(host->ops->next_input(host->ctx, 300, &room), 300);
	host_live_free(l);
	close(devnull);
	free(src);
	free(got);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("machine");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_hello);
	tcase_add_test(tc, test_split_invariance);
	tcase_add_test(tc, test_ram_hash_incremental);
	tcase_add_test(tc, test_exact_stop);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_snapshot_stream);
	tcase_add_test(tc, test_smp_determinism);
	tcase_add_test(tc, test_fatal_trap_loop);
	tcase_add_test(tc, test_bad_images);
	tcase_add_test(tc, test_serial_backpressure);
	tcase_add_test(tc, test_serial_overflow_diverges);
	tcase_add_test(tc, test_live_console_backpressure);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
