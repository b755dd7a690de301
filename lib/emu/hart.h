/* hart: one RV64GC hardware thread (M/S/U, Sv39/Sv48), an interpreter.
 *
 * Contract with the rest of the machine (machine.c, devices, record/replay):
 *  - All architectural state lives in `struct hart_state`: plain data, no pointers,
 *    so it can be snapshotted with memcpy, hashed and compared field by field.
 *    Everything outside it (TLB, decode cache, environment pointers) is a cache or
 *    configuration and is rebuilt by hart_flush_caches().
 *  - hart_run(h, n) executes at most n instructions and is split-invariant:
 *    hart_run(h, a); hart_run(h, b) leaves exactly the same hart_state as
 *    hart_run(h, a + b) when neither stops early. Record and replay split runs at
 *    different points, so nothing guest-visible may depend on where a run ends.
 *  - Every executed instruction counts one in s.instret, including one that traps
 *    (so a trap loop still consumes the budget); entering an interrupt does not.
 *  - mip bits driven by devices (MTIP, MSIP, MEIP, SEIP) are changed only through
 *    hart_set_mip(), by devices between runs or from an MMIO callback during a run.
 *    An MMIO callback that changes the timer or interrupt state sets h->stop = 1 so
 *    the run ends after the current instruction and the machine re-plans.
 *  - Time (the time CSR, mcycle is instret) comes from h->get_mtime(h->opaque): never
 *    from the host clock.
 */
#ifndef EMU_HART_H
#define EMU_HART_H
#include <stdint.h>
#include "emu/physmem.h"

enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* mip/mie bits */
#define MIP_SSIP (1u << 1)
#define MIP_MSIP (1u << 3)
#define MIP_STIP (1u << 5)
#define MIP_MTIP (1u << 7)
#define MIP_SEIP (1u << 9)
#define MIP_MEIP (1u << 11)

/* Architectural state: plain data only (see above). Field set is the hart's own. */
struct hart_state {
	uint64_t pc;
	uint64_t x[32];
	uint64_t f[32];         /* NaN-boxed single values */
	uint64_t instret;       /* instructions executed by this hart (incl. trapping ones) */
	uint32_t priv;          /* PRV_U / PRV_S / PRV_M */
	uint32_t wfi;           /* stopped in WFI until (mip & mie) != 0 */
	uint64_t mip, mie;
	/* every other CSR and the LR/SC reservation follow (hart.c's author's choice) */
};

/* The hart: state plus environment and caches. Fields others rely on: */
struct hart {
	struct hart_state s;
	int hartid;
	struct physmem *pm;
	uint64_t (*get_mtime)(void *opaque); /* CLINT mtime now (10 MHz ticks) */
	void *opaque;                       /* the machine, for get_mtime */
	volatile int stop;                  /* request: end hart_run after this instruction */
	int ebreak_exits;                   /* ebreak returns HART_EXIT_BREAK (debugger attached) */
	char fatal_msg[160];                /* why HART_EXIT_FATAL: "pc=0x... cause=..." */
	/* breakpoints, TLB, decode cache: hart.c's author's choice */
};

enum hart_exit {
	HART_EXIT_BUDGET = 0,   /* executed the whole budget */
	HART_EXIT_WFI,          /* executed WFI with nothing pending: s.wfi = 1, pc past it */
	HART_EXIT_STOP,         /* h->stop was set (by an MMIO callback or the machine) */
	HART_EXIT_BREAK,        /* pc hit a breakpoint (before executing it), or ebreak with h->ebreak_exits */
	HART_EXIT_FATAL,        /* unrecoverable guest state: h->fatal_msg says why (pc, cause) */
};

/* Initialise a hart (zeroes everything), attach it to a memory map. */
void hart_init(struct hart *h, int hartid, struct physmem *pm);
/* Reset architectural state: M-mode, pc = reset_pc, misa/mstatus at reset values. */
void hart_reset(struct hart *h, uint64_t reset_pc);
/* Run at most `budget` instructions (see the contract above). Returns enum hart_exit. */
int hart_run(struct hart *h, uint64_t budget);
/* Set or clear device-driven mip bits (MIP_MTIP, MIP_MSIP, MIP_MEIP, MIP_SEIP). */
void hart_set_mip(struct hart *h, uint64_t bits, int level);
/* True if the hart has an interrupt that would wake it from WFI ((mip & mie) != 0). */
int hart_wakeup_pending(const struct hart *h);
/* Drop every cache (TLB, decode cache): after the state was restored or RAM changed
 * behind the hart's back in a way a cache could miss. */
void hart_flush_caches(struct hart *h);

#endif
