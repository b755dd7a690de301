/* check_replay: lib/replay against the shared fake host (tests/fake_host.h):
 * recording and replaying every input kind, exact stops, save/restore, seek, the
 * hand-over to a live host, the configuration text, and bad input. Guest
 * programs come from build/guest (TOP). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "replay/replay.h"
#include "replay/debug.h"
#include "fake_host.h"

static char dir[64];

static const char *guest(const char *name)
{
	static char path[4096];
	const char *top = getenv("TOP");
	snprintf(path, sizeof path, "%s/build/guest/%s.elf", top ? top : ".", name);
	return path;
}

static const char *tpath(const char *name)
{
	static char p[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/check_replay.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* a disk image for rr_inputs */
	FILE *f = fopen(tpath("disk.img"), "wb");
	for (int i = 0; i < 65536; i++)
		fputc((i * 7) & 0xff, f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

struct out {
	char buf[65536];
	size_t n;
};

static void capture(void *opaque, uint32_t dev, const uint8_t *b, size_t n)
{
	struct out *o = opaque;
	if (o->n + n < sizeof o->buf) {
		memcpy(o->buf + o->n, b, n);
		o->n += n;
		o->buf[o->n] = 0;
	}
}

static struct machine_config inputs_config(void)
{
	struct machine_config c = { 0 };
	c.ram_size = 64ull << 20;
	c.nharts = 1;
	c.bios = "none";
	c.kernel = guest("rr_inputs");
	c.drive = tpath("disk.img");
	c.rng = 1;
	return c;
}

/* Record rr_inputs with a typed line, an RTC value, entropy and block requests
 * from the fake host; returns the guest's output and the final icount. */
static void record(const char *log, struct fake_host *f, uint64_t snap_every, uint64_t *end)
{
	fake_init(f, 1);
	f->rtc = 1800000000ull * 1000000000ull;
	f->ent_byte = 0x40;
	fake_add_input(f, 4000, EMU_INPUT_SERIAL, 0, 0, "typed line 42\n", 14);
	struct machine_config c = inputs_config();
	struct rr_record_options ro = { .hash_interval = 3000, .snapshot_interval = snap_every };
	rr_recorder *r = NULL;
	int rc = rr_recorder_open(log, &c, &f->host, &ro, &r);
	ck_assert_msg(rc == RR_OK, "%s", rr_recorder_errmsg(r));
	int e;
	ck_assert_int_eq(rr_recorder_run(r, UINT64_MAX, &e), RR_OK);
	ck_assert_int_eq(e, MACHINE_EXIT_POWEROFF);
	*end = machine_icount(rr_recorder_machine(r));
	ck_assert_int_eq(rr_recorder_finish(r, e), RR_OK);
	struct rr_recorder_stats st;
	ck_assert_int_eq(rr_recorder_close(r, &st), RR_OK);
	ck_assert_uint_ge(st.snapshots, 1);
	ck_assert_uint_gt(st.events, 5);
}

START_TEST(test_record_replay)
{
	struct fake_host f;
	uint64_t end;
	record(tpath("a.rr"), &f, 10000, &end);
	ck_assert_msg(strstr(f.serial, "serial line='typed line 42'"), "%s", f.serial);
	ck_assert(strstr(f.serial, "rng len=16 bytes=404142434445464748494a4b4c4d4e4f"));
	ck_assert(strstr(f.serial, "blk read1 status=0"));
	/* the log holds every kind of input the fake gave */
	rrlog_reader *rd;
	ck_assert_int_eq(rrlog_reader_open(tpath("a.rr"), &rd), 0);
	int kinds[RRLOG_KIND_COUNT] = { 0 };
	struct rrlog_event ev;
	while (rrlog_reader_next(rd, &ev) == 1)
		kinds[ev.kind]++;
	rrlog_reader_close(rd);
	ck_assert(kinds[RRLOG_CHAR_READ] == 1 && kinds[RRLOG_CLOCK_VRT] >= 1 && kinds[RRLOG_RANDOM] >= 1);
	ck_assert(kinds[RRLOG_BLOCK] >= 2 && kinds[RRLOG_STATE_HASH] >= 5 && kinds[RRLOG_SNAPSHOT] >= 2);
	ck_assert_int_eq(kinds[RRLOG_SHUTDOWN], 1);

	/* replay twice: the same output, every hash compared, the guest's ending */
	for (int k = 0; k < 2; k++) {
		struct out o = { .n = 0 };
		struct rr_session_options so = { .output = capture, .opaque = &o };
		rr_session *s = NULL;
		ck_assert_msg(rr_session_open(tpath("a.rr"), &so, &s) == RR_OK, "%s", rr_session_errmsg(s));
		int stop;
		ck_assert_msg(rr_session_run(s, UINT64_MAX, &stop) == RR_OK, "%s", rr_session_errmsg(s));
		ck_assert_int_eq(stop, RR_STOP_EXIT);
		ck_assert_uint_eq(rr_session_icount(s), end);
		ck_assert_str_eq(o.buf, f.serial);
		struct rr_session_stats st;
		rr_session_stats(s, &st);
		ck_assert_uint_eq(st.hashes, kinds[RRLOG_STATE_HASH]);
		ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);  /* stays at the end */
		ck_assert_int_eq(stop, RR_STOP_EXIT);
		ck_assert_uint_eq(rr_session_icount(s), end);
		rr_session_close(s);
	}
}
END_TEST

/* Exact stops, save/restore and seeks give the states of a straight replay. */
START_TEST(test_seek_save_restore)
{
	struct fake_host f;
	uint64_t end;
	record(tpath("b.rr"), &f, 7000, &end);
	rr_session *a = NULL, *b = NULL;
	ck_assert_int_eq(rr_session_open(tpath("b.rr"), NULL, &a), RR_OK);
	ck_assert_int_eq(rr_session_open(tpath("b.rr"), NULL, &b), RR_OK);
	const struct rrlog_snapshot_ref *list;
	size_t n;
	ck_assert_int_eq(rr_session_snapshots(a, &list, &n), RR_OK);
	ck_assert_uint_ge(n, 3);
	ck_assert(list[0].full && list[0].icount == 0 && !list[1].full);
	uint64_t pts[12], want[12];
	for (int i = 0; i < 12; i++)
		pts[i] = (end - 1) * (i + 1) / 12;
	int stop;
	for (int i = 0; i < 12; i++) {
		ck_assert_int_eq(rr_session_run(a, pts[i], &stop), RR_OK);
		ck_assert_int_eq(stop, RR_STOP_ICOUNT);
		ck_assert_uint_eq(rr_session_icount(a), pts[i]);
		want[i] = machine_state_hash(rr_session_machine(a));
	}
	int order[12] = { 11, 0, 5, 4, 10, 1, 9, 2, 8, 3, 7, 6 };
	for (int k = 0; k < 12; k++) {
		int i = order[k];
		ck_assert_msg(rr_session_seek(b, pts[i]) == RR_OK, "%s", rr_session_errmsg(b));
		ck_assert_uint_eq(rr_session_icount(b), pts[i]);
		ck_assert_uint_eq(machine_state_hash(rr_session_machine(b)), want[i]);
	}
	/* save at pts[3], run to the end, restore, the next event and the state agree */
	rr_state *st;
	ck_assert_int_eq(rr_session_seek(b, pts[3]), RR_OK);
	struct rrlog_event ev0, ev1;
	ck_assert_int_eq(rr_session_next_event(b, &ev0), 1);
	ck_assert_int_eq(rr_session_save(b, &st), RR_OK);
	ck_assert_uint_eq(rr_state_icount(st), pts[3]);
	ck_assert_int_eq(rr_session_run(b, UINT64_MAX, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_EXIT);
	ck_assert_int_eq(rr_session_restore(b, st), RR_OK);
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(b)), want[3]);
	ck_assert_int_eq(rr_session_next_event(b, &ev1), 1);
	ck_assert(ev0.kind == ev1.kind && ev0.icount == ev1.icount);
	ck_assert_int_eq(rr_session_run(b, pts[9], &stop), RR_OK);
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(b)), want[9]);
	rr_state_free(st);
	/* outside the recording */
	ck_assert_int_eq(rr_session_seek(b, end + 1), RR_EINVAL);
	ck_assert(strstr(rr_session_errmsg(b), "past the end"));
	ck_assert_int_eq(rr_session_seek(b, pts[0]), RR_OK);   /* still usable */
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(b)), want[0]);
	rr_session_close(a);
	rr_session_close(b);
}
END_TEST

/* reverse-continue scans two snapshot intervals at a time (the one before on
 * another core, in a sibling session): for breakpoints at pcs of several points of
 * the run, the stops going back from the end are those of the one-core scan. */
START_TEST(test_reverse_continue_parallel)
{
	struct fake_host f;
	uint64_t end;
	record(tpath("rc.rr"), &f, 7000, &end);
	rr_session *a = NULL, *b = NULL;
	ck_assert_int_eq(rr_session_open(tpath("rc.rr"), NULL, &a), RR_OK);
	ck_assert_int_eq(rr_session_open(tpath("rc.rr"), NULL, &b), RR_OK);
	const struct rrlog_snapshot_ref *list;
	size_t n;
	ck_assert_int_eq(rr_session_snapshots(a, &list, &n), RR_OK);
	ck_assert_uint_ge(n, 6);
	struct dbg one, two;
	dbg_init(&one, a);
	dbg_init(&two, b);
	one.no_sib = 1;                         /* one core */
	int stop, used_job = 0;
	for (int p = 1; p <= 9; p++) {
		ck_assert_int_eq(dbg_seek(&one, end * p / 10), RR_OK);
		uint64_t pc = machine_hart(rr_session_machine(a), 0)->s.pc;
		ck_assert_int_eq(dbg_bp_add(&one, pc, 0), 0);
		ck_assert_int_eq(dbg_bp_add(&two, pc, 0), 0);
		ck_assert_int_eq(dbg_seek(&one, end - 1), RR_OK);
		ck_assert_int_eq(dbg_seek(&two, end - 1), RR_OK);
		for (int k = 0; k < 6; k++) {
			struct dbg_stop s1, s2;
			int e1 = dbg_reverse_continue(&one, &s1), e2 = dbg_reverse_continue(&two, &s2);
			ck_assert_int_eq(e1, e2);
			ck_assert_uint_eq(rr_session_icount(a), rr_session_icount(b));
			ck_assert_int_eq(s1.hart, s2.hart);
			ck_assert_uint_eq(machine_state_hash(rr_session_machine(a)),
					  machine_state_hash(rr_session_machine(b)));
			if (e1 != DBG_BREAK)
				break;
			ck_assert_uint_eq(machine_hart(rr_session_machine(b), 0)->s.pc, pc);
		}
		/* the hit furthest back is in an interval the other core scans when the
		 * break is single and early (p = 1: the first tenth of the run) */
		used_job |= two.sib != NULL;
		ck_assert_int_eq(dbg_bp_del(&one, pc, 0), 0);
		ck_assert_int_eq(dbg_bp_del(&two, pc, 0), 0);
	}
	ck_assert(used_job);
	ck_assert(one.sib == NULL);
	(void)stop;
	dbg_fini(&one);
	dbg_fini(&two);
	ck_assert(two.sib == NULL);
	rr_session_close(a);
	rr_session_close(b);
}
END_TEST

/* The log runs out: the session hands the machine to a live host, which carries on. */
START_TEST(test_go_live)
{
	struct fake_host f;
	uint64_t end;
	record(tpath("c.rr"), &f, 0, &end);
	/* a copy of the log cut after its first third: a recorder killed early */
	FILE *in = fopen(tpath("c.rr"), "rb");
	fseek(in, 0, SEEK_END);
	long sz = ftell(in);
	rewind(in);
	uint8_t *b = malloc(sz);
	ck_assert_int_eq(fread(b, 1, sz, in), sz);
	fclose(in);
	rrlog_reader *rd;
	ck_assert_int_eq(rrlog_reader_open(tpath("c.rr"), &rd), 0);
	struct rrlog_event ev;
	struct rrlog_block_info bi = { 0 };
	while (rrlog_reader_next(rd, &ev) == 1)
		if (ev.kind == RRLOG_CHAR_READ)
			rrlog_reader_block(rd, &bi);
	rrlog_reader_close(rd);
	ck_assert_uint_gt(bi.offset, 0);
	FILE *out = fopen(tpath("cut.rr"), "wb");
	fwrite(b, 1, bi.offset, out);                      /* up to the CHAR_READ's block */
	fclose(out);
	free(b);
	struct out o = { .n = 0 };
	struct rr_session_options so = { .output = capture, .opaque = &o };
	rr_session *s = NULL;
	ck_assert_int_eq(rr_session_open(tpath("cut.rr"), &so, &s), RR_OK);
	int stop;
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_END);
	struct rr_session_stats st;
	rr_session_stats(s, &st);
	ck_assert_int_eq(st.end_code, RRLOG_ETRUNCATED);
	ck_assert(!strstr(o.buf, "serial line"));       /* the replay stops at the log's last event */
	ck_assert(strncmp(o.buf, f.serial, o.n) == 0);    /* a prefix of the recorded output */
	struct fake_host live;
	fake_init(&live, 1);
	rr_session_go_live(s, &live.host);
	ck_assert(rr_session_is_live(s));
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_EXIT);
	ck_assert_msg(strstr(live.serial, "serial line='' len=0") && strstr(live.serial, "done"), "%s",
		      live.serial);
	ck_assert_int_eq(rr_session_seek(s, 10), RR_EUSAGE);
	rr_session_close(s);
}
END_TEST

/* A recording driven as a session: back into the recorded part and on to the
 * frontier, where it carries on live. Every state seen on the way (at the
 * frontier, behind it, restored) is the state a straight replay of the finished
 * log has at that icount; the guest's output is the live one, printed once. */
START_TEST(test_recording_session)
{
	struct fake_host f;
	fake_init(&f, 1);
	f.rtc = 1800000000ull * 1000000000ull;
	f.ent_byte = 0x40;
	fake_add_input(&f, 4000, EMU_INPUT_SERIAL, 0, 0, "typed line 42\n", 14);
	struct machine_config c = inputs_config();
	struct rr_record_options ro = { .hash_interval = 3000, .snapshot_interval = 5000 };
	rr_recorder *r = NULL;
	ck_assert_int_eq(rr_recorder_open(tpath("live.rr"), &c, &f.host, &ro, &r), RR_OK);
	rr_session *s = NULL;
	ck_assert_msg(rr_session_recording(r, tpath("live.rr"), NULL, &s) == RR_OK, "%s", rr_session_errmsg(s));
	struct rr_recording_info ri;
	ck_assert_int_eq(rr_session_recording_info(s, &ri), 1);
	ck_assert(ri.frontier == 0 && !ri.behind && !ri.ended);
	ck_assert_ptr_nonnull(rr_session_header(s));
	uint64_t at[16], hash[16];
	int n = 0, stop;
#define NOTE() (at[n] = rr_session_icount(s), hash[n++] = machine_state_hash(rr_session_machine(s)))
	ck_assert_int_eq(rr_session_run(s, 9000, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_ICOUNT);
	NOTE();
	ck_assert_ptr_eq(rr_session_machine(s), rr_recorder_machine(r));
	ck_assert_int_eq(rr_session_next_event(s, &(struct rrlog_event){ 0 }), 0); /* the future */
	ck_assert_msg(rr_session_seek(s, 2500) == RR_OK, "%s", rr_session_errmsg(s));
	rr_session_recording_info(s, &ri);
	ck_assert(ri.behind && ri.frontier == 9000);
	ck_assert_ptr_ne(rr_session_machine(s), rr_recorder_machine(r));
	NOTE();
	rr_state *st;
	ck_assert_int_eq(rr_session_save(s, &st), RR_OK);
	struct emu_input key = { .kind = EMU_INPUT_KEY };
	ck_assert_int_eq(rr_session_send_input(s, &key), RR_EUSAGE);      /* behind */
	ck_assert_msg(strstr(rr_session_errmsg(s), "behind the frontier"), "%s", rr_session_errmsg(s));
	/* a run from behind replays to the frontier and records on past it */
	ck_assert_int_eq(rr_session_run(s, 15000, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_ICOUNT);
	rr_session_recording_info(s, &ri);
	ck_assert(!ri.behind && ri.frontier == 15000);
	NOTE();
	ck_assert_int_eq(rr_session_seek(s, 12000), RR_OK);
	NOTE();
	ck_assert_int_eq(rr_session_restore(s, st), RR_OK);
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(s)), hash[1]);
	rr_state_free(st);
	ck_assert_int_eq(rr_session_seek(s, 15000), RR_OK);               /* the frontier */
	rr_session_recording_info(s, &ri);
	ck_assert(!ri.behind);
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(s)), hash[2]);
	ck_assert_int_eq(rr_session_seek(s, 20000), RR_OK);               /* ahead: recorded */
	NOTE();
	ck_assert_int_eq(rr_session_save(s, &st), RR_OK);                 /* at the frontier */
	ck_assert_uint_eq(rr_state_icount(st), 20000);
	ck_assert_int_eq(rr_session_seek(s, 100), RR_OK);
	ck_assert_int_eq(rr_session_restore(s, st), RR_OK);
	ck_assert_uint_eq(machine_state_hash(rr_session_machine(s)), hash[n - 1]);
	rr_state_free(st);
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);    /* to the guest's end */
	ck_assert_int_eq(stop, RR_STOP_EXIT);
	rr_session_recording_info(s, &ri);
	ck_assert(ri.ended && ri.mexit == MACHINE_EXIT_POWEROFF);
	uint64_t end = rr_session_icount(s);
	NOTE();
	ck_assert_int_eq(rr_session_seek(s, end / 2), RR_OK);             /* back after the end */
	NOTE();
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);
	ck_assert_msg(stop == RR_STOP_EXIT, "stop %d at %llu of %llu: %s", stop, (unsigned long long)rr_session_icount(s), (unsigned long long)end, rr_session_errmsg(s));
	ck_assert_uint_eq(rr_session_icount(s), end);
	ck_assert_int_eq(rr_session_send_input(s, &key), RR_EUSAGE);      /* over */
	rr_session_close(s);
	ck_assert_int_eq(rr_recorder_close(r, NULL), RR_OK);
#undef NOTE
	/* a straight replay of the log: the same states, the output once */
	struct out o = { .n = 0 };
	struct rr_session_options so = { .output = capture, .opaque = &o };
	ck_assert_int_eq(rr_session_open(tpath("live.rr"), &so, &s), RR_OK);
	uint64_t order[16];
	int idx[16];
	for (int i = 0; i < n; i++)
		order[i] = at[i], idx[i] = i;
	for (int i = 0; i < n; i++) /* ascending icount */
		for (int j = i + 1; j < n; j++)
			if (order[j] < order[i]) {
				uint64_t t = order[i]; order[i] = order[j]; order[j] = t;
				int u = idx[i]; idx[i] = idx[j]; idx[j] = u;
			}
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(rr_session_run(s, order[i], &stop), RR_OK);
		ck_assert_uint_eq(rr_session_icount(s), order[i]);
		ck_assert_msg(machine_state_hash(rr_session_machine(s)) == hash[idx[i]],
			      "state at icount %llu differs", (unsigned long long)order[i]);
	}
	ck_assert_int_eq(rr_session_run(s, UINT64_MAX, &stop), RR_OK);
	ck_assert_int_eq(stop, RR_STOP_EXIT);
	struct rr_session_stats sst;
	rr_session_stats(s, &sst);
	ck_assert_uint_ge(sst.hashes, 5);
	ck_assert_msg(strstr(f.serial, "serial line='typed line 42'"), "%s", f.serial);
	ck_assert_str_eq(o.buf, f.serial);
	rr_session_close(s);
	/* not a recording */
	ck_assert_int_eq(rr_session_open(tpath("live.rr"), NULL, &s), RR_OK);
	ck_assert_int_eq(rr_session_recording_info(s, &ri), 0);
	ck_assert_int_eq(rr_session_send_input(s, &key), RR_EUSAGE);
	rr_session_close(s);
	ck_assert_int_eq(rr_session_recording(NULL, "-", NULL, &s), RR_EUSAGE);
	rr_session_close(s);
}
END_TEST

START_TEST(test_config_text)
{
	struct machine_config c = inputs_config();
	c.append = "console=ttyS0 a=\"b\\c\"\nsecond line";
	c.icount_shift = 3;
	c.nharts = 4;
	char *t = rr_config_text(&c);
	ck_assert_ptr_nonnull(t);
	struct rr_config p;
	char err[256];
	ck_assert_msg(rr_config_parse(t, &p, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(p.mc.append, c.append);
	ck_assert_str_eq(p.mc.kernel, c.kernel);
	ck_assert_int_eq(p.mc.nharts, 4);
	ck_assert_int_eq(p.mc.icount_shift, 3);
	ck_assert_uint_eq(p.mc.ram_size, c.ram_size);
	char *t2 = rr_config_text(&p.mc);
	ck_assert_str_eq(t, t2);
	free(t);
	free(t2);
	rr_config_clear(&p);
	/* hostile headers */
	static const char *bad[] = {
		"ram=1152921504606846976\n", "ram=134217728\nsmp=1000000000\n", "ram=134217728\nsmp=-1\n",
		"ram=134217728\nicount-shift=99\n", "ram=134217728\nfrobnicate=1\n", "ram=12x\n",
		"ram=134217728\nnet=wifi\n", "no equals sign\n", "smp=2\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(rr_config_parse(bad[i], &p, err, sizeof err) == -1, "accepted %s", bad[i]);
		ck_assert(*err);
	}
}
END_TEST

START_TEST(test_bad_input)
{
	rr_session *s = NULL;
	ck_assert_int_eq(rr_session_open(tpath("missing.rr"), NULL, &s), RR_EIO);
	ck_assert(strstr(rr_session_errmsg(s), "cannot open"));
	rr_session_close(s);
	FILE *f = fopen(tpath("text.rr"), "w");
	fputs("hello, I am not a log\n", f);
	fclose(f);
	ck_assert_int_eq(rr_session_open(tpath("text.rr"), NULL, &s), RR_EBADLOG);
	ck_assert(strstr(rr_session_errmsg(s), "not a log"));
	rr_session_close(s);
	/* images: a recording whose disk changed afterwards */
	struct fake_host fh;
	uint64_t end;
	record(tpath("d.rr"), &fh, 0, &end);
	f = fopen(tpath("disk.img"), "r+b");
	fputc('X', f);
	fclose(f);
	ck_assert_int_eq(rr_session_open(tpath("d.rr"), NULL, &s), RR_EIMAGE);
	ck_assert_msg(strstr(rr_session_errmsg(s), "differs from the one recorded"), "%s", rr_session_errmsg(s));
	rr_session_close(s);
	/* NULL-safe */
	rr_session_close(NULL);
	rr_state_free(NULL);
	ck_assert_int_eq(rr_recorder_close(NULL, NULL), RR_OK);
	ck_assert_int_eq(rr_session_run(NULL, 0, NULL), RR_EINVAL);
	ck_assert_str_eq(rr_strerror(RR_EDIVERGED), "replay diverged");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_record_replay);
	tcase_add_test(tc, test_seek_save_restore);
	tcase_add_test(tc, test_reverse_continue_parallel);
	tcase_add_test(tc, test_go_live);
	tcase_add_test(tc, test_recording_session);
	tcase_add_test(tc, test_config_text);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
