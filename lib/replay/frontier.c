/* frontier: a session over a recording in progress (rr_session_recording).
 *
 * Two machines. The recorder's sits at the frontier, the last instruction
 * recorded; it runs only forward, live, and what it takes from the world is
 * logged. The past is a replay session over the same log file (the part written
 * so far), with a machine of its own. Going back first makes the log readable up
 * to the frontier (rr_recorder_sync: a STATE_HASH there, so the replay knows no
 * input comes before it, perhaps a snapshot, a flush) and opens the replay again
 * if the recording has grown since it was opened; then it is an ordinary seek. A
 * run behind the frontier replays up to it, and there the recorder's machine,
 * untouched meanwhile and in the same state (the replay checked the hash), takes
 * over and the run carries on live. Breakpoints, watches and the debugger's flags
 * of each hart go over with every change of machine, so a caller may keep
 * setting them on rr_session_machine()'s harts.
 *
 * The replay prints nothing (the guest's output there was printed live). States
 * saved with an earlier opening of the replay stay valid: the log only grows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/hart.h"
#include "replay/internal.h"

struct rr_frontier {
	rr_recorder *r;             /* the caller's */
	char *path;
	struct rr_live_input in;
	rr_session *rep;            /* the recorded part, or NULL */
	uint64_t rep_end;           /* the frontier when rep was opened */
	int behind;                 /* the current machine is rep's */
	int ended;                  /* the guest stopped at the frontier (mexit) */
	int mexit;
	char msg[760];
};

__attribute__((format(printf, 3, 4)))
static int f_err(struct rr_frontier *f, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof f->msg, fmt, ap);
	va_end(ap);
	return code;
}

static struct machine *front(struct rr_frontier *f) { return rr_recorder_machine(f->r); }
static uint64_t frontier(struct rr_frontier *f) { return machine_icount(front(f)); }

struct machine *fr_machine(struct rr_frontier *f)
{
	return f->behind ? rr_session_machine(f->rep) : front(f);
}

/* Breakpoints, watches and debugger flags of each hart of `from` onto `to`'s. */
static void carry(struct machine *to, struct machine *from)
{
	if (!to || !from || to == from)
		return;
	for (int k = 0; k < machine_nharts(to) && k < machine_nharts(from); k++) {
		struct hart *t = machine_hart(to, k), *s = machine_hart(from, k);
		while (t->nbreak)
			hart_del_breakpoint(t, t->breakpoints[t->nbreak - 1]);
		while (t->nwatch) {
			struct hart_watch *w = &t->watch[t->nwatch - 1];
			hart_del_watch(t, w->pa, w->len, w->kind);
		}
		for (int i = 0; i < s->nbreak; i++)
			hart_add_breakpoint(t, s->breakpoints[i]);
		for (int i = 0; i < s->nwatch; i++)
			hart_add_watch(t, s->watch[i].pa, s->watch[i].len, s->watch[i].kind);
		t->ebreak_exits = s->ebreak_exits;
		t->skip_break_once = s->skip_break_once;
		t->watch_hit = 0;
	}
}

static void go_front(struct rr_frontier *f)
{
	if (!f->behind)
		return;
	carry(front(f), rr_session_machine(f->rep));
	f->behind = 0;
}

/* The replay of the recorded part, covering everything up to the frontier. */
static int past(struct rr_frontier *f)
{
	uint64_t end = frontier(f);
	if (f->rep && f->rep_end == end)
		return RR_OK;
	if (rr_recorder_sync(f->r, f->ended) != RR_OK)
		return f_err(f, RR_EIO, "%s", rr_recorder_errmsg(f->r));
	/* the session checks the images again: cached SHA-256, no re-read */
	rr_session *rep = NULL;
	struct rr_session_options so = { .cpu = machine_hart(front(f), 0)->cpu }; /* the recorder's core */
	int rc = rr_session_open(f->path, &so, &rep);
	if (rc != RR_OK) {
		f_err(f, rc, "reading back the recording: %s", rr_session_errmsg(rep));
		rr_session_close(rep);
		return rc;
	}
	/* (behind, the frontier has not moved: rep is current, as checked above; it
	 * gets the debugger's state when it becomes current, go_behind) */
	rr_session_close(f->rep);
	f->rep = rep;
	f->rep_end = end;
	return RR_OK;
}

static void go_behind(struct rr_frontier *f)
{
	if (f->behind)
		return;
	carry(rr_session_machine(f->rep), front(f));
	f->behind = 1;
}

static int from_rep(struct rr_frontier *f, int rc)
{
	return rc == RR_OK ? RR_OK : f_err(f, rc, "%s", rr_session_errmsg(f->rep));
}

/* Live at the frontier, recording. */
static int run_front(struct rr_frontier *f, uint64_t stop_icount, int *stop)
{
	if (f->ended) {
		*stop = f->mexit == MACHINE_EXIT_HOST ? RR_STOP_HOST : RR_STOP_EXIT;
		return RR_OK;
	}
	int e, rc = rr_recorder_run(f->r, stop_icount, &e);
	if (rc != RR_OK)
		return f_err(f, rc, "%s", rr_recorder_errmsg(f->r));
	switch (e) {
	case MACHINE_EXIT_ICOUNT: *stop = RR_STOP_ICOUNT; return RR_OK;
	case MACHINE_EXIT_BREAK: *stop = RR_STOP_BREAK; return RR_OK;
	case MACHINE_EXIT_WATCH: *stop = RR_STOP_WATCH; return RR_OK;
	default:
		break;
	}
	f->ended = 1;
	f->mexit = e;
	*stop = e == MACHINE_EXIT_HOST ? RR_STOP_HOST : RR_STOP_EXIT;
	rc = rr_recorder_finish(f->r, e);
	return rc == RR_OK ? RR_OK : f_err(f, rc, "%s", rr_recorder_errmsg(f->r));
}

int fr_run(struct rr_frontier *f, uint64_t stop_icount, int *stop)
{
	*stop = 0;
	if (f->behind) {
		/* up to the frontier (it has not moved while behind); once the guest has
		 * stopped the log is whole and the replay finds the ending itself */
		uint64_t end = f->rep_end;
		int rc = rr_session_run(f->rep, stop_icount < end || f->ended ? stop_icount : end, stop);
		if (rc != RR_OK)
			return from_rep(f, rc);
		/* at the frontier the log has no more events: the replay may say so; once
		 * the guest has stopped, its log has no END yet (the caller closes r) */
		uint64_t at = machine_icount(rr_session_machine(f->rep));
		if (f->ended && at == end && *stop == RR_STOP_END)
			*stop = f->mexit == MACHINE_EXIT_HOST ? RR_STOP_HOST : RR_STOP_EXIT;
		if (at < end || (*stop != RR_STOP_ICOUNT && *stop != RR_STOP_END) || f->ended)
			return RR_OK;
		go_front(f);
		if (stop_icount <= end)
			return RR_OK;
	}
	return run_front(f, stop_icount, stop);
}

/* Make the replay of the past current, before a seek or a restore in it. */
static int to_past(struct rr_frontier *f)
{
	int rc = past(f);
	if (rc == RR_OK)
		go_behind(f);
	return rc;
}

/* After a seek or restore in the past (rc): at the frontier the recorder's machine
 * is current again. */
static int landed(struct rr_frontier *f, int rc)
{
	if (rc != RR_OK)
		return from_rep(f, rc);
	if (machine_icount(rr_session_machine(f->rep)) == f->rep_end)
		go_front(f);
	return RR_OK;
}

int fr_seek(struct rr_frontier *f, uint64_t icount)
{
	uint64_t end = frontier(f);
	if (icount < end || (f->behind && icount == end)) {
		int rc = to_past(f);
		return rc != RR_OK ? rc : landed(f, rr_session_seek(f->rep, icount));
	}
	/* ahead of the frontier: record up to there, passing breakpoints and watches */
	int stop, rc;
	while ((rc = run_front(f, icount, &stop)) == RR_OK && frontier(f) < icount) {
		if (stop == RR_STOP_BREAK)
			for (int i = 0; i < machine_nharts(front(f)); i++)
				machine_hart(front(f), i)->skip_break_once = 1;
		else if (stop != RR_STOP_WATCH && stop != RR_STOP_ICOUNT)
			return f_err(f, RR_EINVAL, "the guest stopped at icount %llu, before %llu",
				     (unsigned long long)frontier(f), (unsigned long long)icount);
	}
	return rc;
}

int fr_save(struct rr_frontier *f, rr_state **out)
{
	*out = NULL;
	if (!f->behind) { /* the frontier's state: the replay's there */
		int rc = past(f);
		if (rc == RR_OK)
			rc = from_rep(f, rr_session_seek(f->rep, frontier(f)));
		if (rc != RR_OK)
			return rc;
	}
	return from_rep(f, rr_session_save(f->rep, out));
}

int fr_restore(struct rr_frontier *f, const rr_state *st)
{
	if (rr_state_icount(st) > frontier(f))
		return f_err(f, RR_EINVAL, "that state is past the frontier");
	int rc = to_past(f);
	return rc != RR_OK ? rc : landed(f, rr_session_restore(f->rep, st));
}

int fr_snapshots(struct rr_frontier *f, const struct rrlog_snapshot_ref **list, size_t *n)
{
	int rc = past(f);
	if (rc != RR_OK) {
		*list = NULL;
		*n = 0;
		return rc;
	}
	return from_rep(f, rr_session_snapshots(f->rep, list, n));
}

int fr_next_event(struct rr_frontier *f, struct rrlog_event *ev)
{
	return f->behind ? rr_session_next_event(f->rep, ev) : 0;
}

int fr_send_input(struct rr_frontier *f, const struct emu_input *in)
{
	if (f->behind)
		return f_err(f, RR_EUSAGE, "the replay is %llu instructions behind the frontier "
			     "(icount %llu): the recorded past takes no new input; go on to the "
			     "frontier first", (unsigned long long)(f->rep_end -
			     machine_icount(rr_session_machine(f->rep))), (unsigned long long)f->rep_end);
	if (f->ended)
		return f_err(f, RR_EUSAGE, "the guest has stopped: the recording is over");
	if (!f->in.send || f->in.send(f->in.opaque, in) < 0)
		return f_err(f, RR_EUSAGE, "the live host cannot take that input now");
	return RR_OK;
}

void fr_info(struct rr_frontier *f, struct rr_recording_info *ri)
{
	ri->frontier = frontier(f);
	ri->behind = f->behind;
	ri->ended = f->ended;
	ri->mexit = f->mexit;
}

const char *fr_errmsg(const struct rr_frontier *f) { return f->msg; }
rr_session *fr_past(struct rr_frontier *f) { return f->rep; }

struct rr_frontier *fr_new(rr_recorder *r, const char *path, const struct rr_live_input *in, int *rc,
			   char *err, size_t errlen)
{
	struct rr_frontier *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path))) {
		free(f);
		*rc = RR_ENOMEM;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->r = r;
	if (in)
		f->in = *in;
	/* opened now: the header and configuration come from it */
	*rc = past(f);
	if (*rc != RR_OK)
		snprintf(err, errlen, "%s", f->msg);
	return f;
}

void fr_free(struct rr_frontier *f)
{
	if (!f)
		return;
	rr_session_close(f->rep);
	free(f->path);
	free(f);
}
