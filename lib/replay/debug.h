/* debug: what a debugger does to a replay session, shared by the gdb stub
 * (gdbstub.c) and the monitor (monitor.c). Private to lib/replay.
 *
 * Breakpoints are pcs on every hart; watchpoints are virtual ranges translated
 * through the selected hart's MMU when they are set (the physical pages are what
 * is watched, by every hart). Execution: run forward (in slices that poll for an
 * interrupt), step one hart, reverse-step one hart, reverse-continue to the last
 * breakpoint hit or watched access before the current point. Going over
 * instructions already gone past is "muted" (the guest's output there was printed
 * already). Nothing here prints: messages go into d->msg. */
#ifndef RR_DEBUG_H
#define RR_DEBUG_H
#include <stddef.h>
#include <stdint.h>
#include "replay/replay.h"
#include "emu/machine.h"
#include "emu/hart.h"

#define DBG_MAX_BP 32
#define DBG_MAX_WP 8
#define DBG_SLICE (1ull << 20)       /* instructions between polls for an interrupt */

enum { DBG_ICOUNT, DBG_BREAK, DBG_WATCH, DBG_END, DBG_BEGIN, DBG_INTR, DBG_ERROR };
enum { DBG_WP_WRITE = 2, DBG_WP_READ = 3, DBG_WP_ACCESS = 4 };   /* gdb's Z2/Z3/Z4 */

struct dbg_bp {
	uint64_t addr;
	int sw, hw;                  /* references: software / hardware (gdb Z0 / Z1) */
};

struct dbg_wp {
	int type;                    /* DBG_WP_* */
	uint64_t va, len;            /* as the debugger gave it */
	int npieces;                 /* the range translated: at most two pages */
	uint64_t pa[2], plen[2];
};

/* Where an execution stopped. */
struct dbg_stop {
	int ev;                      /* DBG_* */
	int hart;                    /* the hart it concerns (the stepped one, the one
	                                at a breakpoint, the one that made the access) */
	int wp;                      /* DBG_WATCH: index into d->wps */
};

struct dbg {
	rr_session *s;
	struct machine *m;
	struct dbg_bp bps[DBG_MAX_BP];
	int nbp;
	struct dbg_wp wps[DBG_MAX_WP];
	int nwp;
	int stop_hart;               /* the hart last reported at a breakpoint, or -1 */
	int at_end;                  /* the last run ended the log here (icount end_icount) */
	uint64_t end_icount;
	int interrupted;
	int mute;                    /* going over instructions already gone past */
	uint64_t high;               /* the highest icount reached */
	/* Polled every DBG_SLICE instructions while running: 1 interrupts the run. */
	int (*poll)(void *opaque);
	void *poll_opaque;
	char msg[640];               /* why the last DBG_END / DBG_ERROR, or "" */
	/* gdb's RISC-V watchpoints are "nonsteppable": it wants the stop before the
	 * instruction that makes the access, in the direction it runs, and steps over
	 * it itself. With watch_before a forward watch stop goes back one instruction
	 * and a reverse one stops just after the access. */
	int watch_before;
	uint64_t watch_skip;         /* resuming at this icount: the access of the
	                                next instruction was reported already */
	/* the monitor's own (monitor.c) */
	int under_gdb;               /* commands come through gdb's qRcmd */
	uint64_t icount_break;       /* replay_break, or UINT64_MAX */
	int nsaved;
	struct dbg_saved { char name[64]; rr_state *st; } saved[16];   /* savevm */
	/* States saved a little before where reverse steps went (debug.c), so that the
	 * next steps back replay from there instead of from the log's snapshot. */
	rr_state *near[2];
	int near_next;
	/* reverse-continue scans the interval before the current one on another core,
	 * in a second session on the same log (opened at the first use; no_sib: that
	 * failed or this session has none, scans stay on one core) */
	rr_session *sib;
	int no_sib;
};

void dbg_init(struct dbg *d, rr_session *s);
/* Remove this controller's breakpoints and watchpoints from the harts. */
void dbg_fini(struct dbg *d);

/* Translate va as hart h's code sees it (no permission checks, no A/D updates):
 * 0 and *pa, or -1. */
int dbg_va2pa(struct hart *h, uint64_t va, uint64_t *pa);
/* Copy between buf and guest memory (virtual through hart h's MMU, or physical),
 * RAM and ROM only: the bytes done. Writes drop every hart's caches. */
size_t dbg_mem(struct dbg *d, struct hart *h, uint64_t addr, uint8_t *buf, size_t len, int write,
	       int phys);

int dbg_bp_find(const struct dbg *d, uint64_t addr);
/* 0, or -1 if the tables are full. Deleting what was never set is fine. */
int dbg_bp_add(struct dbg *d, uint64_t addr, int hw);
int dbg_bp_del(struct dbg *d, uint64_t addr, int hw);
/* A watchpoint over [va, va+len) (1..4096 bytes) as hart h translates it: 0, -1 if
 * the table is full or the length is bad, -2 if va is not mapped. */
int dbg_wp_add(struct dbg *d, struct hart *h, int type, uint64_t va, uint64_t len);
int dbg_wp_del(struct dbg *d, int type, uint64_t va, uint64_t len);

/* Go to icount exactly (muted); breakpoint skips are cleared. RR_OK or an error. */
int dbg_seek(struct dbg *d, uint64_t icount);
/* The same for a saved state (rr_session_restore). */
int dbg_restore(struct dbg *d, const rr_state *st);
/* "write", "read" or "access" for a DBG_WP_* type. */
const char *dbg_wp_name(int type);
/* The first icount one can go back to. */
uint64_t dbg_first_icount(struct dbg *d);
int dbg_at_end(const struct dbg *d);

/* Execution. Each fills *st and returns st->ev. */
int dbg_continue(struct dbg *d, uint64_t limit, struct dbg_stop *st);
int dbg_step(struct dbg *d, int hart, struct dbg_stop *st);
int dbg_reverse_step(struct dbg *d, int hart, struct dbg_stop *st);
int dbg_reverse_continue(struct dbg *d, struct dbg_stop *st);

/* monitor.c: run one command line against d with *hart the selected hart (the
 * monitor's own, or gdb's thread); the reply, whole lines, goes to out. Returns 1
 * for quit, else 0. */
typedef void dbg_out_fn(void *opaque, const char *text);
int dbg_monitor(struct dbg *d, int *hart, const char *line, dbg_out_fn *out, void *opaque);

#endif
