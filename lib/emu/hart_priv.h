/* hart_priv: internals shared by hart.c, hart_decode.c, hart_csr.c, hart_mmu.c and
 * hart_fp.c. Not for use outside the hart. */
#ifndef EMU_HART_PRIV_H
#define EMU_HART_PRIV_H
#include <stdint.h>
#include "emu/hart.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* exception causes */
enum {
	EXC_INSN_MISALIGNED = 0, EXC_INSN_ACCESS = 1, EXC_ILLEGAL = 2, EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4, EXC_LOAD_ACCESS = 5, EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7, EXC_ECALL_U = 8, EXC_ECALL_S = 9, EXC_ECALL_M = 11,
	EXC_INSN_PAGE = 12, EXC_LOAD_PAGE = 13, EXC_STORE_PAGE = 15,
};

/* mstatus fields */
#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_VS    (3ull << 9)
#define MSTATUS_MPP   (3ull << 11)
#define MSTATUS_FS    (3ull << 13)
#define MSTATUS_XS    (3ull << 15)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL   (3ull << 32)
#define MSTATUS_SXL   (3ull << 34)
#define MSTATUS_SD    (1ull << 63)
#define MSTATUS_MPP_SHIFT 11

#define MISA_VALUE 0x800000000014112dull /* RV64 ACDFIMSU */

/* access kinds for translation */
enum { ACC_R = 0, ACC_W = 1, ACC_X = 2, ACC_AMO = 3 };

/* Decoded operations. Compressed instructions decode to their base equivalents. */
enum hart_op {
	OP_ILLEGAL = 0,
	OP_LUI, OP_AUIPC, OP_JAL, OP_JALR,
	OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU,
	OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU,
	OP_SB, OP_SH, OP_SW, OP_SD,
	OP_ADDI, OP_SLTI, OP_SLTIU, OP_XORI, OP_ORI, OP_ANDI, OP_SLLI, OP_SRLI, OP_SRAI,
	OP_ADD, OP_SUB, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_SRA, OP_OR, OP_AND,
	OP_ADDIW, OP_SLLIW, OP_SRLIW, OP_SRAIW,
	OP_ADDW, OP_SUBW, OP_SLLW, OP_SRLW, OP_SRAW,
	OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU,
	OP_MULW, OP_DIVW, OP_DIVUW, OP_REMW, OP_REMUW,
	OP_FENCE, OP_FENCE_I, OP_ECALL, OP_EBREAK, OP_MRET, OP_SRET, OP_WFI, OP_SFENCE_VMA,
	OP_CSRRW, OP_CSRRS, OP_CSRRC, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI,
	/* A: imm = 4 or 8 (size); the operation follows */
	OP_LR, OP_SC, OP_AMOSWAP, OP_AMOADD, OP_AMOXOR, OP_AMOAND, OP_AMOOR,
	OP_AMOMIN, OP_AMOMAX, OP_AMOMINU, OP_AMOMAXU,
	/* F/D loads and stores */
	OP_FLW, OP_FLD, OP_FSW, OP_FSD,
	/* everything from OP_FP_FIRST on goes through hart_exec_fp() */
	OP_FP_FIRST,
	OP_FMADD_S = OP_FP_FIRST, OP_FMSUB_S, OP_FNMSUB_S, OP_FNMADD_S,
	OP_FADD_S, OP_FSUB_S, OP_FMUL_S, OP_FDIV_S, OP_FSQRT_S,
	OP_FSGNJ_S, OP_FSGNJN_S, OP_FSGNJX_S, OP_FMIN_S, OP_FMAX_S,
	OP_FCVT_W_S, OP_FCVT_WU_S, OP_FCVT_L_S, OP_FCVT_LU_S,
	OP_FMV_X_W, OP_FEQ_S, OP_FLT_S, OP_FLE_S, OP_FCLASS_S,
	OP_FCVT_S_W, OP_FCVT_S_WU, OP_FCVT_S_L, OP_FCVT_S_LU, OP_FMV_W_X,
	OP_FMADD_D, OP_FMSUB_D, OP_FNMSUB_D, OP_FNMADD_D,
	OP_FADD_D, OP_FSUB_D, OP_FMUL_D, OP_FDIV_D, OP_FSQRT_D,
	OP_FSGNJ_D, OP_FSGNJN_D, OP_FSGNJX_D, OP_FMIN_D, OP_FMAX_D,
	OP_FCVT_W_D, OP_FCVT_WU_D, OP_FCVT_L_D, OP_FCVT_LU_D,
	OP_FMV_X_D, OP_FEQ_D, OP_FLT_D, OP_FLE_D, OP_FCLASS_D,
	OP_FCVT_D_W, OP_FCVT_D_WU, OP_FCVT_D_L, OP_FCVT_D_LU, OP_FMV_D_X,
	OP_FCVT_S_D, OP_FCVT_D_S,
	OP_NOPS
};

/* A decoded instruction. hart_decode() fills the architectural part; a block adds
 * its handler and its place in the block. */
typedef struct hart_dinsn {
	const void *handler;    /* the interpreter's label for op (set when the block is built) */
	int32_t imm;            /* in a block: a branch's or jal's relative to the block's pc */
	uint32_t raw;           /* the instruction bits (16-bit ones: the parcel alone);
				   F/D: rs3 = raw >> 27, rm = raw >> 12 & 7 */
	uint16_t op;
	uint8_t rd, rs1, rs2, len;
	uint8_t pcoff;          /* byte offset of this instruction from the block's pc */
	uint8_t idx;            /* its index in the block (instructions before it) */
} hart_dinsn;
_Static_assert(sizeof(hart_dinsn) == 24, "decoded instructions are 24 bytes");

/* ---- the caches (hart.c, hart_mmu.c): never architectural state ---- */

struct hart_tlb_entry {
	uint64_t tag;           /* virtual page address, or HART_TLB_EMPTY */
	uintptr_t addend;       /* host address = addend + vaddr */
};

#define HART_TLB_SIZE   1024            /* per set and access kind, direct-mapped */
/* Matches no access: the fast paths compare the tag with the address masked to
 * its page and its alignment bits, which are never all ones. */
#define HART_TLB_EMPTY  (~0ull)
/* A write entry parked by hart_forget_writes: tag | HART_TLB_PARKED, which the fast
 * paths' compare never matches (bit 11 of the compared address is cleared), until
 * the next store to the page takes it back (hart_mmu.c: unpark_write). */
#define HART_TLB_PARKED 0x800ull
#define HART_MAX_SUPER  16
#define HART_TLB_SPACES 4               /* address spaces (satp values) cached */

/* The translations of one satp value, [U, S, S with SUM][read, write, fetch]
 * (toggling SUM switches sets). A satp write switches to the space holding its
 * value, or takes the least recently used one and empties it: only sfence.vma,
 * a PMP change and hart_flush_caches() drop translations of other spaces (the
 * spec lets a hart keep them until sfence.vma; Linux switches address spaces
 * with ASIDs and no sfence.vma). */
struct hart_tlb_space {
	uint64_t satp;          /* the satp value whose translations these are */
	uint64_t last_use;
	int valid;              /* holds satp's translations (else reachable only
				   after hart_tlb_space_claim()) */
	int dirty;              /* may hold entries: cleared when claimed */
	struct hart_tlb_entry tlb[3][3][HART_TLB_SIZE];
};
#define HART_NBLOCKS    16384           /* blocks, reused in turn */
#define HART_INDEX      65536           /* block index slots, hashed by pc */
#define HART_BLOCK_MAX  16              /* instructions in a block (at most 64 bytes) */
#define HART_CODE_PAGES ((16ull << 30) >> 12) /* the largest RAM (machine.c) in pages */

/* A basic block: the straight-line instructions from pc up to the first one that
 * changes control flow or leaves the interpreter (or HART_BLOCK_MAX, the end of the
 * page, a breakpoint), decoded once. It is a pure function of its bytes and its
 * virtual pc, so it stays correct wherever those bytes are found at pc again:
 * `w`/`m` keep them (words of an 8-byte-aligned window starting wofs bytes before
 * pc, masked to the block) to compare with memory. `stamp` == the cache's epoch
 * says it was checked in the current epoch and nothing could have changed it
 * since (see hart.c). insn[n] is a sentinel that ends the block. */
struct hart_block {
	uint64_t pc;            /* 1: empty */
	uint64_t stamp;
	uint8_t n, nbytes, nw;
	int8_t wofs;
	uint32_t slot;          /* the index slot pointing at it */
	const void *jit;        /* its compiled code (hart_jit.c), NULL: none */
	hart_dinsn insn[HART_BLOCK_MAX + 1];    /* right after the header */
	/* The block each exit (instruction index, HART_BLOCK_MAX: the end) went to
	 * last: a hint, checked like the index before use (&dummy: none). */
	struct hart_block *link[HART_BLOCK_MAX + 1];
	uint64_t w[8], m[8];                    /* only read to check the block */
	/* --cpu jit: insn[0]'s own handler while insn[0].handler counts entries
	 * (hot) or enters the compiled code; hot = 255: not compilable */
	const void *h0;
	uint32_t hot;
	/* the registers in the forwarding slots before each instruction (hart.c's
	 * struct fwd, 0: none), for resuming the interpreter inside the block */
	uint8_t fwdreg[HART_BLOCK_MAX + 1][2];
};

/* The compiled code's bridge with hart_run (hart_jit.c): hart_jit_enter() runs the
 * code of block b from its start with base the count at its start; the code
 * chains into other compiled blocks while they are stamped and end by lim, and
 * returns the index k of the instruction of (io->b, io->base) the interpreter
 * goes on with (k = b->n: the block's end). x[] is up to date at the return. */
struct hart_jit_io {
	uint64_t *x16;                          /* &h->s.x[16] */
	struct hart_cache *c;
	struct hart_block *b;
	uint64_t base, lim;
	const struct hart_tlb_entry *tlb_r;
};

/* The code buffer of one hart: a memfd mapped read-execute only (rx); code is
 * assembled in `stage` and written into the file with pwrite (no mapping of it is
 * ever writable). */
struct hart_jit_buf {
	uint8_t *rx, *stage;
	int fd;
	size_t size, used;
	int failed;                             /* no buffer could be made: interpret */
	uint64_t flushes, compiled;
};

struct hart_cache {
	/* Bumped (by 16) by everything that could change code bytes behind the
	 * blocks or the translation of a pc: slow memory paths (MMIO, DMA, page-table
	 * A/D updates), TLB flushes (and reusing a TLB space for a new satp), fence.i,
	 * a run start after anything else wrote RAM (pm->wgen moved, or another hart
	 * ran). cur = epoch | the TLB space << 2 | the fetch TLB set (the privilege),
	 * the stamp of blocks checked now. */
	uint64_t epoch, cur;
	uint64_t wgen;          /* pm->wgen when this hart's last run ended */
	uint32_t next_block;    /* the block to reuse next */
	struct hart_tlb_entry *tlb_r, *tlb_w, *tlb_x; /* current sets (effective privilege) */
	int nsuper;             /* superpage ranges with cached slices, -1 = too many */
	uint64_t super_base[HART_MAX_SUPER], super_mask[HART_MAX_SUPER];
	/* M's sets [read, write, fetch] (no translation: the same in every space) */
	struct hart_tlb_entry tlb_m[3][HART_TLB_SIZE];
	/* the current address space and the clock that picks the one to reuse */
	int space;
	uint64_t space_clock;
	struct hart_tlb_space space_tlb[HART_TLB_SPACES];
	/* Pages of pm->ram holding stamped blocks: no write TLB entry of this hart
	 * maps such a page, so every store to it takes the slow path (and ends the
	 * epoch). A write TLB fill clears the page's bit. */
	uint64_t code[HART_CODE_PAGES / 64];
	/* The PMP entries that match some address, in priority order, decoded by
	 * hart_pmp_update (hart_pmp.c) */
	int npmp;
	struct hart_pmp_range { uint64_t lo, hi; uint8_t cfg; } pmp[HART_NPMP];
	struct hart_jit_buf jit;                /* --cpu jit (hart_jit.c) */
	struct hart_block *index[HART_INDEX];   /* &dummy when empty */
	struct hart_block dummy;                /* pc 1: matches nothing */
	/* not initialised (only reached through index): */
	struct hart_block scratch;              /* a partial or single-instruction block */
	struct hart_block blocks[HART_NBLOCKS];
};
_Static_assert(sizeof(struct hart_cache) <= HART_CACHE_BYTES, "HART_CACHE_BYTES too small");

static inline struct hart_cache *hart_cache(struct hart *h)
{
	return (struct hart_cache *)(void *)h->cache;
}

/* A new epoch: no block is trusted without a check any more. */
static inline void hart_new_epoch(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	c->epoch += 16;
	c->cur += 16;
}

/* The TLB set for set (U, S, S+SUM, M) and access kind in the current space. */
static inline struct hart_tlb_entry *hart_tlb_sel(struct hart_cache *c, int set, int kind)
{
	return set == 3 ? c->tlb_m[kind] : c->space_tlb[c->space].tlb[set][kind];
}

/* Page index of host pointer p in pm->ram, or -1 if p is not in it. */
static inline int64_t hart_ram_page(const struct hart *h, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)h->pm->ram;
	return h->pm->ram && off < h->pm->ram_size ? (int64_t)(off >> 12) : -1;
}

/* hart_decode.c: decode raw instruction bits into *d, including d->raw. If bits 1:0
 * are not 11 it is a 16-bit instruction and bits 31:16 are ignored (but kept in
 * d->raw). Unknown or reserved encodings give OP_ILLEGAL. */
void hart_decode(hart_dinsn *d, uint32_t raw);

/* hart_csr.c */
/* Execute a CSR instruction: returns 0, or -1 for an illegal instruction. */
int hart_csr_op(struct hart *h, const hart_dinsn *d);
/* Take exception `cause` with `tval` at s.pc (the faulting instruction). Returns
 * 0, or -1 if this is a trap loop the guest cannot leave (h->fatal_msg set). */
int hart_exception(struct hart *h, int cause, uint64_t tval);
/* Take the highest-priority pending enabled interrupt if there is one: returns 1
 * if one was taken. Clears h->irq_check. */
int hart_check_interrupts(struct hart *h);
/* mret / sret: return 0, or -1 for an illegal instruction. */
int hart_mret(struct hart *h);
int hart_sret(struct hart *h);
/* Recompute the TLB set pointers after a privilege or mstatus change. */
void hart_update_mode(struct hart *h);
/* The TLB set for accesses at effective privilege priv (U, S, S+SUM, M). */
static inline int hart_tlb_set(const struct hart *h, int priv)
{
	if (priv == PRV_S)
		return (h->s.mstatus & (1ull << 18)) ? 2 : 1;
	return priv == PRV_M ? 3 : 0;
}
/* The fetch TLB set for privilege priv: SUM does not change what S may execute,
 * so S uses one set with or without it. */
static inline int hart_tlb_xset(int priv)
{
	return priv == PRV_M ? 3 : priv;
}
/* hart_pmp.c */
/* Recompute derived PMP flags (after a PMP CSR write or a state restore). */
void hart_pmp_update(struct hart *h);
/* Write pmpcfg<reg> (an even register: 8 entries) / pmpaddr<i> (i < HART_NPMP),
 * honouring locks. */
void hart_pmpcfg_write(struct hart *h, int reg, uint64_t val);
void hart_pmpaddr_write(struct hart *h, int i, uint64_t val);
/* PMP check of [pa, pa+len) for access kind acc at privilege priv: 1 allowed. */
int hart_pmp_ok(struct hart *h, uint64_t pa, uint64_t len, int acc, int priv);

/* hart_mmu.c: slow paths. Each returns 0, or 1 after storing an exception in
 * h->exc_cause / h->exc_tval (nothing is taken yet). */
int hart_load_slow(struct hart *h, uint64_t va, int size, uint64_t *val);
int hart_store_slow(struct hart *h, uint64_t va, int size, uint64_t val);
/* Fetch the instruction at pc; on success *raw holds it and, if pc's page is RAM,
 * *page_va / *page_host describe it for the fast path (else *page_va = 1). *raw is
 * the 32 bits at pc when the page is cached and pc is not its last parcel (as the
 * fast path reads them), else the instruction alone (a 16-bit one zero-extended). */
int hart_fetch_slow(struct hart *h, uint64_t pc, uint32_t *raw, uint64_t *page_va,
		    uint8_t **page_host);
/* LR/SC/AMO: *rd_val receives what goes to rd. */
int hart_amo(struct hart *h, const hart_dinsn *d, uint64_t *rd_val);
void hart_tlb_flush(struct hart *h);
/* After a satp write (h->s.satp is the new value): switch to its TLB space. */
void hart_tlb_switch(struct hart *h);
/* Drop this hart's write TLB entries that map the host page at `page`. */
void hart_tlb_drop_writes(struct hart *h, const uint8_t *page);
/* sfence.vma: flush va's page (va_valid) or everything. */
void hart_sfence_vma(struct hart *h, int va_valid, uint64_t va);


/* hart_jit.c (--cpu jit, x86-64 only) */
/* Does the JIT emit op inline (else the block's code returns to the interpreter
 * before it)? */
int hart_jit_inline(const hart_dinsn *d);
/* Compile block b (stamped, its fwdreg filled): its code, or NULL if the buffer
 * cannot be had or b's first instruction is not inline. A full buffer is flushed
 * whole first: every block's code is dropped and insn[0].handler set back to
 * hot_label (counting again). */
const void *hart_jit_compile(struct hart *h, struct hart_block *b, const void *hot_label);
/* Run compiled code (see struct hart_jit_io). */
int hart_jit_enter(struct hart *h, const void *code, struct hart_jit_io *io);
/* Unmap the buffer. */
void hart_jit_free(struct hart *h);

/* hart_fp.c: execute an F/D operation >= OP_FP_FIRST (FS already known on).
 * Returns 0, or -1 for an illegal instruction (invalid rounding mode). */
int hart_exec_fp(struct hart *h, const hart_dinsn *d);

#endif
