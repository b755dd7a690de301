/* rr-restore-check: states saved while block requests are in flight restore exactly.
 *
 *   rr-restore-check [--tail] LOG N [STEP] [AHEAD]
 *
 * Replays LOG straight, in steps of STEP instructions (default 997), noting the
 * state hash at every step; at up to N steps where the machine has block requests
 * in flight (machine_io_inflight), spread over the recording, it saves the state
 * (rr_session_save). --tail: the last 1% of the recording is stepped ten times
 * finer and every such step there is saved too (up to 300; hostile_inflight resets
 * its disk with writes in flight there, and the window until the host reports
 * them is short). Then, in a second session, for each saved state in turn (from
 * the last to the first, so that restores go backwards over completions): seek
 * elsewhere, restore, check the hash, replay AHEAD*STEP instructions further
 * (default 40 steps: past the completions of the requests in flight) and compare
 * with the straight replay. Prints one line a point and "N passed, N failed"; exit
 * 0 only if every point matches and at least N/2 points were found (fewer means
 * the recording does not test what it should). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay.h"

static uint64_t state_hash(rr_session *s)
{
	return machine_state_hash(rr_session_machine(s));
}

int main(int argc, char **argv)
{
	int tail = argc > 1 && !strcmp(argv[1], "--tail");
	argc -= tail;
	argv += tail;
	if (argc < 3) {
		fprintf(stderr, "usage: rr-restore-check [--tail] LOG N [STEP] [AHEAD]\n");
		return 2;
	}
	const char *log = argv[1];
	int n = atoi(argv[2]);
	uint64_t step = argc > 3 ? strtoull(argv[3], NULL, 0) : 997;
	uint64_t ahead = argc > 4 ? strtoull(argv[4], NULL, 0) : 40;
	rr_session *straight = NULL, *other = NULL;
	if (n < 1 || !step || rr_session_open(log, NULL, &straight) < 0 ||
	    rr_session_open(log, NULL, &other) < 0) {
		fprintf(stderr, "rr-restore-check: %s\n", straight ? rr_session_errmsg(straight) : "bad arguments");
		return 2;
	}
	int maxs = n + (tail ? 300 : 0);
	size_t cap = 1024, nh = 0;
	uint64_t *ic = malloc(cap * sizeof *ic), *hash = malloc(cap * sizeof *hash);
	rr_state **saved = calloc(maxs, sizeof *saved);
	size_t *at = calloc(maxs, sizeof *at);
	int *inflight = calloc(maxs, sizeof *inflight);
	if (!ic || !hash || !saved || !at || !inflight)
		return 2;
	uint64_t start = rr_session_icount(straight);
	/* a first pass for the length: the points spread evenly over the recording */
	int stop;
	if (rr_session_run(other, UINT64_MAX, &stop) < 0) {
		fprintf(stderr, "rr-restore-check: %s\n", rr_session_errmsg(other));
		return 2;
	}
	uint64_t end = rr_session_icount(other), tail_from = start + (end - start) / 100 * 99;
	uint64_t spacing = (end - start) / n + 1, fine = step / 10 ? step / 10 : 1;
	int ns = 0, nspread = 0;
	uint64_t last = 0, t = start;
	for (;;) {
		if (nh == cap) {
			cap *= 2;
			if (!(ic = realloc(ic, cap * sizeof *ic)) || !(hash = realloc(hash, cap * sizeof *hash)))
				return 2;
		}
		ic[nh] = t;
		hash[nh] = state_hash(straight);
		int k = machine_io_inflight(rr_session_machine(straight));
		int in_tail = tail && t >= tail_from;
		if (k > 0 && ns < maxs &&
		    ((nspread < n && (nspread == 0 || t - last >= spacing)) || in_tail)) {
			if (rr_session_save(straight, &saved[ns]) != RR_OK) {
				fprintf(stderr, "rr-restore-check: save at %llu: %s\n", (unsigned long long)t,
					rr_session_errmsg(straight));
				return 2;
			}
			at[ns] = nh;
			inflight[ns] = k;
			ns++;
			if (!in_tail) {
				nspread++;
				last = t;
			}
		}
		nh++;
		t += in_tail || (tail && t + step >= tail_from) ? fine : step;
		if (rr_session_run(straight, t, &stop) < 0) {
			fprintf(stderr, "rr-restore-check: straight replay to %llu: %s\n",
				(unsigned long long)t, rr_session_errmsg(straight));
			return 2;
		}
		if (rr_session_icount(straight) != t)
			break;                                  /* the end of the log */
	}
	int pass = 0, fail = 0;
	for (int i = ns - 1; i >= 0; i--) {
		uint64_t t0 = ic[at[i]];
		size_t to = at[i];
		while (to + 1 < nh && ic[to] < t0 + ahead * step)
			to++;
		int ok = rr_session_seek(other, start + (t0 - start) / 2) == RR_OK &&
			 rr_session_restore(other, saved[i]) == RR_OK &&
			 rr_session_icount(other) == t0 && state_hash(other) == hash[at[i]];
		const char *what = ok ? NULL : "restore";
		if (ok) {
			ok = rr_session_run(other, ic[to], &stop) == RR_OK && rr_session_icount(other) == ic[to] &&
			     state_hash(other) == hash[to];
			what = ok ? NULL : "replay on";
		}
		if (ok) {
			pass++;
			printf("ok: restore at %llu (%d requests in flight), replay on to %llu: same hash\n",
			       (unsigned long long)t0, inflight[i], (unsigned long long)ic[to]);
		} else {
			fail++;
			printf("FAIL: restore at %llu (%d requests in flight): %s: %s (hash %016llx, straight %016llx)\n",
			       (unsigned long long)t0, inflight[i], what, rr_session_errmsg(other),
			       (unsigned long long)state_hash(other), (unsigned long long)hash[to]);
		}
		rr_state_free(saved[i]);
	}
	if (nspread < n / 2 || ns == 0) {
		printf("FAIL: only %d points with requests in flight (wanted %d)\n", nspread, n);
		fail++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	rr_session_close(straight);
	rr_session_close(other);
	free(ic);
	free(hash);
	free(saved);
	free(at);
	free(inflight);
	return fail ? 1 : 0;
}
