/* rr-seek-check: seek correctness of lib/replay on a recording.
 *
 *   rr-seek-check LOG N [SEED] [MAXICOUNT]
 *
 * Picks N random icounts in the recording (below MAXICOUNT if given), seeks a
 * session to each in random order (forwards and backwards, so through the log's
 * snapshots), and compares the state hash with a second session that replays
 * straight, in order, to the same icounts. It also saves the state at one point,
 * wanders off, restores it and checks that replay goes on identically. Prints one
 * line a point and "N passed, N failed"; exit 0 only if every point matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "replay/replay.h"

static uint64_t state_hash(rr_session *s)
{
	return machine_state_hash(rr_session_machine(s));
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rr-seek-check LOG N [SEED] [MAXICOUNT]\n");
		return 2;
	}
	const char *log = argv[1];
	int n = atoi(argv[2]);
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1, x = seed | 1;
	rr_session *straight = NULL, *seeker = NULL;
	if (rr_session_open(log, NULL, &straight) < 0 || rr_session_open(log, NULL, &seeker) < 0) {
		fprintf(stderr, "rr-seek-check: %s\n", rr_session_errmsg(straight && !seeker ? seeker : straight));
		return 2;
	}
	/* the recording's length: run the straight session to its end, then reopen */
	uint64_t end = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	int stop;
	if (!end) {
		if (rr_session_run(straight, UINT64_MAX, &stop) < 0) {
			fprintf(stderr, "rr-seek-check: %s\n", rr_session_errmsg(straight));
			return 2;
		}
		end = rr_session_icount(straight);
		rr_session_close(straight);
		rr_session_open(log, NULL, &straight);
	}
	uint64_t start = rr_session_icount(straight);
	uint64_t *pts = calloc(n, sizeof *pts), *order = calloc(n, sizeof *order);
	uint64_t *want = calloc(n, sizeof *want);
	for (int i = 0; i < n; i++)
		pts[i] = start + rnd(&x) % (end - start + 1);
	memcpy(order, pts, n * sizeof *pts);
	qsort(pts, n, sizeof *pts, cmp_u64);
	for (int i = 0; i < n; i++) {
		if (rr_session_run(straight, pts[i], &stop) < 0 || rr_session_icount(straight) != pts[i]) {
			fprintf(stderr, "rr-seek-check: straight replay to %llu: %s\n",
				(unsigned long long)pts[i], rr_session_errmsg(straight));
			return 2;
		}
		want[i] = state_hash(straight);
	}
	int pass = 0, fail = 0;
	double worst = 0, total = 0;
	for (int i = 0; i < n; i++) {
		uint64_t t = order[i];
		int k = 0;
		while (pts[k] != t)
			k++;
		double t0 = now(), c0 = cpu_now();
		int rc = rr_session_seek(seeker, t);
		double dt = now() - t0, dc = cpu_now() - c0;
		total += dt;
		if (dt > worst)
			worst = dt;
		uint64_t got = rc == RR_OK ? state_hash(seeker) : 0;
		if (rc == RR_OK && got == want[k]) {
			pass++;
			printf("ok: seek to %llu in %.3f s (cpu %.3f s): hash %016llx\n", (unsigned long long)t,
			       dt, dc, (unsigned long long)got);
		} else {
			fail++;
			printf("FAIL: seek to %llu: %s (hash %016llx, straight replay %016llx)\n",
			       (unsigned long long)t, rc == RR_OK ? "state differs" : rr_session_errmsg(seeker),
			       (unsigned long long)got, (unsigned long long)want[k]);
		}
	}
	/* save, wander, restore: replay goes on as from the saved point */
	uint64_t mid = pts[n / 2];
	rr_state *st = NULL;
	if (rr_session_seek(seeker, mid) == RR_OK && rr_session_save(seeker, &st) == RR_OK &&
	    rr_session_seek(seeker, start) == RR_OK && rr_session_restore(seeker, st) == RR_OK &&
	    state_hash(seeker) == want[n / 2] && rr_session_run(seeker, pts[n - 1], &stop) == RR_OK &&
	    state_hash(seeker) == want[n - 1]) {
		pass++;
		printf("ok: save at %llu, seek away, restore, replay on to %llu: same hash\n",
		       (unsigned long long)mid, (unsigned long long)pts[n - 1]);
	} else {
		fail++;
		printf("FAIL: save/restore at %llu: %s\n", (unsigned long long)mid, rr_session_errmsg(seeker));
	}
	rr_state_free(st);
	printf("seek latency: mean %.3f s, worst %.3f s over %d seeks\n", total / n, worst, n);
	printf("%d passed, %d failed\n", pass, fail);
	rr_session_close(straight);
	rr_session_close(seeker);
	free(pts);
	free(order);
	free(want);
	return fail ? 1 : 0;
}
