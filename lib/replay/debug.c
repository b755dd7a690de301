/* debug: breakpoints, watchpoints and forward and reverse execution over a replay
 * session (debug.h), for the gdb stub and the monitor.
 *
 * Reverse execution is seeking: reverse-step bisects for the last point at which
 * the hart had executed one instruction less; reverse-continue replays one
 * snapshot interval at a time, from the latest snapshot before the current point
 * up to it, noting every breakpoint hit and watched access, and goes to the last
 * one; if there is none it tries the interval before. While it scans an interval,
 * a thread scans the one before in a second session on the same log (two cores:
 * two intervals at a time); its finds count only when the later interval has none,
 * so the answer is the one-core answer. A watched access is
 * reported once the replay has gone past the instruction that made it: going
 * forward just after it, going backwards just before it. gdb's RISC-V watchpoints
 * are "nonsteppable" (it steps over the access itself, in the direction it runs),
 * so for gdb (watch_before) both stops are one instruction short of that. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "replay/debug.h"
#include "replay/internal.h"
#include "emu/physmem.h"

void dbg_init(struct dbg *d, rr_session *s)
{
	memset(d, 0, sizeof *d);
	d->s = s;
	d->m = rr_session_machine(s);
	d->stop_hart = -1;
	d->high = rr_session_icount(s);
	d->icount_break = UINT64_MAX;
	d->watch_skip = UINT64_MAX;
}

static void clear_skips(struct dbg *d)
{
	for (int k = 0; k < machine_nharts(d->m); k++)
		machine_hart(d->m, k)->skip_break_once = 0;
}

/* The hart's access kinds (HART_WATCH_*) a watchpoint of type DBG_WP_* watches. */
static int wp_kind(int type)
{
	return type == DBG_WP_WRITE ? HART_WATCH_WRITE : type == DBG_WP_READ ? HART_WATCH_READ
	       : HART_WATCH_READ | HART_WATCH_WRITE;
}

/* Forget the harts' notes of watched accesses (they were reported, or the machine
 * moved elsewhere). */
static void clear_watch_hits(struct dbg *d)
{
	for (int k = 0; k < machine_nharts(d->m); k++)
		machine_hart(d->m, k)->watch_hit = 0;
}

static void wp_apply(struct dbg *d, const struct dbg_wp *w, int add)
{
	int kind = wp_kind(w->type);
	for (int i = 0; i < w->npieces; i++)
		for (int k = 0; k < machine_nharts(d->m); k++) {
			struct hart *h = machine_hart(d->m, k);
			if (add)
				hart_add_watch(h, w->pa[i], w->plen[i], kind);
			else
				hart_del_watch(h, w->pa[i], w->plen[i], kind);
		}
}

void dbg_fini(struct dbg *d)
{
	if (!d->m)
		return;
	for (int i = 0; i < d->nbp; i++)
		for (int k = 0; k < machine_nharts(d->m); k++)
			hart_del_breakpoint(machine_hart(d->m, k), d->bps[i].addr);
	for (int i = 0; i < d->nwp; i++)
		wp_apply(d, &d->wps[i], 0);
	d->nbp = d->nwp = 0;
	clear_skips(d);
	for (int i = 0; i < d->nsaved; i++)
		rr_state_free(d->saved[i].st);
	d->nsaved = 0;
	for (int i = 0; i < 2; i++) {
		rr_state_free(d->near[i]);
		d->near[i] = NULL;
	}
	rr_session_close(d->sib);
	d->sib = NULL;
}

/* ---- memory ---- */

int dbg_va2pa(struct hart *h, uint64_t va, uint64_t *pa)
{
	uint64_t mode = h->s.satp >> 60;
	if (h->s.priv == PRV_M || mode == 0) {
		*pa = va;
		return 0;
	}
	int levels = mode == 8 ? 3 : mode == 9 ? 4 : 0;
	if (!levels)
		return -1;
	int vbits = 12 + 9 * levels;
	int64_t top = (int64_t)va >> (vbits - 1);
	if (top != 0 && top != -1)
		return -1;
	uint64_t a = (h->s.satp & ((1ull << 44) - 1)) << 12;
	for (int i = levels - 1; i >= 0; i--) {
		uint64_t pte, idx = (va >> (12 + 9 * i)) & 511;
		if (physmem_dma_read(h->pm, a + idx * 8, &pte, 8) < 0)
			return -1;
		if (!(pte & 1) || ((pte & 6) == 4))
			return -1;
		uint64_t ppa = ((pte >> 10) & ((1ull << 44) - 1)) << 12;
		if (pte & 0xa) { /* R or X: a leaf */
			uint64_t mask = (1ull << (12 + 9 * i)) - 1;
			*pa = (ppa & ~mask) | (va & mask);
			return 0;
		}
		a = ppa;
	}
	return -1;
}

size_t dbg_mem(struct dbg *d, struct hart *h, uint64_t addr, uint8_t *buf, size_t len, int write,
	       int phys)
{
	size_t done = 0;
	while (done < len) {
		uint64_t a = addr + done, pa = a;
		size_t chunk = 4096 - (a & 4095);
		if (chunk > len - done)
			chunk = len - done;
		if (!phys && dbg_va2pa(h, a, &pa) < 0)
			break;
		int rc = write ? physmem_dma_write(h->pm, pa, buf + done, chunk)
			       : physmem_dma_read(h->pm, pa, buf + done, chunk);
		if (rc < 0)
			break;
		done += chunk;
	}
	if (write && done)
		for (int i = 0; i < machine_nharts(d->m); i++)
			hart_flush_caches(machine_hart(d->m, i));
	return done;
}

/* ---- breakpoints and watchpoints ---- */

int dbg_bp_find(const struct dbg *d, uint64_t addr)
{
	for (int i = 0; i < d->nbp; i++)
		if (d->bps[i].addr == addr)
			return i;
	return -1;
}

int dbg_bp_add(struct dbg *d, uint64_t addr, int hw)
{
	int i = dbg_bp_find(d, addr);
	if (i < 0) {
		if (d->nbp == DBG_MAX_BP)
			return -1;
		for (int k = 0; k < machine_nharts(d->m); k++)
			if (hart_add_breakpoint(machine_hart(d->m, k), addr) < 0) {
				for (int j = 0; j < k; j++)
					hart_del_breakpoint(machine_hart(d->m, j), addr);
				return -1;
			}
		i = d->nbp++;
		d->bps[i] = (struct dbg_bp){ .addr = addr };
	}
	if (hw)
		d->bps[i].hw = 1;
	else
		d->bps[i].sw = 1;
	return 0;
}

int dbg_bp_del(struct dbg *d, uint64_t addr, int hw)
{
	int i = dbg_bp_find(d, addr);
	if (i < 0)
		return 0;
	if (hw)
		d->bps[i].hw = 0;
	else
		d->bps[i].sw = 0;
	if (d->bps[i].hw || d->bps[i].sw)
		return 0;
	for (int k = 0; k < machine_nharts(d->m); k++)
		hart_del_breakpoint(machine_hart(d->m, k), addr);
	d->bps[i] = d->bps[--d->nbp];
	return 0;
}

int dbg_wp_add(struct dbg *d, struct hart *h, int type, uint64_t va, uint64_t len)
{
	if (d->nwp == DBG_MAX_WP || len == 0 || len > 4096 || va + len < va)
		return -1;
	for (int i = 0; i < d->nwp; i++)
		if (d->wps[i].type == type && d->wps[i].va == va && d->wps[i].len == len)
			return 0;
	struct dbg_wp w = { .type = type, .va = va, .len = len };
	for (uint64_t off = 0; off < len; w.npieces++) {
		uint64_t a = va + off, n = 4096 - (a & 4095);
		if (n > len - off)
			n = len - off;
		if (dbg_va2pa(h, a, &w.pa[w.npieces]) < 0)
			return -2;
		w.plen[w.npieces] = n;
		off += n;
	}
	/* every hart has room for the pieces, or nothing is added */
	for (int k = 0; k < machine_nharts(d->m); k++)
		if (machine_hart(d->m, k)->nwatch + w.npieces > HART_MAX_WATCH)
			return -1;
	d->wps[d->nwp++] = w;
	wp_apply(d, &w, 1);
	return 0;
}

const char *dbg_wp_name(int type)
{
	return type == DBG_WP_WRITE ? "write" : type == DBG_WP_READ ? "read" : "access";
}

int dbg_wp_del(struct dbg *d, int type, uint64_t va, uint64_t len)
{
	for (int i = 0; i < d->nwp; i++)
		if (d->wps[i].type == type && d->wps[i].va == va && d->wps[i].len == len) {
			wp_apply(d, &d->wps[i], 0);
			d->wps[i] = d->wps[--d->nwp];
			return 0;
		}
	return 0;
}

/* The watchpoint a hart's watched access belongs to (-1 if none: cleared meanwhile). */
static int wp_of_hit(const struct dbg *d, const struct hart *h)
{
	for (int i = 0; i < d->nwp; i++) {
		const struct dbg_wp *w = &d->wps[i];
		int want = wp_kind(w->type);
		for (int p = 0; p < w->npieces; p++)
			if (w->pa[p] == h->watch_pa && (h->watch_hit & want))
				return i;
	}
	return -1;
}

/* ---- helpers ---- */

/* The hart that stopped at a breakpoint: one whose pc is at one, preferring one that
 * executed something in the run (before[] = the instret of each hart before it). */
static int break_hart(struct dbg *d, const uint64_t *before)
{
	int any = -1;
	for (int k = 0; k < machine_nharts(d->m); k++) {
		struct hart *h = machine_hart(d->m, k);
		if (dbg_bp_find(d, h->s.pc) < 0)
			continue;
		if (before && h->s.instret != before[k])
			return k;
		if (any < 0)
			any = k;
	}
	return any < 0 ? 0 : any;
}

/* The hart that made the watched access the run stopped for; every hart's note of
 * it is cleared. *wp: its watchpoint. */
static int watch_hart(struct dbg *d, const uint64_t *before, int *wp)
{
	int hit = -1;
	for (int k = 0; k < machine_nharts(d->m); k++) {
		struct hart *h = machine_hart(d->m, k);
		if (h->watch_hit && (hit < 0 || h->s.instret != before[k]))
			hit = k;
	}
	*wp = hit >= 0 ? wp_of_hit(d, machine_hart(d->m, hit)) : -1;
	clear_watch_hits(d);
	return hit < 0 ? 0 : hit;
}

/* A resumption passes the breakpoint the reported hart stopped at. */
static void resume_skip(struct dbg *d)
{
	clear_skips(d);
	int k = d->stop_hart;
	if (k >= 0 && k < machine_nharts(d->m) && dbg_bp_find(d, machine_hart(d->m, k)->s.pc) >= 0)
		machine_hart(d->m, k)->skip_break_once = 1;
}

static void snap_instret(struct dbg *d, uint64_t *v)
{
	for (int k = 0; k < machine_nharts(d->m); k++)
		v[k] = machine_hart(d->m, k)->s.instret;
}

uint64_t dbg_first_icount(struct dbg *d)
{
	const struct rrlog_snapshot_ref *list;
	size_t n;
	if (rr_session_snapshots(d->s, &list, &n) == RR_OK && n)
		return list[0].icount;
	return 0;
}

/* After each call that moves the session: a recording session changes machines
 * at its frontier (the harts' breakpoints and watches go along). */
static void went(struct dbg *d)
{
	d->m = rr_session_machine(d->s);
	uint64_t now = rr_session_icount(d->s);
	if (now > d->high)
		d->high = now;
}

/* What any jump of the machine to another point resets. */
static void moved(struct dbg *d)
{
	went(d);
	clear_skips(d);
	clear_watch_hits(d);
	d->watch_skip = UINT64_MAX;
}

int dbg_seek(struct dbg *d, uint64_t icount)
{
	d->at_end = 0;
	d->mute = 1;
	int rc = rr_session_seek(d->s, icount);
	moved(d);
	return rc;
}

int dbg_restore(struct dbg *d, const rr_state *st)
{
	d->at_end = 0;
	d->mute = 1;
	int rc = rr_session_restore(d->s, st);
	moved(d);
	return rc;
}

/* The end of the log was reached here (or the replay failed: said in d->msg). */
static int ended(struct dbg *d, int rc, struct dbg_stop *st)
{
	d->at_end = 1;
	d->end_icount = rr_session_icount(d->s);
	if (rc != RR_OK)
		snprintf(d->msg, sizeof d->msg, "replay stopped: %s", rr_session_errmsg(d->s));
	st->ev = DBG_END;
	return DBG_END;
}

int dbg_at_end(const struct dbg *d)
{
	return d->at_end && rr_session_icount(d->s) == d->end_icount;
}

static int poll_intr(struct dbg *d)
{
	if (!d->interrupted && d->poll && d->poll(d->poll_opaque))
		d->interrupted = 1;
	return d->interrupted;
}

/* One run of the session to `to`: DBG_ICOUNT (reached it or stopped short for no
 * reason of ours), DBG_BREAK, DBG_WATCH or DBG_END, with st->hart / st->wp. */
static int run_to(struct dbg *d, uint64_t to, struct dbg_stop *st)
{
	uint64_t before[MACHINE_MAX_HARTS], start = rr_session_icount(d->s);
	int stop, skip = d->watch_skip == start;
	d->watch_skip = UINT64_MAX;
	snap_instret(d, before);
	d->mute = start < d->high;
	int rc = rr_session_run(d->s, to, &stop);
	went(d);
	if (rc != RR_OK || stop == RR_STOP_END || stop == RR_STOP_EXIT || stop == RR_STOP_HOST)
		return ended(d, rc, st);
	if (stop == RR_STOP_BREAK) {
		st->hart = break_hart(d, before);
		return st->ev = DBG_BREAK;
	}
	if (stop == RR_STOP_WATCH) {
		st->hart = watch_hart(d, before, &st->wp);
		if (st->wp >= 0 && !(skip && rr_session_icount(d->s) == start + 1))
			return st->ev = DBG_WATCH;
	}
	return st->ev = DBG_ICOUNT;
}

/* Forward to limit, a stop or an interrupt (no skip of the current breakpoint). */
static int forward(struct dbg *d, uint64_t limit, struct dbg_stop *st)
{
	for (;;) {
		if (dbg_at_end(d))
			return st->ev = DBG_END;
		uint64_t now = rr_session_icount(d->s);
		if (now >= limit)
			return st->ev = DBG_ICOUNT;
		uint64_t to = limit - now > DBG_SLICE ? now + DBG_SLICE : limit;
		if (now < d->high && to > d->high)
			to = d->high; /* up to where the output was printed, quietly */
		int ev = run_to(d, to, st);
		if (ev != DBG_ICOUNT)
			return ev;
		if (poll_intr(d))
			return st->ev = DBG_INTR;
	}
}

static void stop_init(struct dbg *d, struct dbg_stop *st, int hart)
{
	*st = (struct dbg_stop){ .ev = DBG_ICOUNT, .hart = hart, .wp = -1 };
	d->interrupted = 0;
	d->msg[0] = 0;
}

/* The hart stopped at a breakpoint's pc, by the breakpoint or otherwise (a step
 * onto it): resuming passes it, as gdb does. */
static int finish(struct dbg *d, struct dbg_stop *st)
{
	int k = st->hart;
	d->stop_hart = st->ev == DBG_BREAK || (st->ev != DBG_ERROR && k >= 0 && k < machine_nharts(d->m) &&
					       dbg_bp_find(d, machine_hart(d->m, k)->s.pc) >= 0) ? k : -1;
	return st->ev;
}

/* A forward watch stop, for a debugger that wants it before the access: back by
 * the one instruction that made it (the same hart executes it next). */
static void watch_back(struct dbg *d, struct dbg_stop *st)
{
	/* (a live run cannot go back: gdb then stops one instruction late) */
	if (st->ev != DBG_WATCH || !d->watch_before || rr_session_is_live(d->s))
		return;
	uint64_t at = rr_session_icount(d->s) - 1;
	if (dbg_seek(d, at) != RR_OK) {
		snprintf(d->msg, sizeof d->msg, "%s", rr_session_errmsg(d->s));
		st->ev = DBG_ERROR;
		return;
	}
	d->watch_skip = at;
}

int dbg_continue(struct dbg *d, uint64_t limit, struct dbg_stop *st)
{
	stop_init(d, st, d->stop_hart >= 0 ? d->stop_hart : 0);
	resume_skip(d);
	forward(d, limit, st);
	watch_back(d, st);
	return finish(d, st);
}

/* Hart k's instructions retired, on the current machine (a recording session
 * changes machines at its frontier: no hart pointer is kept across a run). */
static uint64_t instret(struct dbg *d, int k) { return machine_hart(d->m, k)->s.instret; }

/* Step hart k by one of its instructions (the others run meanwhile as recorded). */
int dbg_step(struct dbg *d, int k, struct dbg_stop *st)
{
	stop_init(d, st, k);
	resume_skip(d);
	uint64_t start = instret(d, k);
	for (uint64_t n = 0; instret(d, k) == start; n++) {
		if (dbg_at_end(d)) {
			st->ev = DBG_END;
			break;
		}
		if ((n & 4095) == 4095 && poll_intr(d)) {
			st->ev = DBG_INTR;
			break;
		}
		int ev = run_to(d, rr_session_icount(d->s) + 1, st);
		if (ev != DBG_ICOUNT)
			break;
	}
	if (st->ev == DBG_ICOUNT || st->ev == DBG_END || st->ev == DBG_INTR)
		st->hart = k;
	watch_back(d, st);
	return finish(d, st);
}

#define NEAR_BACK 2000000     /* a reverse step's state kept this far before it */

/* Go back to icount for a reverse step: from a kept state between the log's
 * snapshot and icount if there is one; else by way of icount - NEAR_BACK, kept for
 * the steps that follow (each then replays at most about NEAR_BACK instructions
 * instead of up to a snapshot interval). */
static int seek_back(struct dbg *d, uint64_t icount)
{
	const struct rrlog_snapshot_ref *list;
	size_t n = 0;
	uint64_t snap = 0;
	if (rr_session_snapshots(d->s, &list, &n) == RR_OK)
		for (size_t i = 0; i < n; i++)
			if (list[i].icount <= icount)
				snap = list[i].icount;
	int best = -1;
	for (int i = 0; i < 2; i++) {
		uint64_t at = d->near[i] ? rr_state_icount(d->near[i]) : 0;
		if (d->near[i] && at <= icount && at > snap &&
		    (best < 0 || at > rr_state_icount(d->near[best])))
			best = i;
	}
	uint64_t now = rr_session_icount(d->s);
	if (best >= 0 && !(now <= icount && now >= rr_state_icount(d->near[best]))) {
		if (dbg_restore(d, d->near[best]) != RR_OK)
			return RR_EINVAL;
	} else if (best < 0 && icount - snap > 2 * NEAR_BACK && !(now <= icount && now > snap)) {
		rr_state *st;
		if (dbg_seek(d, icount - NEAR_BACK) == RR_OK && rr_session_save(d->s, &st) == RR_OK) {
			rr_state_free(d->near[d->near_next]);
			d->near[d->near_next] = st;
			d->near_next ^= 1;
		}
	}
	return dbg_seek(d, icount);
}

/* Back to the point just before hart k executed its last instruction: the latest
 * icount T < now where its instret is one less than now. */
/* A live run has no log to go back in. */
static int no_reverse(struct dbg *d, struct dbg_stop *st)
{
	if (!rr_session_is_live(d->s))
		return 0;
	snprintf(d->msg, sizeof d->msg, "a live run cannot go back (record it with -w, "
		 "then debug the replay with -r)");
	st->ev = DBG_ERROR;
	return 1;
}

int dbg_reverse_step(struct dbg *d, int k, struct dbg_stop *st)
{
	stop_init(d, st, k);
	if (no_reverse(d, st))
		return finish(d, st);
	uint64_t now = rr_session_icount(d->s), first = dbg_first_icount(d);
	uint64_t cur = instret(d, k);
	if (now <= first) {
		st->ev = DBG_BEGIN;
		return finish(d, st);
	}
	/* widen the window backwards until the hart's count is below cur, then halve it */
	uint64_t hi = now, lo, back = 1;
	for (;;) {
		lo = now - back < first || now - back > now ? first : now - back;
		if (seek_back(d, lo) != RR_OK)
			goto error;
		if (instret(d, k) < cur)
			break;
		if (lo == first) {
			st->ev = DBG_BEGIN; /* nothing before: stay at the first instruction */
			return finish(d, st);
		}
		hi = lo;
		back *= 2;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (seek_back(d, mid) != RR_OK)
			goto error;
		if (instret(d, k) < cur)
			lo = mid;
		else
			hi = mid;
	}
	if (rr_session_icount(d->s) != lo && seek_back(d, lo) != RR_OK)
		goto error;
	return finish(d, st);
error:
	snprintf(d->msg, sizeof d->msg, "%s", rr_session_errmsg(d->s));
	st->ev = DBG_ERROR;
	return finish(d, st);
}

/* Replay [t0, hi) noting every breakpoint hit and watched access: *last is the
 * icount to go back to for the last one (UINT64_MAX: none), *found its stop.
 * DBG_ICOUNT (scanned), DBG_INTR (d->poll said stop) or DBG_ERROR. */
static int scan(struct dbg *d, uint64_t t0, uint64_t hi, uint64_t *last, struct dbg_stop *found)
{
	*last = UINT64_MAX;
	if (dbg_seek(d, t0) != RR_OK)
		return DBG_ERROR;
	for (;;) {
		struct dbg_stop cur;
		int ev = forward(d, hi, &cur);
		uint64_t now = rr_session_icount(d->s);
		if (ev == DBG_BREAK) {
			*last = now;
			*found = cur;
			clear_skips(d);
			machine_hart(d->m, cur.hart)->skip_break_once = 1;
		} else if (ev == DBG_WATCH) {
			/* just before the instruction that made the access; gdb steps
			 * back over it itself */
			*last = d->watch_before ? now : now - 1;
			*found = cur;
		} else if (ev == DBG_INTR) {
			return DBG_INTR;
		} else {
			return DBG_ICOUNT; /* at hi, or the end */
		}
	}
}

/* A scan on the other core: d is a controller of d's sibling session with the
 * same breakpoints and watchpoints; cancel stops it (the later scan found one). */
struct scan_job {
	struct dbg d;
	uint64_t t0, hi, last;
	struct dbg_stop found;
	int rc, cancel;
};

static int job_cancelled(void *opaque)
{
	return __atomic_load_n((int *)opaque, __ATOMIC_ACQUIRE);
}

static void *job_run(void *opaque)
{
	struct scan_job *j = opaque;
	j->rc = scan(&j->d, j->t0, j->hi, &j->last, &j->found);
	return NULL;
}

/* Set j up on d's sibling (opened at the first use): 0, or -1 (scan on one core). */
static int job_init(struct dbg *d, struct scan_job *j)
{
	if (!d->sib && (d->no_sib || rr_session_sibling(d->s, &d->sib) != RR_OK)) {
		d->no_sib = 1;
		return -1;
	}
	dbg_init(&j->d, d->sib);
	j->d.watch_before = d->watch_before;
	j->d.poll = job_cancelled;
	j->d.poll_opaque = &j->cancel;
	j->cancel = 0;
	for (int i = 0; i < d->nbp; i++)
		if (dbg_bp_add(&j->d, d->bps[i].addr, d->bps[i].hw) < 0) {
			dbg_fini(&j->d);
			return -1;
		}
	for (int i = 0; i < d->nwp; i++) {
		j->d.wps[j->d.nwp++] = d->wps[i];       /* the same physical ranges */
		wp_apply(&j->d, &d->wps[i], 1);
	}
	return 0;
}

int dbg_reverse_continue(struct dbg *d, struct dbg_stop *st)
{
	const struct rrlog_snapshot_ref *list;
	size_t n;
	stop_init(d, st, d->stop_hart >= 0 ? d->stop_hart : 0);
	if (no_reverse(d, st))
		return finish(d, st);
	uint64_t orig = rr_session_icount(d->s), hi = orig;
	struct scan_job job;
	int have_job = 0;
	if (rr_session_snapshots(d->s, &list, &n) != RR_OK || !n)
		goto error;
	while (hi > list[0].icount) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (list[i].icount < hi)
				k = i;
		uint64_t t0 = list[k].icount, last;
		/* the interval before this one, on the other core */
		int par = 0;
		pthread_t th;
		if (k > 0 && (have_job || job_init(d, &job) == 0)) {
			have_job = 1;
			job.t0 = list[k - 1].icount;
			job.hi = t0;
			job.cancel = 0;
			par = pthread_create(&th, NULL, job_run, &job) == 0;
		}
		struct dbg_stop found = { 0 };
		int rc = scan(d, t0, hi, &last, &found);
		if (par) {
			if (rc != DBG_ICOUNT || last != UINT64_MAX)
				__atomic_store_n(&job.cancel, 1, __ATOMIC_RELEASE);
			pthread_join(th, NULL);
		}
		if (rc == DBG_INTR) {
			d->interrupted = 0;
			if (dbg_seek(d, orig) != RR_OK)
				goto error;
			st->ev = DBG_INTR;
			if (have_job)
				dbg_fini(&job.d);
			return finish(d, st);
		}
		if (rc == DBG_ERROR)
			goto error;
		if (last == UINT64_MAX && par && job.rc == DBG_ICOUNT) {
			last = job.last;        /* the later interval had none */
			found = job.found;
			t0 = job.t0;
		}
		/* (a failed scan on the other core: the interval is scanned here next) */
		if (last != UINT64_MAX) {
			if (have_job)
				dbg_fini(&job.d);
			if (dbg_seek(d, last) != RR_OK)
				goto error;
			*st = found;
			if (st->ev == DBG_WATCH && !d->watch_before)
				d->watch_skip = last;
			return finish(d, st);
		}
		hi = t0;
	}
	if (have_job)
		dbg_fini(&job.d);
	if (rr_session_icount(d->s) != list[0].icount && dbg_seek(d, list[0].icount) != RR_OK)
		goto error;
	st->ev = DBG_BEGIN;
	return finish(d, st);
error:
	if (have_job)
		dbg_fini(&job.d);
	snprintf(d->msg, sizeof d->msg, "%s", rr_session_errmsg(d->s));
	st->ev = DBG_ERROR;
	return finish(d, st);
}
