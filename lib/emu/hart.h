/* hart: one RV64GC hardware thread (M/S/U, Sv39/Sv48), an interpreter of decoded
 * blocks (hart.c), and optionally (h->cpu = HART_CPU_JIT) a template JIT to x86-64
 * for the hot ones (hart_jit.c).
 *
 * The two cores. The interpreter is the reference (a zeroed hart runs it); the
 * JIT, which a machine runs by default where it exists (HART_CPU_DEFAULT), is an
 * accelerator inside it, not a second emulator. It compiles a block (the
 * interpreter's decoded block, the same boundaries) at its h->jit_hot-th entry,
 * and emits inline only: LUI, AUIPC, the integer register-register and
 * register-immediate ALU ops except DIV/DIVU/REM/REMU(W) and MULHSU, loads and
 * stores whose page hits the TLB fast path (the interpreter's one-compare check,
 * same tags), the conditional branches, JAL, JALR, FENCE, and instructions
 * writing x0 as no-ops (not loads). Everything else (CSRs, system, AMO, F/D, the
 * divisions, a TLB miss, a misaligned access) makes the compiled code return the
 * instruction's index, and the interpreter runs it with its own handler and goes
 * on from there: no slow path, trap or callout has a second implementation, and
 * the compiled code never calls out. It keeps x[] up to date after every
 * instruction, so a return needs no spill. Counting, chaining and invalidation are
 * the interpreter's: a block is entered only if it ends within the budget
 * (instruction k of a block runs at its start count + k, no refund), it chains
 * into another compiled block only through the checks of the interpreter's block
 * exit (link or index, pc, stamp == the epoch, the budget), and its code, a pure
 * function of the block, goes when the block is rebuilt; so both cores stop at
 * the same instruction with the same state for any budget (state hashes agree,
 * and a recording made with one replays with the other). The inline ops' x86
 * templates are tied to the interpreter's semantics by tests: check_hart
 * jit_ops (random blocks of every inline op on boundary operands, interpreter
 * against JIT), check_hart's whole suite with RRKIT_CPU=jit, and
 * tests/tools/rr-core-diff (every guest program in lockstep, tests/jit.sh; Linux
 * and a userland workload on 1 and 2 harts, tests/slow/jit-linux.sh). Code
 * lives in a 4 MiB buffer per hart, a memfd mapped read-execute only and written
 * with pwrite (no mapping of it is ever writable), flushed whole when full; no
 * buffer (memfd refused, not x86-64): the interpreter runs.
 *
 * Contract with the rest of the machine (machine.c, devices, record/replay):
 *  - All architectural state lives in `struct hart_state`: plain data, no pointers,
 *    so it can be snapshotted with memcpy, hashed and compared field by field.
 *    Everything outside it (TLB, decoded blocks, environment pointers) is a cache
 *    or configuration, rebuilt by hart_flush_caches() or checked on use. The struct
 *    has no padding holes, so hashing its bytes is deterministic.
 *  - hart_run(h, n) executes at most n instructions and is split-invariant:
 *    hart_run(h, a); hart_run(h, b) leaves exactly the same hart_state as
 *    hart_run(h, a + b) when neither stops early. Record and replay split runs at
 *    different points, so nothing guest-visible may depend on where a run ends.
 *    A pending enabled interrupt is taken just before the next instruction runs
 *    (never at the end of a run), so a split point never changes where it lands.
 *  - Every executed instruction counts one in s.instret, including one that traps
 *    (so a trap loop still consumes the budget); entering an interrupt does not.
 *  - RAM written by anything but the harts' own loads and stores goes through
 *    physmem (physmem_write, physmem_dma_*), or is followed by physmem_ram_changed()
 *    or hart_flush_caches(): the hart trusts the code it decoded across runs while
 *    physmem's write generation stands still and no other hart ran.
 *  - During an MMIO callback, h->s.pc is the pc of the instruction doing the access
 *    and h->s.instret counts the instructions before it.
 *  - mip bits driven by devices (MTIP, MSIP, MEIP, SEIP) are changed only through
 *    hart_set_mip(), by devices between runs or from an MMIO callback during a run.
 *    An MMIO callback that changes the timer or interrupt state sets h->stop = 1 so
 *    the run ends after the current instruction and the machine re-plans.
 *  - Time (the time CSR, mcycle is instret) comes from h->get_mtime(h->opaque): never
 *    from the host clock. Without get_mtime, reading `time` is an illegal instruction.
 *
 * Choices (QEMU 7.2 virt is the oracle where the spec leaves one): misa = RV64
 * ACDFIMSU; misaligned loads/stores are done in hardware (no trap; a page-crossing
 * one checks PMP like QEMU: the whole size on the first page); an SC succeeds iff
 * a reservation is held at that address and memory still holds the value LR read
 * (QEMU's rule), and a failing SC makes no memory access; traps, xRET and
 * hart_clear_reservation() drop the reservation; mtval = instruction bits on
 * illegal instruction, 0 on ecall/ebreak; FS becomes Dirty when an F register or
 * fflags/frm/fcsr is written (not on compares/conversions to integers, as QEMU);
 * an invalid frm does not trap the exact fcvt.d.s/fcvt.d.w/fcvt.d.wu (as QEMU);
 * satp accepts Bare, Sv39, Sv48 (other modes: the write is ignored); 16 PMP
 * entries, grain 4 bytes, pmpaddr16..63 and pmpcfg4..14 read as zero; if no PMP
 * entry is active every access is allowed (as QEMU); mip.SEIP is software-writable
 * and ORed with the external line; the trigger CSRs tselect/tdata1-3 read as zero.
 * Deliberate differences from QEMU 7.2 (the spec is explicit): a misaligned AMO/SC
 * raises cause 6 and an AMO access fault cause 7 (QEMU: 4 and 5); mepc/sepc bit 0
 * reads 0; mcounteren/scounteren are 32 bits; no H extension (QEMU 7.2 sets misa.H);
 * mvendorid/marchid/mimpid read 0 (QEMU: its version in marchid/mimpid); a write
 * of MPP = 2 keeps the old MPP; a minstret/mcycle write replaces that instruction's
 * increment (QEMU counts the writing instruction too); a satp write does not
 * flush the TLB: the translations of the last 4 satp values are kept until
 * sfence.vma (QEMU flushes at every satp write; the spec allows keeping them, and
 * a guest that edits page tables then switches satp without sfence.vma may see
 * the old translations, as it may see them without a satp switch). The TLB is a
 * cache, not state: a snapshot loads with it empty, so such a guest (or one that
 * clears A/D bits without sfence.vma, which the next walk sets again) can run
 * differently after a seek than in its recording; the next state hash says so.
 * Stop requests: h->stop is looked at after every instruction that called out of
 * the interpreter (MMIO, CSR, trap), at run start, and at interrupt/budget checks.
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

#define HART_NPMP 16

/* Architectural state: plain data only (see above). */
struct hart_state {
	uint64_t pc;
	uint64_t x[32];
	uint64_t f[32];         /* NaN-boxed single values */
	uint64_t instret;       /* instructions executed by this hart (incl. trapping ones) */
	uint32_t priv;          /* PRV_U / PRV_S / PRV_M */
	uint32_t wfi;           /* stopped in WFI until (mip & mie) != 0 */
	uint64_t mip, mie;      /* mip.SEIP = seip_sw | seip_ext */
	uint64_t mstatus;       /* without SD (computed on read); UXL = SXL = 2 */
	uint64_t medeleg, mideleg;
	uint64_t mtvec, mscratch, mepc, mcause, mtval;
	uint64_t stvec, sscratch, sepc, scause, stval, satp;
	uint64_t menvcfg, senvcfg;
	uint64_t mcycle_off, minstret_off;   /* counter = instret + off while counting */
	uint64_t mcycle_frozen, minstret_frozen; /* value while mcountinhibit stops it */
	uint64_t pmpaddr[HART_NPMP];
	uint64_t res_addr, res_val;          /* LR/SC reservation (valid if res_valid) */
	uint64_t last_exc_instret;           /* instret of the last exception (trap-loop check) */
	uint32_t mcounteren, scounteren, mcountinhibit;
	uint32_t fcsr;                       /* frm << 5 | fflags */
	uint32_t res_valid, res_size;
	uint32_t seip_sw, seip_ext;          /* software-written and external SEIP */
	uint32_t exc_streak;                 /* consecutive exceptions without a completed insn */
	uint32_t pad0;
	uint8_t pmpcfg[HART_NPMP];
};

#define HART_MAX_BREAKPOINTS 32
#define HART_MAX_WATCH 16
enum { HART_WATCH_READ = 1, HART_WATCH_WRITE = 2 };
/* A data watchpoint: loads (READ) and/or stores (WRITE) by this hart that touch
 * physical [pa, pa+len). Page-table walks, fetches and device DMA do not count. */
struct hart_watch {
	uint64_t pa, len;
	int kind;
};
/* Room for the hart's caches (software TLB, decoded blocks, code-page map): their
 * layout is private to the hart (struct hart_cache in hart_priv.h). */
#define HART_CACHE_BYTES (14016u * 1024u)

/* The hart: state plus environment and caches. Fields others rely on: */
struct hart {
	struct hart_state s;
	int hartid;
	struct physmem *pm;
	uint64_t (*get_mtime)(void *opaque); /* CLINT mtime now (10 MHz ticks) */
	void *opaque;                       /* the machine, for get_mtime */
	volatile int stop;                  /* request: end hart_run after this instruction */
	int ebreak_exits;                   /* ebreak returns HART_EXIT_BREAK (debugger attached) */
	int skip_break_once;                /* the next hart_run ignores a breakpoint or an
					       exiting ebreak at its first pc (debugger resume) */
	int cpu;                            /* HART_CPU_JIT, or anything else: the
					       interpreter (machine_new resolves
					       HART_CPU_DEFAULT); any time between runs */
	int jit_hot;                        /* JIT: compile a block at its n-th entry (0: 16) */
	char fatal_msg[160];                /* why HART_EXIT_FATAL: "pc=0x... cause=..." */
	/* A watched access (hart_add_watch): the run ends after the instruction that
	 * made it, as a stop request (HART_EXIT_STOP). The caller clears watch_hit. */
	int watch_hit;                      /* HART_WATCH_* bits of the access, 0: none */
	uint64_t watch_pa;                  /* the watch hit (its pa) */
	uint64_t watch_access;              /* the physical address accessed */

	/* Everything below is the hart's own: derived flags and caches, rebuilt by
	 * hart_flush_caches(). */
	int nbreak;
	uint64_t breakpoints[HART_MAX_BREAKPOINTS];
	int nwatch;
	struct hart_watch watch[HART_MAX_WATCH];
	int irq_check;                      /* re-evaluate pending interrupts before the next insn */
	int pmp_active, pmp_locked;         /* some PMP entry has A != OFF / has L */
	int exc_cause;                      /* exception raised by a slow path */
	uint64_t exc_tval;
	_Alignas(64) unsigned char cache[HART_CACHE_BYTES];
};

/* The cores. HART_CPU_DEFAULT (0, what a zeroed machine_config or
 * rr_session_options holds) is hart_cpu_default(); the interpreter is the
 * reference and must be asked for by name. */
enum { HART_CPU_DEFAULT = 0, HART_CPU_INTERP = 1, HART_CPU_JIT = 2 };
/* Is the JIT available in this build (x86-64)? Elsewhere HART_CPU_JIT interprets. */
int hart_jit_available(void);
/* The core HART_CPU_DEFAULT stands for: the JIT where this build has one, else the
 * interpreter. */
int hart_cpu_default(void);
/* The core a configuration value runs: cpu itself, or hart_cpu_default() for
 * HART_CPU_DEFAULT; "interp" or "jit" by hart_cpu_name. */
int hart_cpu_resolve(int cpu);
const char *hart_cpu_name(int cpu);

enum hart_exit {
	HART_EXIT_BUDGET = 0,   /* executed the whole budget */
	HART_EXIT_WFI,          /* executed WFI with nothing pending: s.wfi = 1, pc past it */
	HART_EXIT_STOP,         /* h->stop was set (by an MMIO callback or the machine) */
	HART_EXIT_BREAK,        /* pc hit a breakpoint (before executing it), or ebreak with h->ebreak_exits */
	HART_EXIT_FATAL,        /* unrecoverable guest state: h->fatal_msg says why (pc, cause) */
};

/* Initialise a hart (zeroes everything), attach it to a memory map. */
void hart_init(struct hart *h, int hartid, struct physmem *pm);
/* Release what hart_init() and the runs allocated (the JIT's code buffer). */
void hart_fini(struct hart *h);
/* Reset architectural state: M-mode, pc = reset_pc, misa/mstatus at reset values. */
void hart_reset(struct hart *h, uint64_t reset_pc);
/* Run at most `budget` instructions (see the contract above). Returns enum hart_exit.
 * A hart in WFI with no interrupt pending returns HART_EXIT_WFI at once; with one
 * pending it leaves WFI and runs. h->stop is honoured after each instruction (the
 * caller clears it). */
int hart_run(struct hart *h, uint64_t budget);
/* Set or clear device-driven mip bits (MIP_MTIP, MIP_MSIP, MIP_MEIP, MIP_SEIP). */
void hart_set_mip(struct hart *h, uint64_t bits, int level);
/* True if the hart has an interrupt that would wake it from WFI ((mip & mie) != 0). */
int hart_wakeup_pending(const struct hart *h);
/* Drop the TLB and re-check every decoded block before its next use: after the
 * state was restored or RAM changed behind the hart's back. (Blocks are never
 * flushed: they are checked against memory at a run start whenever RAM may have
 * changed since the hart's last run: another hart ran, or physmem's write
 * generation moved (physmem_write, writable DMA pointers, physmem_ram_changed()).
 * RAM written with a plain memcpy needs physmem_ram_changed() or this call.) */
void hart_flush_caches(struct hart *h);
/* Park every write mapping of the TLB (nothing else): physmem's dirty bits are
 * set when a store's page gets a write mapping or takes a parked one back, so
 * after the machine clears them each page's next store from this hart sets its
 * bit again. Not guest-visible (a parked mapping comes back without a page-table
 * walk, so no A/D update happens that a run without it would not make), and
 * cheaper than hart_flush_caches(): reads, fetches and decoded blocks stay. */
void hart_forget_writes(struct hart *h);
/* Drop the LR/SC reservation (the machine calls it when it switches harts). */
void hart_clear_reservation(struct hart *h);
/* Breakpoints (checked before executing the instruction at pc). add returns 0, or -1
 * if the table is full; del returns 0, or -1 if there was no such breakpoint. */
int hart_add_breakpoint(struct hart *h, uint64_t pc);
int hart_del_breakpoint(struct hart *h, uint64_t pc);
/* Watch [pa, pa+len) for accesses of the kinds in `kind` (HART_WATCH_*): 0, or -1
 * if the table is full or the range is empty. del removes the entry with exactly
 * these arguments: 0, or -1 if there was none. Both drop the TLB. */
int hart_add_watch(struct hart *h, uint64_t pa, uint64_t len, int kind);
int hart_del_watch(struct hart *h, uint64_t pa, uint64_t len, int kind);
/* Read/write a CSR as the debugger would (no privilege checks, no side effects on
 * counters beyond the write itself). Return 0, or -1 if the CSR does not exist. */
int hart_csr_read(struct hart *h, int csr, uint64_t *val);
int hart_csr_write(struct hart *h, int csr, uint64_t val);

#endif
