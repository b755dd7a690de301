/* check_machine: the board and its run loop: image loading errors, determinism under
 * any slicing, snapshots, SMP scheduling, fatal guests. Guest programs come from
 * $TOP/build/guest (make guest-tests). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "emu/machine.h"
#include "emu/machine_impl.h"
#include "emu/loader.h"

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

static uint64_t final_hash(struct machine *m)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(m, h);
	return machine_hash_combine(h, n);
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
				ref_hash = final_hash(m);
				ref_ic = machine_icount(m);
				strcpy(ref_out, f->serial);
			} else {
				ck_assert_uint_eq(machine_icount(m), ref_ic);
				ck_assert_uint_eq(final_hash(m), ref_hash);
				ck_assert_str_eq(f->serial, ref_out);
			}
			machine_free(m);
			free(f);
		}
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
	ck_assert_uint_eq(final_hash(a), final_hash(b));
	/* the output after 60000 is the same (the digest is in the state) */
	(void)before;
	/* a full snapshot alone, into a fresh machine */
	struct fake *f4 = fake_new();
	struct machine *e = mk(&c, f4);
	ck_assert_msg(load1(e, snap, len, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(machine_icount(e), 20000);
	ck_assert_int_eq(machine_run(e, UINT64_MAX), MACHINE_EXIT_POWEROFF);
	ck_assert_uint_eq(final_hash(a), final_hash(e));
	ck_assert_str_eq(f1->serial + f1->nserial - f4->nserial, f4->serial);

	/* Crafted and damaged blobs are refused and leave the machine as it was. */
	ck_assert_int_eq(machine_run(e, 0), MACHINE_EXIT_ICOUNT);
	uint64_t h_before = final_hash(e), ic_before = machine_icount(e);
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
	ck_assert_uint_eq(final_hash(e), h_before);
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
			h0 = final_hash(m);
			ic0 = machine_icount(m);
		} else {
			ck_assert_uint_eq(final_hash(m), h0);
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

int main(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("machine");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_hello);
	tcase_add_test(tc, test_split_invariance);
	tcase_add_test(tc, test_exact_stop);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_smp_determinism);
	tcase_add_test(tc, test_fatal_trap_loop);
	tcase_add_test(tc, test_bad_images);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
