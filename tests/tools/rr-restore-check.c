/* rr-restore-check: states saved while block requests are in flight restore exactly.
 *
 *   rr-restore-check [--tail] LOG N [STEP] [AHEAD]
 *
 * Replays LOG straight, in steps of STEP instructions (default 997), noting the
 * state hash at every step; at up to N steps where the machine has block requests
 * in flight (machine_io_inflight) it saves the state (rr_session_save), spread
 * over the recording (--tail: and every such step of the last 1%, up to 300, where
 * hostile_inflight resets its disk with writes in flight). Then, in a
 * second session, for each saved state in turn (from the last to the first, so
 * every restore goes backwards over completions): seek somewhere else, restore,
 * check the hash, replay AHEAD steps further (default 40: past the completions of
 * the requests in flight) and compare with the straight replay. Prints one line a
 * point and "N passed, N failed"; exit 0 only if every point matches and at least
 * N/2 points were found (fewer means the recording does not test what it should). */
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
	size_t cap = 1024, nh = 0;
	uint64_t *hash = malloc(cap * sizeof *hash);      /* at start + k*step */
	rr_state **saved = calloc(n + 300, sizeof *saved);
	size_t *at = calloc(n + 300, sizeof *at);
	int *inflight = calloc(n + 300, sizeof *inflight);
	if (!hash || !saved || !at || !inflight)
		return 2;
	uint64_t start = rr_session_icount(straight);
	/* a first pass for the length: the points spread evenly over the recording */
	int stop0;
	if (rr_session_run(other, UINT64_MAX, &stop0) < 0) {
		fprintf(stderr, "rr-restore-check: %s\n", rr_session_errmsg(other));
		return 2;
	}
	size_t total = (rr_session_icount(other) - start) / step, spacing = total / n + 1;
	int ns = 0;
	size_t last = 0;
	hash[nh++] = state_hash(straight);
	for (;;) {
		int stop;
		uint64_t t = start + nh * step;
		if (rr_session_run(straight, t, &stop) < 0) {
			fprintf(stderr, "rr-restore-check: straight replay to %llu: %s\n",
				(unsigned long long)t, rr_session_errmsg(straight));
			return 2;
		}
		if (rr_session_icount(straight) != t)
			break;                                  /* the end of the log */
		if (nh == cap && !(hash = realloc(hash, (cap *= 2) * sizeof *hash)))
			return 2;
		hash[nh] = state_hash(straight);
		int k = machine_io_inflight(rr_session_machine(straight));
		/* spread over the recording; --tail: every one in the last 1% */
		if (k > 0 && ((ns < n && (ns == 0 || nh - last >= spacing)) ||
			      (tail && nh * 100 >= total * 99 && ns < n + 300))) {
			if (rr_session_save(straight, &saved[ns]) != RR_OK) {
				fprintf(stderr, "rr-restore-check: save at %llu: %s\n", (unsigned long long)t,
					rr_session_errmsg(straight));
				return 2;
			}
			at[ns] = nh;
			inflight[ns] = k;
			ns++;
			last = nh;
		}
		nh++;
	}
	int pass = 0, fail = 0;
	for (int i = ns - 1; i >= 0; i--) {
		uint64_t t = start + at[i] * step;
		size_t to = at[i] + ahead < nh ? at[i] + ahead : nh - 1;
		int stop, ok = rr_session_seek(other, start + (at[i] / 2) * step) == RR_OK &&
			       rr_session_restore(other, saved[i]) == RR_OK &&
			       rr_session_icount(other) == t && state_hash(other) == hash[at[i]];
		const char *what = ok ? NULL : "restore";
		if (ok) {
			ok = rr_session_run(other, start + to * step, &stop) == RR_OK &&
			     rr_session_icount(other) == start + to * step && state_hash(other) == hash[to];
			what = ok ? NULL : "replay on";
		}
		if (ok) {
			pass++;
			printf("ok: restore at %llu (%d requests in flight), replay on to %llu: same hash\n",
			       (unsigned long long)t, inflight[i], (unsigned long long)(start + to * step));
		} else {
			fail++;
			printf("FAIL: restore at %llu (%d requests in flight): %s: %s (hash %016llx, straight %016llx)\n",
			       (unsigned long long)t, inflight[i], what, rr_session_errmsg(other),
			       (unsigned long long)state_hash(other), (unsigned long long)hash[to]);
		}
		rr_state_free(saved[i]);
	}
	if (ns < n / 2 || ns == 0) {
		printf("FAIL: only %d points with requests in flight (wanted %d)\n", ns, n);
		fail++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	rr_session_close(straight);
	rr_session_close(other);
	free(hash);
	free(saved);
	free(at);
	free(inflight);
	return fail ? 1 : 0;
}
