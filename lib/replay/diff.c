/* diff: where two replays first differ (rr-diff --replay).
 *
 * Both recordings are replayed in lockstep from their common start (their own
 * STATE_HASH events are not checked: the point is to compare the two machines,
 * whatever their logs say), comparing state hashes every `step` instructions and
 * keeping both states (rr_session_save, in memory) at the last point where they
 * agreed. The logs' own snapshots are not used to move about: a log whose inputs
 * were changed still carries the snapshots of the run that was recorded, so only
 * replaying shows what its inputs do. Once a step ends with different states, the
 * first differing icount inside it is found by bisection from the saved states
 * (restore both, replay to the middle, compare). This assumes that machines that
 * have differed stay different, as diverged record/replay runs do. Then every
 * differing field, RAM page and device is listed (machine_diff), with each hart's pc
 * and the logs' next events one instruction before. Cost: both replays up to the
 * divergence, plus about one step more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/hart.h"
#include "replay/internal.h"

struct text {
	char *p;
	size_t len, cap;
	int json, oom;
	uint64_t icount;
};

__attribute__((format(printf, 2, 3)))
static void tput(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (t->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = 1;
			return;
		}
		if (t->p && t->len + n < t->cap) {
			t->len += n;
			return;
		}
		size_t cap = t->cap ? 2 * t->cap : 4096;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *np = realloc(t->p, cap);
		if (!np) {
			t->oom = 1;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
}

static void hex(struct text *t, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tput(t, "%02x", b[i]);
}

static void emit(void *ctx, const char *what, uint64_t a, uint64_t b, const uint8_t *ba,
		 const uint8_t *bb, size_t n)
{
	struct text *t = ctx;
	if (t->json)
		tput(t, "{\"icount\":%llu,\"what\":\"%s\"", (unsigned long long)t->icount, what);
	else
		tput(t, "icount=%llu what=\"%s\"", (unsigned long long)t->icount, what);
	if (!ba) {
		tput(t, t->json ? ",\"a\":\"0x%llx\",\"b\":\"0x%llx\"}\n" : " a=0x%llx b=0x%llx\n",
		     (unsigned long long)a, (unsigned long long)b);
		return;
	}
	tput(t, t->json ? ",\"at\":\"0x%llx\",\"a\":\"" : " at=0x%llx a=", (unsigned long long)a);
	hex(t, ba, n);
	tput(t, t->json ? "\",\"b\":\"" : " b=");
	hex(t, bb, n);
	tput(t, t->json ? "\"}\n" : "\n");
}

static uint64_t hash_of(rr_session *s)
{
	return machine_state_hash(rr_session_machine(s));
}

/* Run (or, going back, restore from the saved states and run) both to icount t;
 * *same = equal states. RR_OK or the failing side's error in err. */
static int probe(rr_session *a, rr_session *b, const rr_state *sa, const rr_state *sb, uint64_t t,
		 int *same, char *err, size_t errlen, const char *pa, const char *pb, uint64_t *div_at)
{
	rr_session *ss[2] = { a, b };
	const rr_state *st[2] = { sa, sb };
	const char *names[2] = { pa, pb };
	for (int i = 0; i < 2; i++) {
		int stop, rc = RR_OK;
		if (rr_session_icount(ss[i]) > t && (rc = rr_session_restore(ss[i], st[i])) == RR_OK &&
		    rr_session_icount(ss[i]) > t)
			rc = RR_EINVAL;
		if (rc == RR_OK)
			rc = rr_session_run(ss[i], t, &stop);
		if (rc == RR_OK && rr_session_icount(ss[i]) != t)
			rc = RR_EINVAL;
		if (rc != RR_OK) {
			snprintf(err, errlen, "%s: replaying to icount %llu: %s", names[i], (unsigned long long)t,
				 rr_session_errmsg(ss[i]));
			if (rc == RR_EDIVERGED && div_at)
				*div_at = rr_session_icount(ss[i]);
			return rc;
		}
	}
	*same = hash_of(a) == hash_of(b);
	return RR_OK;
}

/* What each hart was about to do one instruction before, and the logs' next events. */
static void before(struct text *t, const char *side, rr_session *s)
{
	struct machine *m = rr_session_machine(s);
	for (int i = 0; i < machine_nharts(m); i++) {
		struct hart *h = machine_hart(m, i);
		if (t->json)
			tput(t, "{\"icount\":%llu,\"side\":\"%s\",\"hart\":%d,\"pc\":\"0x%llx\",\"priv\":%u}\n",
			     (unsigned long long)t->icount - 1, side, i, (unsigned long long)h->s.pc, h->s.priv);
		else
			tput(t, "icount=%llu side=%s hart=%d pc=0x%llx priv=%u\n", (unsigned long long)t->icount - 1,
			     side, i, (unsigned long long)h->s.pc, h->s.priv);
	}
	struct rrlog_event ev;
	if (rr_session_next_event(s, &ev) == 1) {
		char line[512];
		rrlog_format_event(&ev, t->json ? RRLOG_FMT_JSON : 0, line, sizeof line);
		if (t->json)
			tput(t, "{\"side\":\"%s\",\"next_event\":%s", side, line);
		else
			tput(t, "side=%s next_event: %s", side, line);
		if (t->json) { /* close the object around the event line */
			t->len--; /* the newline */
			tput(t, "}\n");
		}
	}
}

int rr_replay_diff(const char *pa, const char *pb, int json, struct rr_replay_diff *res,
		   char **report, const struct rr_progress *pr, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	*report = NULL;
	uint64_t fa, la, fb, lb;
	int rc = rr_recording_span(pa, &fa, &la, err, errlen);
	if (rc == RR_OK)
		rc = rr_recording_span(pb, &fb, &lb, err, errlen);
	if (rc != RR_OK)
		return rc;
	res->end_a = la;
	res->end_b = lb;
	struct rr_session_options so = { .no_hash_check = 1 };
	rr_session *a = NULL, *b = NULL;
	rr_state *sa = NULL, *sb = NULL;
	if ((rc = rr_session_open(pa, &so, &a)) != RR_OK || (rc = rr_session_open(pb, &so, &b)) != RR_OK) {
		snprintf(err, errlen, "%s: %s", a && rc == RR_OK ? pb : pa, rr_session_errmsg(b ? b : a));
		rr_session_close(a);
		rr_session_close(b);
		return rc;
	}
	struct text t = { .json = json };
	if (machine_nharts(rr_session_machine(a)) != machine_nharts(rr_session_machine(b))) {
		snprintf(err, errlen, "%s and %s are not the same machine (hart count)", pa, pb);
		rc = RR_EINVAL;
		goto out;
	}
	uint64_t lo = fa > fb ? fa : fb, hi = la < lb ? la : lb;
	const uint64_t step = 10000000;
	int same;
	/* the common start: the later of the two (a window of the other, say) */
	if ((rc = rr_session_seek(a, lo)) != RR_OK || (rc = rr_session_seek(b, lo)) != RR_OK) {
		snprintf(err, errlen, "going to icount %llu: %s", (unsigned long long)lo,
			 rr_session_errmsg(rr_session_icount(a) == lo ? b : a));
		goto out;
	}
	same = hash_of(a) == hash_of(b);
	uint64_t good = lo, bad = 0, div_icount = 0;
	char div_msg[800] = "";
	if (same) {
		while (good < hi) {
			if ((rc = rr_session_save(a, &sa)) != RR_OK || (rc = rr_session_save(b, &sb)) != RR_OK) {
				snprintf(err, errlen, "saving the state at %llu: %s", (unsigned long long)good,
					 rr_session_errmsg(sa ? b : a));
				goto out;
			}
			uint64_t next = hi - good < step ? hi : good + step, div_at = 0;
			rc = probe(a, b, sa, sb, next, &same, err, errlen, pa, pb, &div_at);
			if (rc == RR_EDIVERGED && div_at > good) {
				/* a replay that cannot go on: the machines differ by then at
				 * the latest (its own inputs no longer fit) */
				rc = RR_OK;
				snprintf(div_msg, sizeof div_msg, "%s", err);
				div_icount = div_at;
				bad = div_at;
				break;
			}
			if (rc != RR_OK)
				goto out;
			if (!same) {
				bad = next;
				break;
			}
			res->steps++;
			good = next;
			if (pr && pr->fn)
				pr->fn(pr->opaque, good - lo, hi - lo);
			rr_state_free(sa);
			rr_state_free(sb);
			sa = sb = NULL;
		}
		if (!bad) {
			res->same = la == lb;
			res->icount = hi;
			if (!res->same)
				tput(&t, json ? "{\"icount\":%llu,\"what\":\"length\",\"a\":%llu,\"b\":%llu}\n"
					      : "icount=%llu what=length a=%llu b=%llu\n",
				     (unsigned long long)hi, (unsigned long long)la, (unsigned long long)lb);
			goto out;
		}
		/* equal at good (saved), different at bad */
		while (bad - good > 1) {
			uint64_t mid = good + (bad - good) / 2, div_at = 0;
			rc = probe(a, b, sa, sb, mid, &same, err, errlen, pa, pb, &div_at);
			if (rc == RR_EDIVERGED && div_at > good) {
				rc = RR_OK;
				snprintf(div_msg, sizeof div_msg, "%s", err);
				div_icount = div_at;
				bad = div_at < mid ? div_at : mid;
				continue;
			}
			if (rc != RR_OK)
				goto out;
			res->steps++;
			if (same) {
				good = mid;
				rr_state_free(sa);
				rr_state_free(sb);
				sa = sb = NULL;
				if ((rc = rr_session_save(a, &sa)) != RR_OK || (rc = rr_session_save(b, &sb)) != RR_OK)
					goto out;
			} else {
				bad = mid;
			}
		}
		/* at good (one before): where each hart was */
		if ((rc = probe(a, b, sa, sb, good, &same, err, errlen, pa, pb, NULL)) != RR_OK)
			goto out;
		t.icount = bad;
		before(&t, "a", a);
		before(&t, "b", b);
		uint64_t div_at = 0;
		rc = probe(a, b, sa, sb, bad, &same, err, errlen, pa, pb, &div_at);
		if (rc == RR_EDIVERGED && bad == div_icount) {
			/* the states were equal up to here and one replay stops here */
			rc = RR_OK;
			res->icount = bad;
			res->differences = 1;
			char q[1700];
			rrlog_format_quote((const uint8_t *)div_msg, strlen(div_msg), json, q, sizeof q);
			tput(&t, json ? "{\"icount\":%llu,\"what\":\"replay-diverged\",\"message\":%s}\n"
				      : "icount=%llu what=replay-diverged message=%s\n",
			     (unsigned long long)bad, q);
			goto out;
		}
		if (rc != RR_OK)
			goto out;
	} else {
		bad = lo;
		t.icount = lo;
	}
	res->icount = bad;
	res->differences = machine_diff(rr_session_machine(a), rr_session_machine(b), emit, &t);
out:
	rr_state_free(sa);
	rr_state_free(sb);
	rr_session_close(a);
	rr_session_close(b);
	if (t.oom) {
		free(t.p);
		snprintf(err, errlen, "out of memory");
		return RR_ENOMEM;
	}
	*report = t.p;
	return rc;
}

/* ---- one log, this build against another (an oracle for the other side) ---- */

/* The value of "key":VALUE in a JSON object line (strings without quotes) into v. */
static int json_get(const char *line, const char *key, char *v, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p == '"')
		p++;
	size_t i = 0;
	while (*p && *p != '"' && *p != ',' && *p != '}' && i + 1 < n)
		v[i++] = *p++;
	v[i] = 0;
	return 0;
}

/* Every "key" of our JSON state text whose value differs in the other's. */
static void text_diff(struct text *t, const char *ours, const char *theirs)
{
	const char *la = ours, *lb = theirs;
	while (la && *la && lb && *lb) {
		const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
		size_t na = ea ? (size_t)(ea - la) : strlen(la), nb = eb ? (size_t)(eb - lb) : strlen(lb);
		char *a = strndup(la, na), *b = strndup(lb, nb);
		char hart[16] = "";
		json_get(a, "hart", hart, sizeof hart);
		for (const char *p = strchr(a, '"'); p; p = strchr(p, '"')) {
			const char *q = strchr(p + 1, '"');
			if (!q || q[1] != ':')
				break;
			char key[48], va[64], vb[64];
			snprintf(key, sizeof key, "%.*s", (int)(q - p - 1), p + 1);
			p = q + 2;
			if (*p == '"' && !(p = strchr(p + 1, '"')))
				break; /* past a string value */
			if (*p == '"')
				p++;
			if (!strcmp(key, "hart") || json_get(a, key, va, sizeof va) < 0)
				continue;
			if (json_get(b, key, vb, sizeof vb) < 0)
				snprintf(vb, sizeof vb, "(none)");
			if (strcmp(va, vb)) {
				char what[64];
				snprintf(what, sizeof what, "%s%s%s", *hart ? "hart" : "", hart, *hart ? "." : "");
				tput(t, t->json ? "{\"icount\":%llu,\"what\":\"%s%s\",\"a\":\"%s\",\"b\":\"%s\"}\n"
						: "icount=%llu what=\"%s%s\" a=%s b=%s\n",
				     (unsigned long long)t->icount, what, key, va, vb);
			}
		}
		free(a);
		free(b);
		la = ea ? ea + 1 : NULL;
		lb = eb ? eb + 1 : NULL;
	}
}

int rr_replay_diff_oracle(const char *log, rr_probe_fn *other, void *ctx, int json,
			  struct rr_replay_diff *res, char **report, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	*report = NULL;
	struct rr_session_options so = { .no_hash_check = 1 };
	rr_session *s = NULL;
	int rc = rr_session_open(log, &so, &s);
	if (rc != RR_OK) {
		snprintf(err, errlen, "%s: %s", log, rr_session_errmsg(s));
		rr_session_close(s);
		return rc;
	}
	struct text t = { .json = json };
	uint64_t first, last;
	const struct rrlog_snapshot_ref *list = NULL;
	size_t n = 0;
	char *theirs = NULL;
	if ((rc = rr_recording_span(log, &first, &last, err, errlen)) != RR_OK ||
	    (rc = rr_session_snapshots(s, &list, &n)) != RR_OK)
		goto out;
	res->end_a = res->end_b = last;
	/* the end of each snapshot interval: both builds start it from the same snapshot */
	uint64_t lo = first, hi = 0;
	size_t nint = n ? n : 1;
	for (size_t k = 0; k < nint && !hi; k++) {
		uint64_t start = n ? list[k].icount : first;
		uint64_t end = k + 1 < n ? list[k + 1].icount - 1 : last;
		if (end < start || end < first)
			continue;
		uint64_t h_other;
		if ((rc = rr_session_seek(s, end)) != RR_OK) {
			snprintf(err, errlen, "%s: going to icount %llu: %s", log, (unsigned long long)end,
				 rr_session_errmsg(s));
			goto out;
		}
		if ((rc = other(ctx, end, &h_other, NULL, err, errlen)) != RR_OK)
			goto out;
		res->steps++;
		if (hash_of(s) != h_other) {
			lo = start;
			hi = end;
		}
	}
	if (!hi) {
		res->same = 1;
		res->icount = last;
		goto out;
	}
	/* inside the interval: equal at lo (its snapshot), different at hi */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2, h_other;
		if ((rc = rr_session_seek(s, mid)) != RR_OK) {
			snprintf(err, errlen, "%s: going to icount %llu: %s", log, (unsigned long long)mid,
				 rr_session_errmsg(s));
			goto out;
		}
		if ((rc = other(ctx, mid, &h_other, NULL, err, errlen)) != RR_OK)
			goto out;
		res->steps++;
		if (hash_of(s) == h_other)
			lo = mid;
		else
			hi = mid;
	}
	res->icount = hi;
	t.icount = hi;
	uint64_t h_other;
	if ((rc = rr_session_seek(s, hi)) != RR_OK || (rc = other(ctx, hi, &h_other, &theirs, err, errlen)) != RR_OK)
		goto out;
	char *ours = rr_state_text(rr_session_machine(s), 1);
	if (ours && theirs)
		text_diff(&t, ours, theirs);
	free(ours);
	res->differences = 1;
out:
	free(theirs);
	rr_session_close(s);
	if (t.oom) {
		free(t.p);
		snprintf(err, errlen, "out of memory");
		return RR_ENOMEM;
	}
	*report = t.p;
	return rc;
}
