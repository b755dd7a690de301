/* hart: the RV64GC interpreter loop and the public entry points (see hart.h).
 *
 * The interpreter runs blocks (struct hart_block, hart_priv.h): straight-line code
 * decoded once into an array of instructions, each carrying the address of its
 * handler (threaded code: a handler ends by jumping to the next one's). A block
 * runs on past a conditional branch not taken and ends at a jump, at anything
 * that leaves the interpreter for good reason (CSRs, xRET, fences, AMOs, traps),
 * at the end of its page, before a breakpoint, or after HART_BLOCK_MAX. Every
 * instruction's semantics is written once, in its handler below.
 *
 * Blocks live in a pool, found through an index hashed by virtual pc; each exit
 * of a block also remembers the block it went to last (b->link), tried before
 * the index, and trusted only after the same checks as an index entry. A block is
 * a pure function of its virtual pc and its bytes, so it is reused whenever the
 * bytes at pc (through the current fetch TLB) are the ones it was decoded from:
 * this is checked by comparing them, and the check is skipped while nothing can
 * have changed them, which the cache's epoch tracks:
 *  - a new epoch starts at a run start if anything else may have written RAM
 *    since this hart's last run (physmem's write generation moved: a device's
 *    DMA, physmem_write, a debugger; or another hart ran, whose fast-path stores
 *    nothing counts), at every TLB flush or sfence.vma, at fence.i, and
 *    whenever a slow path writes a page marked as code or touches anything but
 *    the main RAM (a device may DMA from its callback) (hart_mmu.c);
 *  - a block checked in this epoch is stamped with c->cur (the epoch and the
 *    fetch TLB set, so a privilege change needs no new epoch); its page of RAM is
 *    then marked as code and this hart's write TLB entries for it are dropped (and
 *    not created again before a slow store clears the mark, which starts a new
 *    epoch), so no fast-path store of this hart can change a stamped block's
 *    bytes, nor the bytes later in the running block;
 *  - every call out of the interpreter except an F/D operation ends the block
 *    it was made from, so the next instruction is looked up again.
 * So a stamped block is run without looking at memory, and any other is checked
 * byte for byte: invalidation is exact without any flush. Pages outside pm->ram
 * (the boot ROM) get one-instruction blocks checked every time.
 *
 * Operand forwarding: inside a block, the result of an integer op or load also
 * stays in one of two host registers (slots) for the instructions after it that
 * read it, which take it from there (handler variants picked when the block is
 * built, from its instructions alone: see SRC2). Memory (x[]) is always written
 * too, so any exit, trap or callout sees the architectural registers. A branch
 * back to its own block's start re-enters it after checking the budget only.
 *
 * Counting: a block entered with fewer instructions left in the budget than it
 * holds is cut (a copy ending early), so nothing is charged ahead and nothing has
 * to be refunded: the instruction count at any exit is the block's start count
 * plus the instruction's index (d->idx), and pc is the block's pc plus d->pcoff.
 * Interrupts, stop requests and breakpoints are looked at between blocks; every
 * event that can make one pending (an MMIO callback, a CSR write, a trap) happens
 * in a call out of the interpreter, which ends the block, so they are seen exactly
 * where the one-instruction-at-a-time interpreter saw them.
 *
 * --cpu jit (hart_jit.c, hart.h): insn[0] of a block whose first instruction the
 * JIT emits inline gets L_HOT, which counts entries and compiles the block, then
 * L_JIT, which runs its code (chaining across compiled blocks) and resumes the
 * interpreter at the instruction the code handed back, with the forwarding slots
 * reloaded from x[] (b->fwdreg). A cut copy of the block runs insn[0]'s own
 * handler (b->h0).
 *
 * Loads and stores hit a per-privilege TLB that maps a virtual page to a host
 * pointer; anything else goes to the slow paths in hart_mmu.c. Every out-of-line
 * call first stores pc/instret back into h->s ("SYNC"), so MMIO callbacks, CSR
 * reads and traps see the architectural values. */
#include <stddef.h>
#include <string.h>
#include "emu/hart_priv.h"

_Static_assert(sizeof(struct hart_state) % 8 == 0, "hart_state must have no tail padding");
_Static_assert(OP_NOPS <= 256, "ops must fit the decode tables");

static void blocks_clear(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	c->dummy.pc = 1;
	for (int i = 0; i <= HART_BLOCK_MAX; i++)
		c->dummy.link[i] = &c->dummy;
	for (int i = 0; i < HART_INDEX; i++)
		c->index[i] = &c->dummy;
	hart_new_epoch(h);
}

void hart_init(struct hart *h, int hartid, struct physmem *pm)
{
	/* the block pool is left alone: only touched (and resident) once used */
	memset(h, 0, offsetof(struct hart, cache));
	memset(h->cache, 0, offsetof(struct hart_cache, scratch));
	h->hartid = hartid;
	h->pm = pm;
	blocks_clear(h);
	hart_reset(h, 0);
}

void hart_fini(struct hart *h)
{
	hart_jit_free(h);
}

void hart_reset(struct hart *h, uint64_t reset_pc)
{
	memset(&h->s, 0, sizeof h->s);
	h->s.pc = reset_pc;
	h->s.priv = PRV_M;
	h->s.mstatus = MSTATUS_UXL & (2ull << 32);
	h->s.mstatus |= MSTATUS_SXL & (2ull << 34);
	hart_flush_caches(h);
}

/* Blocks need no flush (they are checked against memory, see above): a new epoch. */
void hart_flush_caches(struct hart *h)
{
	hart_pmp_update(h);                     /* also flushes the TLB */
	hart_update_mode(h);
	hart_new_epoch(h);
	h->irq_check = 1;
}

void hart_set_mip(struct hart *h, uint64_t bits, int level)
{
	if (bits & MIP_SEIP) {
		h->s.seip_ext = level != 0;
		bits &= ~(uint64_t)MIP_SEIP;
		if (h->s.seip_ext || h->s.seip_sw)
			h->s.mip |= MIP_SEIP;
		else
			h->s.mip &= ~(uint64_t)MIP_SEIP;
	}
	if (level)
		h->s.mip |= bits;
	else
		h->s.mip &= ~bits;
	h->irq_check = 1;
}

int hart_wakeup_pending(const struct hart *h)
{
	return (h->s.mip & h->s.mie) != 0;
}

void hart_clear_reservation(struct hart *h)
{
	h->s.res_valid = 0;
}

int hart_add_breakpoint(struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++)
		if (h->breakpoints[i] == pc)
			return 0;
	if (h->nbreak >= HART_MAX_BREAKPOINTS)
		return -1;
	h->breakpoints[h->nbreak++] = pc;
	blocks_clear(h);        /* blocks end before breakpoints */
	return 0;
}

int hart_del_breakpoint(struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++) {
		if (h->breakpoints[i] == pc) {
			h->breakpoints[i] = h->breakpoints[--h->nbreak];
			blocks_clear(h);
			return 0;
		}
	}
	return -1;
}

int hart_add_watch(struct hart *h, uint64_t pa, uint64_t len, int kind)
{
	if (h->nwatch == HART_MAX_WATCH || !len || pa + len < pa || !(kind & 3))
		return -1;
	h->watch[h->nwatch++] = (struct hart_watch){ .pa = pa, .len = len, .kind = kind & 3 };
	hart_tlb_flush(h);      /* no data TLB entry may map a watched page */
	return 0;
}

int hart_del_watch(struct hart *h, uint64_t pa, uint64_t len, int kind)
{
	for (int i = 0; i < h->nwatch; i++)
		if (h->watch[i].pa == pa && h->watch[i].len == len && h->watch[i].kind == (kind & 3)) {
			h->watch[i] = h->watch[--h->nwatch];
			hart_tlb_flush(h);
			return 0;
		}
	return -1;
}

static int at_breakpoint(const struct hart *h, uint64_t pc)
{
	for (int i = 0; i < h->nbreak; i++)
		if (h->breakpoints[i] == pc)
			return 1;
	return 0;
}

/* ---- blocks ---- */

/* Does a block stop after op? Control flow, and everything that leaves the
 * interpreter for good reason (CSRs, xRET, fences, AMOs, traps). */
static int block_ends(int op)
{
	return op == OP_ILLEGAL || op == OP_JAL || op == OP_JALR ||
	       (op >= OP_FENCE_I && op <= OP_AMOMAXU);
}

/* An instruction whose only effect is writing rd (so with rd = x0, a no-op). */
static int writes_rd_only(int op)
{
	return op == OP_LUI || op == OP_AUIPC || (op >= OP_ADDI && op <= OP_REMUW);
}

/* Operand forwarding (see SRC2 below): the handler variants read a register from
 * the host registers r0 (FWD_0) or r1 (FWD_1) instead of x[] (FWD_M), and the
 * producers write their result to one of them too. struct fwd follows, through a
 * block, which guest registers r0 and r1 hold. */
enum { FWD_M, FWD_0, FWD_1 };
struct fwd {
	int reg[2];             /* the guest register in r0, r1 (-1: none) */
	int next;               /* the slot the next producer writes (unless it
				   writes a register a slot holds: that slot) */
};
static int fwd_src(const struct fwd *f, int r)
{
	return r && r == f->reg[0] ? FWD_0 : r && r == f->reg[1] ? FWD_1 : FWD_M;
}

/* Ops whose handler reads rs2 (the others' rs2 field is not a register). */
static int has_rs2(int op)
{
	return (op >= OP_BEQ && op <= OP_BGEU) || (op >= OP_SB && op <= OP_SD) ||
	       (op >= OP_ADD && op <= OP_AND) || (op >= OP_ADDW && op <= OP_REMUW);
}

/* A producer: an integer load or an op that only writes rd, with rd != 0. */
static int fwd_producer(const hart_dinsn *d)
{
	return d->rd && (writes_rd_only(d->op) || (d->op >= OP_LB && d->op <= OP_LWU));
}

/* The slot a producer writes: the one already holding rd, else f->next. */
static int fwd_out(const struct fwd *f, int rd)
{
	return rd == f->reg[0] ? 0 : rd == f->reg[1] ? 1 : f->next;
}

/* After d (in a block): a producer puts rd in its slot (the other one next);
 * stores, branches not taken, no-ops and F/D loads and stores leave both slots
 * alone; anything else may write an integer register behind them (F/D ops
 * through hart_exec_fp) and empties them. Block enders need nothing: the next
 * block starts with none. */
static void fwd_track(const hart_dinsn *d, struct fwd *f)
{
	int op = d->op;
	if (fwd_producer(d)) {
		int k = fwd_out(f, d->rd);
		f->reg[k] = d->rd;
		f->next = !k;
	} else if (!((op >= OP_BEQ && op <= OP_BGEU) || (op >= OP_SB && op <= OP_SD) ||
		     op == OP_FENCE || writes_rd_only(op) || (op >= OP_FLW && op <= OP_FSD))) {
		f->reg[0] = f->reg[1] = -1;
	}
}

/* The handler of d, given what the forwarding slots hold (f).
 * x[0] is kept 0 by never writing it: an instruction with x0 as its destination
 * gets a handler that does not write it (pure ones become no-ops; a load does the
 * access alone; jal/jalr only jump), and the handlers called out of line (CSR,
 * F/D, AMO) check rd themselves. */
enum { H_LOAD_X0 = OP_NOPS + 1, H_J, H_JR, H_HOT, H_JITL, H_NLABELS };
static const void *handler_of(const hart_dinsn *d, const void *const *labels,
			      const void *const (*fwd)[18], const struct fwd *f, int self)
{
	int op = d->op;
	if (d->rd == 0) {
		if (writes_rd_only(op))
			return labels[OP_FENCE];
		if (op >= OP_LB && op <= OP_LWU)
			return labels[H_LOAD_X0];
		if (op == OP_JAL)
			return labels[H_J];
		if (op == OP_JALR)
			op = H_JR;
	}
	if (!fwd[op][0])
		return labels[op];
	int k = fwd_src(f, d->rs1) * 3;
	if (has_rs2(d->op))
		k += fwd_src(f, d->rs2);
	if (self && op >= OP_BEQ && op <= OP_BGEU)
		k += 9;
	if (fwd_producer(d))
		k += 9 * fwd_out(f, d->rd);
	return fwd[op][k];
}

/* Remember the block's bytes: an 8-byte-aligned window over them that stays inside
 * the page (it starts up to 6 bytes early at the page's end), masked to the block. */
static void block_window(struct hart_block *b, const uint8_t *host, unsigned off)
{
	int nb = b->nbytes, W = (nb + 7) & ~7;
	int wofs = off + W <= 4096 ? 0 : nb - W;
	b->wofs = wofs;
	b->nw = W / 8;
	for (int i = 0; i < b->nw; i++) {
		/* the word's bytes [lo, hi) are the block's */
		int at = wofs + 8 * i, lo = at < 0 ? -at : 0, hi = nb - at < 8 ? nb - at : 8;
		uint64_t v, m = (hi == 8 ? ~0ull : (1ull << 8 * hi) - 1) & (~0ull << 8 * lo);
		memcpy(&v, host + at, 8);
		b->w[i] = v & m;
		b->m[i] = m;
	}
}

/* Are the bytes at host (the block's pc) still the block's? */
static inline int block_same(const struct hart_block *b, const uint8_t *host)
{
	const uint8_t *p = host + b->wofs;
	uint64_t diff = 0;
	for (int i = 0; i < b->nw; i++) {
		uint64_t v;
		memcpy(&v, p + 8 * i, 8);
		diff |= (v & b->m[i]) ^ b->w[i];
	}
	return diff == 0;
}

/* Decode the block at pc (host: its bytes) into b. NULL if its first instruction
 * does not fit in the page (the caller fetches that one on the slow path). */
static struct hart_block *block_build(struct hart *h, struct hart_block *b, uint64_t pc,
				      const uint8_t *host, const void *const *labels,
				      const void *const (*fwd)[18])
{
	unsigned off = pc & 0xfff, p = 0, n = 0;
	struct fwd f = { { -1, -1 }, 0 };
	unsigned max = hart_ram_page(h, host) >= 0 ? HART_BLOCK_MAX : 1;

	b->pc = 1;
	while (n < max && off + p + 2 <= 4096) {
		uint16_t lo;
		memcpy(&lo, host + p, 2);
		unsigned len = (lo & 3) == 3 ? 4 : 2;
		if (off + p + len > 4096)
			break;
		if (n && h->nbreak && at_breakpoint(h, pc + p))
			break;
		uint32_t raw = lo;
		if (len == 4)
			memcpy(&raw, host + p, 4);
		hart_dinsn *d = &b->insn[n];
		hart_decode(d, raw);
		b->fwdreg[n][0] = f.reg[0] > 0 ? f.reg[0] : 0;
		b->fwdreg[n][1] = f.reg[1] > 0 ? f.reg[1] : 0;
		if ((d->op >= OP_BEQ && d->op <= OP_BGEU) || d->op == OP_JAL)
			d->imm += p;    /* relative to the block's pc */
		d->handler = handler_of(d, labels, fwd, &f, d->imm == 0);
		fwd_track(d, &f);
		d->pcoff = p;
		d->idx = n;
		p += len;
		n++;
		if (block_ends(d->op))
			break;
	}
	if (!n)
		return NULL;
	hart_dinsn *e = &b->insn[n];          /* the sentinel: len 0, ends the block */
	memset(e, 0, sizeof *e);
	e->handler = labels[OP_NOPS];
	e->pcoff = p;
	e->idx = n - 1;
	b->fwdreg[n][0] = f.reg[0] > 0 ? f.reg[0] : 0;
	b->fwdreg[n][1] = f.reg[1] > 0 ? f.reg[1] : 0;
	b->n = n;
	b->jit = NULL;
	if (h->cpu == HART_CPU_JIT && !hart_cache(h)->jit.failed && hart_jit_inline(&b->insn[0])) {
		/* counted until hot, then compiled (L_HOT in hart_run) */
		b->h0 = b->insn[0].handler;
		b->insn[0].handler = labels[H_HOT];
		b->hot = 0;
	}
	b->nbytes = p;
	for (int i = 0; i <= HART_BLOCK_MAX; i++)
		b->link[i] = &hart_cache(h)->dummy;
	block_window(b, host, off);
	b->stamp = 0;
	b->pc = pc;
	return b;
}

/* b was just checked against memory: trust it for the rest of the epoch if its
 * page is tracked (see the top of the file). */
static inline void block_stamp(struct hart *h, struct hart_cache *c, struct hart_block *b,
			       const uint8_t *host)
{
	int64_t pg = hart_ram_page(h, host);
	if (pg < 0)
		return;
	uint64_t bit = 1ull << (pg & 63);
	if (!(c->code[pg >> 6] & bit)) {
		c->code[pg >> 6] |= bit;
		hart_tlb_drop_writes(h, h->pm->ram + (pg << 12));
	}
	b->stamp = c->cur;
}

#define HIDX(pc) ((uint32_t)((((pc) >> 1) * 0x9e3779b97f4a7c15ull) >> (64 - 16)))
_Static_assert(HART_INDEX == 1 << 16, "HIDX");

/* Take the next block of the pool for the block at index slot `slot`. */
static struct hart_block *block_alloc(struct hart_cache *c, uint32_t slot)
{
	struct hart_block *b = &c->blocks[c->next_block++ % HART_NBLOCKS];
	if (c->index[b->slot % HART_INDEX] == b)
		c->index[b->slot % HART_INDEX] = &c->dummy;
	b->pc = 1;
	b->jit = NULL;
	b->slot = slot;
	c->index[slot] = b;
	return b;
}

/* A copy of b's first k instructions, ending early (budget or stop request). */
static const hart_dinsn *block_cut(struct hart_cache *c, const struct hart_block *b,
				   unsigned k, const void *end_label)
{
	hart_dinsn *t = c->scratch.insn;
	memcpy(t, b->insn, k * sizeof *t);
	memset(&t[k], 0, sizeof t[k]);
	t[k].handler = end_label;
	t[k].pcoff = b->insn[k].pcoff;
	t[k].idx = k - 1;
	return t;
}

/* In a handler: d is the instruction, bpc/base the block's pc and start count. */
#define PC_OF(d) (bpc + (d)->pcoff)
#define NPC (PC_OF(d) + d->len)
#define SYNC() do { s->pc = PC_OF(d); s->instret = base + d->idx; } while (0)
/* After an out-of-line call: the privilege (TLB sets) may have changed, and an
 * MMIO callback may have asked to stop (checked at the next instruction boundary).
 * Anything the call did that could change code or a fetch translation has started
 * a new epoch in hart_mmu.c (TLB flushes, writes to code pages, device accesses);
 * a privilege change changes c->cur. */
#define AFTER() do { \
	tlb_r = c->tlb_r; \
	tlb_w = c->tlb_w; \
	if (h->stop) \
		h->irq_check = 1; \
	lim = h->irq_check ? 0 : end; \
} while (0)
/* The next instruction of the block (threaded: every handler has its own jump). */
#define NEXT do { \
	d++; \
	goto *d->handler; \
} while (0)
/* Leave the block after this instruction, continuing at npc_: straight into the
 * next block if it is stamped and fits the budget (each exit has its own indirect
 * jump, which the host predicts far better than one shared one), else through
 * the dispatcher. The next block is looked for first in the exit's link (the
 * block this exit went to last time: b->link[slot_]), then in the index; a link
 * is only a hint, checked like an index entry, so a stale one costs a miss. */
#define ENTER_IF_OK(nb_) \
	if (likely(nb_->pc == pc && nb_->stamp == c->cur && instret + nb_->n <= lim)) { \
		b = nb_; \
		base = instret; \
		bpc = pc; \
		d = b->insn; \
		goto *d->handler; \
	}
#define EXIT_SLOT(npc_, slot_) do { \
	pc = (npc_); \
	instret = base + d->idx + 1; \
	{ \
		struct hart_block *nb_ = b->link[slot_]; \
		ENTER_IF_OK(nb_) \
		nb_ = c->index[HIDX(pc)]; \
		if (likely(nb_->pc == pc && nb_->stamp == c->cur && instret + nb_->n <= lim)) { \
			b->link[slot_] = nb_; \
			b = nb_; \
			base = instret; \
			bpc = pc; \
			d = b->insn; \
			goto *d->handler; \
		} \
	} \
	lnk = &b->link[slot_]; \
	goto dispatch; \
} while (0)
#define EXIT(npc_) EXIT_SLOT(npc_, d->idx)
#define TLB_IDX(va) (((va) >> 12) & (HART_TLB_SIZE - 1))

/* Load a T from base + imm and hand the value (converted through T, so signed
 * types sign-extend) to SET. The fast path takes aligned accesses whose page is
 * in the TLB (one compare, as QEMU's softmmu); the slow path, which ends the
 * block, takes everything else, misaligned ones included. */
#define LOAD(T, base, SET) do { \
	uint64_t va_ = (base) + (int64_t)d->imm; \
	const struct hart_tlb_entry *e_ = &tlb_r[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & (~0xfffull | (sizeof(T) - 1))))) { \
		T t_; \
		memcpy(&t_, (const void *)(uintptr_t)(e_->addend + va_), sizeof t_); \
		SET((uint64_t)t_); \
		NEXT; \
	} else { \
		uint64_t v_; \
		SYNC(); \
		int r_ = hart_load_slow(h, va_, sizeof(T), &v_); \
		AFTER(); \
		if (r_) \
			goto exception; \
		SET((uint64_t)(T)v_); \
		EXIT(NPC); \
	} \
} while (0)

#define STORE(T, base, val) do { \
	uint64_t va_ = (base) + (int64_t)d->imm; \
	T v_ = (T)(val); \
	const struct hart_tlb_entry *e_ = &tlb_w[TLB_IDX(va_)]; \
	if (likely(e_->tag == (va_ & (~0xfffull | (sizeof(T) - 1))))) { \
		memcpy((void *)(uintptr_t)(e_->addend + va_), &v_, sizeof v_); \
		NEXT; \
	} else { \
		SYNC(); \
		int r_ = hart_store_slow(h, va_, sizeof(T), (uint64_t)v_); \
		AFTER(); \
		if (r_) \
			goto exception; \
		EXIT(NPC); \
	} \
} while (0)

/* Operand forwarding. The handlers of LUI, AUIPC, the integer ALU ops and the
 * integer loads (the "producers", rd != 0) leave their result in r0 or r1 (host
 * registers: slot k, the handler's suffix _k) as well as in x[rd]. An instruction
 * that reads a register a producer before it in the same block left in a slot
 * gets the handler variant taking it from there (chosen by block_build, see
 * fwd_track), so a chain of dependent instructions does not wait for each value
 * to make the round trip through memory. Each operation's semantics is written
 * once below, in terms of A (rs1's value) and B (rs2's, or the immediate), and
 * instantiated for every place its operands come from, M (x[]), 0 (r0), 1 (r1),
 * and every slot its result goes to. */
#define A_M (x[d->rs1])
#define A_0 r0
#define A_1 r1
#define B_M (x[d->rs2])
#define B_0 r0
#define B_1 r1
#define B_I ((uint64_t)(int64_t)d->imm)
#define SET_0(v) do { r0 = (v); x[d->rd] = r0; } while (0)
#define SET_1(v) do { r1 = (v); x[d->rd] = r1; } while (0)
#define SET_FW(v) do { s->f[d->rd] = (v) | 0xffffffff00000000ull; s->mstatus |= MSTATUS_FS; } while (0)
#define SET_FD(v) do { s->f[d->rd] = (v); s->mstatus |= MSTATUS_FS; } while (0)
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(v))

#define E_ADD (A + B)
#define E_SUB (A - B)
#define E_SLL (A << (B & 63))
#define E_SLT ((uint64_t)((int64_t)A < (int64_t)B))
#define E_SLTU ((uint64_t)(A < B))
#define E_XOR (A ^ B)
#define E_SRL (A >> (B & 63))
#define E_SRA ((uint64_t)((int64_t)A >> (B & 63)))
#define E_OR (A | B)
#define E_AND (A & B)
#define E_ADDW SX32(A + B)
#define E_SUBW SX32(A - B)
#define E_SLLW SX32((uint32_t)A << (B & 31))
#define E_SRLW SX32((uint32_t)A >> (B & 31))
#define E_SRAW ((uint64_t)(int64_t)((int32_t)A >> (B & 31)))
#define E_MUL (A * B)
#define E_MULH ((uint64_t)(((__int128)(int64_t)A * (int64_t)B) >> 64))
#define E_MULHSU ((uint64_t)(((__int128)(int64_t)A * (__int128)B) >> 64))
#define E_MULHU ((uint64_t)(((unsigned __int128)A * B) >> 64))
#define E_DIV (B == 0 ? ~0ull : ((int64_t)A == INT64_MIN && (int64_t)B == -1) ? A : \
	       (uint64_t)((int64_t)A / (int64_t)B))
#define E_DIVU (B == 0 ? ~0ull : A / B)
#define E_REM (B == 0 ? A : ((int64_t)A == INT64_MIN && (int64_t)B == -1) ? 0 : \
	       (uint64_t)((int64_t)A % (int64_t)B))
#define E_REMU (B == 0 ? A : A % B)
#define E_MULW SX32((uint32_t)A * (uint32_t)B)
#define E_DIVW ((int32_t)B == 0 ? ~0ull : ((int32_t)A == INT32_MIN && (int32_t)B == -1) ? SX32(A) : \
		SX32((int32_t)A / (int32_t)B))
#define E_DIVUW ((uint32_t)B == 0 ? ~0ull : SX32((uint32_t)A / (uint32_t)B))
#define E_REMW ((int32_t)B == 0 ? SX32(A) : ((int32_t)A == INT32_MIN && (int32_t)B == -1) ? 0 : \
		SX32((int32_t)A % (int32_t)B))
#define E_REMUW ((uint32_t)B == 0 ? SX32(A) : SX32((uint32_t)A % (uint32_t)B))
/* branch conditions */
#define E_BEQ (A == B)
#define E_BNE (A != B)
#define E_BLT ((int64_t)A < (int64_t)B)
#define E_BGE ((int64_t)A >= (int64_t)B)
#define E_BLTU (A < B)
#define E_BGEU (A >= B)

/* register-register ALU ops (name, semantics) and register-immediate ones
 * (name, the register-register op whose semantics it shares, B = imm) */
#define ALU_RR(X) X(ADD, E_ADD) X(SUB, E_SUB) X(SLL, E_SLL) X(SLT, E_SLT) X(SLTU, E_SLTU) \
	X(XOR, E_XOR) X(SRL, E_SRL) X(SRA, E_SRA) X(OR, E_OR) X(AND, E_AND) X(ADDW, E_ADDW) \
	X(SUBW, E_SUBW) X(SLLW, E_SLLW) X(SRLW, E_SRLW) X(SRAW, E_SRAW) X(MUL, E_MUL) \
	X(MULH, E_MULH) X(MULHSU, E_MULHSU) X(MULHU, E_MULHU) X(DIV, E_DIV) X(DIVU, E_DIVU) \
	X(REM, E_REM) X(REMU, E_REMU) X(MULW, E_MULW) X(DIVW, E_DIVW) X(DIVUW, E_DIVUW) \
	X(REMW, E_REMW) X(REMUW, E_REMUW)
#define ALU_RI(X) X(ADDI, E_ADD) X(SLTI, E_SLT) X(SLTIU, E_SLTU) X(XORI, E_XOR) X(ORI, E_OR) \
	X(ANDI, E_AND) X(SLLI, E_SLL) X(SRLI, E_SRL) X(SRAI, E_SRA) X(ADDIW, E_ADDW) \
	X(SLLIW, E_SLLW) X(SRLIW, E_SRLW) X(SRAIW, E_SRAW)
#define BRANCHES(X) X(BEQ, E_BEQ) X(BNE, E_BNE) X(BLT, E_BLT) X(BGE, E_BGE) X(BLTU, E_BLTU) \
	X(BGEU, E_BGEU)
/* integer loads (name, type) and stores (name, type) */
#define LOADS(X) X(LB, int8_t) X(LH, int16_t) X(LW, int32_t) X(LD, uint64_t) X(LBU, uint8_t) \
	X(LHU, uint16_t) X(LWU, uint32_t)
#define STORES(X) X(SB, uint8_t) X(SH, uint16_t) X(SW, uint32_t) X(SD, uint64_t)

/* every (rs1, rs2) source combination: V(sa, sb), in the order of fwd index sa*3+sb */
#define SRC2(V, ...) V(M, M, __VA_ARGS__) V(M, 0, __VA_ARGS__) V(M, 1, __VA_ARGS__) \
	V(0, M, __VA_ARGS__) V(0, 0, __VA_ARGS__) V(0, 1, __VA_ARGS__) \
	V(1, M, __VA_ARGS__) V(1, 0, __VA_ARGS__) V(1, 1, __VA_ARGS__)
#define SRC1(V, ...) V(M, __VA_ARGS__) V(0, __VA_ARGS__) V(1, __VA_ARGS__)
/* the handlers */
#define H_RR(sa, sb, name, e) \
	L_##name##_##sa##sb##_0: { uint64_t A = A_##sa, B = B_##sb; SET_0(e); NEXT; } \
	L_##name##_##sa##sb##_1: { uint64_t A = A_##sa, B = B_##sb; SET_1(e); NEXT; }
#define H_RI(sa, name, e) \
	L_##name##_##sa##_0: { uint64_t A = A_##sa, B = B_I; SET_0(e); NEXT; } \
	L_##name##_##sa##_1: { uint64_t A = A_##sa, B = B_I; SET_1(e); NEXT; }
#define H_BR(sa, sb, name, e) L_##name##_##sa##sb: { uint64_t A = A_##sa, B = B_##sb; \
	if (e) { EXIT(bpc + (int64_t)d->imm); } NEXT; }
/* a branch back to its own block's start: only the budget to check (the block is
 * stamped: nothing that ran since it was entered could change that) */
#define H_BRS(sa, sb, name, e) L_##name##_##sa##sb##_S: { uint64_t A = A_##sa, B = B_##sb; \
	if (e) { \
		uint64_t i_ = base + d->idx + 1; \
		if (likely(i_ + b->n <= lim)) { \
			base = i_; \
			d = b->insn; \
			goto *d->handler; \
		} \
		EXIT(bpc); \
	} \
	NEXT; }
#define H_LD(sa, name, T) L_##name##_##sa##_0: LOAD(T, A_##sa, SET_0); \
	L_##name##_##sa##_1: LOAD(T, A_##sa, SET_1);
#define H_ST(sa, sb, name, T) L_##name##_##sa##sb: STORE(T, A_##sa, B_##sb);
#define H_JALR(sa, name, T) L_JALR_##sa: { \
	uint64_t t = (A_##sa + (int64_t)d->imm) & ~1ull; \
	x[d->rd] = NPC; \
	EXIT(t); } \
	L_JR_##sa: EXIT((A_##sa + (int64_t)d->imm) & ~1ull);
#define GEN_RR(name, e) SRC2(H_RR, name, e)
#define GEN_RI(name, e) SRC1(H_RI, name, e)
#define GEN_BR(name, e) SRC2(H_BR, name, e) SRC2(H_BRS, name, e)
#define GEN_LD(name, T) SRC1(H_LD, name, T)
#define GEN_ST(name, T) SRC2(H_ST, name, T)
/* their table: fwd[op][9 * k + sa * 3 + sb] (k: the producers' result slot;
 * one-source ops: sb = M; branches to the block's start: k = 1) */
#define T2(sa, sb, name, e) [FWD_##sa * 3 + FWD_##sb] = &&L_##name##_##sa##sb,
#define T1(sa, name, e) [FWD_##sa * 3] = &&L_##name##_##sa,
#define T2K(sa, sb, name, e) [FWD_##sa * 3 + FWD_##sb] = &&L_##name##_##sa##sb##_0, \
	[9 + FWD_##sa * 3 + FWD_##sb] = &&L_##name##_##sa##sb##_1,
#define T1K(sa, name, e) [FWD_##sa * 3] = &&L_##name##_##sa##_0, [9 + FWD_##sa * 3] = &&L_##name##_##sa##_1,
#define TAB2(name, e) [OP_##name] = { SRC2(T2, name, e) },
#define TAB1(name, e) [OP_##name] = { SRC1(T1, name, e) },
#define TAB2K(name, e) [OP_##name] = { SRC2(T2K, name, e) },
#define TAB1K(name, e) [OP_##name] = { SRC1(T1K, name, e) },
#define T2S(sa, sb, name, e) [9 + FWD_##sa * 3 + FWD_##sb] = &&L_##name##_##sa##sb##_S,
#define TABBR(name, e) [OP_##name] = { SRC2(T2, name, e) SRC2(T2S, name, e) },

#define OP(name) L_##name
#define FP_OPS(X) X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) X(FADD_S) X(FSUB_S) \
	X(FMUL_S) X(FDIV_S) X(FSQRT_S) X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FMIN_S) X(FMAX_S) \
	X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) X(FMV_X_W) X(FEQ_S) X(FLT_S) \
	X(FLE_S) X(FCLASS_S) X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU) X(FMV_W_X) \
	X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D) X(FADD_D) X(FSUB_D) X(FMUL_D) \
	X(FDIV_D) X(FSQRT_D) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D) X(FMIN_D) X(FMAX_D) \
	X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) X(FMV_X_D) X(FEQ_D) X(FLT_D) \
	X(FLE_D) X(FCLASS_D) X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU) X(FMV_D_X) \
	X(FCVT_S_D) X(FCVT_D_S)
#define FP_LABEL(n) [OP_##n] = &&L_FP,
#define AMO_LABEL(n) [OP_##n] = &&L_AMO,
#define L(n) [OP_##n] = &&L_##n,

/* GCC would otherwise merge the dispatch tails back into one jump (cross-jumping). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
int hart_run(struct hart *h, uint64_t budget)
{
	static const void *const labels[H_NLABELS] = {
		L(ILLEGAL) L(JAL)
		L(FENCE) L(FENCE_I) L(ECALL) L(EBREAK) L(MRET) L(SRET) L(WFI) L(SFENCE_VMA)
		[OP_CSRRW] = &&L_CSR, [OP_CSRRS] = &&L_CSR, [OP_CSRRC] = &&L_CSR,
		[OP_CSRRWI] = &&L_CSR, [OP_CSRRSI] = &&L_CSR, [OP_CSRRCI] = &&L_CSR,
		AMO_LABEL(LR) AMO_LABEL(SC) AMO_LABEL(AMOSWAP) AMO_LABEL(AMOADD) AMO_LABEL(AMOXOR)
		AMO_LABEL(AMOAND) AMO_LABEL(AMOOR) AMO_LABEL(AMOMIN) AMO_LABEL(AMOMAX)
		AMO_LABEL(AMOMINU) AMO_LABEL(AMOMAXU)
		L(FLW) L(FLD) L(FSW) L(FSD)
		FP_OPS(FP_LABEL)
		[OP_NOPS] = &&L_END,
		[H_LOAD_X0] = &&L_LOAD_X0, [H_J] = &&L_J,
		[H_HOT] = &&L_HOT, [H_JITL] = &&L_JIT,
	};
	/* the handlers with forwarded operands (see SRC2), [op][0]: from x[] */
	static const void *const fwd[H_NLABELS][18] = {
		ALU_RR(TAB2K) ALU_RI(TAB1K) BRANCHES(TABBR) LOADS(TAB1K) STORES(TAB2)
		[OP_JALR] = { SRC1(T1, JALR, 0) }, [H_JR] = { SRC1(T1, JR, 0) },
		[OP_LUI] = { [0] = &&L_LUI_0, [9] = &&L_LUI_1 },
		[OP_AUIPC] = { [0] = &&L_AUIPC_0, [9] = &&L_AUIPC_1 },
	};
	struct hart_state *s = &h->s;
	struct hart_cache *c = hart_cache(h);
	/* the guest registers, addressed from h (one register fewer to keep) */
#define x (h->s.x)
	const hart_dinsn *d;
	struct hart_block *b = &c->dummy, **lnk = NULL;
	int ret = HART_EXIT_BUDGET, one = 0;
	const struct hart_tlb_entry *tlb_r = c->tlb_r, *tlb_w = c->tlb_w;
	uint64_t r0 = 0, r1 = 0;        /* forwarded results (see SRC2) */

	if (s->wfi) {
		if (!hart_wakeup_pending(h))
			return HART_EXIT_WFI;
		s->wfi = 0;
	}
	if (budget == 0)
		return HART_EXIT_BUDGET;

	uint64_t pc = s->pc, instret = s->instret, bpc, base;
	uint64_t end = budget > UINT64_MAX - instret ? UINT64_MAX : instret + budget;
	/* blocks are entered straight from a block's exit while they end by lim: the
	 * budget's end, or 0 when something must be looked at between blocks
	 * (h->irq_check, which only a call out of the interpreter sets: AFTER) */
	uint64_t lim = 0;
	/* debugger resume: the first instruction ignores a breakpoint or an exiting ebreak */
	uint64_t skip_at = h->skip_break_once ? instret : UINT64_MAX;
	h->skip_break_once = 0;
	/* Other harts, devices or the debugger may have written memory since this
	 * hart's last run: if so, nothing is trusted without a check. Writes through
	 * physmem move pm->wgen; another hart's fast-path stores are not counted, so
	 * a run after another hart's is always a new epoch. */
	if (h->pm->wgen != c->wgen || h->pm->runner != h) {
		hart_new_epoch(h);
		h->pm->runner = h;
	}
	x[0] = 0;
	goto start;

dispatch:
	/* between blocks: pc and instret are the next instruction's */
	if (unlikely(instret == end || h->irq_check))
		goto boundary;
lookup:
	b = c->index[HIDX(pc)];
	if (unlikely(b->pc != pc || b->stamp != c->cur)) {
		const struct hart_tlb_entry *e = &c->tlb_x[TLB_IDX(pc)];
		if (unlikely(e->tag != (pc & ~0xfffull)))
			goto fetch_slow;
		const uint8_t *host = (const uint8_t *)(uintptr_t)(e->addend + pc);
		if (b->pc != pc || !block_same(b, host)) {
			if (b->pc != pc)
				b = block_alloc(c, HIDX(pc));
			if (!block_build(h, b, pc, host, labels, fwd))
				goto fetch_slow;
		}
		block_stamp(h, c, b, host);
	}
	if (lnk) {              /* the exit that came here goes straight here next time */
		*lnk = b;
		lnk = NULL;
	}
	base = instret;
	bpc = pc;
	d = b->insn;
	if (unlikely(b->n > end - instret || one)) {
		d = block_cut(c, b, one ? 1 : end - instret, labels[OP_NOPS]);
		one = 0;
	}
	goto *d->handler;

fetch_slow: {
	/* pc's page is not in the fetch TLB, or its first instruction crosses the page:
	 * fetch it on the slow path and run it alone (or as a block if now cached) */
	uint32_t raw;
	uint64_t fva;
	uint8_t *fhost;
	s->pc = pc;
	s->instret = instret;
	int r = hart_fetch_slow(h, pc, &raw, &fva, &fhost);
	AFTER();
	if (r)
		goto take_exception;
	unsigned len = (raw & 3) == 3 ? 4 : 2;
	if (fva != 1 && (pc & 0xfff) + len <= 4096 &&
	    c->tlb_x[TLB_IDX(pc)].tag == (pc & ~0xfffull))
		goto lookup;
	hart_dinsn *t = c->scratch.insn;
	hart_decode(t, len == 4 ? raw : raw & 0xffff);
	static const struct fwd none = { { -1, -1 }, 0 };
	t->handler = handler_of(t, labels, fwd, &none, 0);
	memset(&t[1], 0, sizeof t[1]);
	t[1].handler = labels[OP_NOPS];
	t[1].pcoff = len;
	base = instret;
	bpc = pc;
	d = t;
	b = &c->dummy;          /* its exit's link goes nowhere useful */
	lnk = NULL;
	one = 0;
	goto *d->handler;
}

boundary:
	/* between instructions: budget, stop request, interrupts, breakpoints */
	lnk = NULL;
	if (instret == end)
		goto out;
	if (h->stop) {
		ret = HART_EXIT_STOP;
		goto out;
	}
start:
	if (unlikely(h->irq_check)) {
		s->pc = pc;
		s->instret = instret;
		if (hart_check_interrupts(h)) {
			pc = s->pc;
			AFTER();
		}
	}
	if (unlikely(h->nbreak)) {
		if (instret != skip_at && at_breakpoint(h, pc)) {
			ret = HART_EXIT_BREAK;
			goto out;
		}
		/* keep coming back here while breakpoints exist */
		h->irq_check = 1;
	}
	if (unlikely(h->stop)) {        /* set before the run: stop after this instruction */
		h->irq_check = 1;
		one = 1;
	}
	lim = h->irq_check ? 0 : end;
	goto lookup;

L_END:
	EXIT_SLOT(PC_OF(d), HART_BLOCK_MAX);

/* --cpu jit: insn[0] of a block whose first instruction the JIT emits inline.
 * A cut copy of the block (d is not b->insn) and a hart switched back to the
 * interpreter run insn[0]'s own handler (b->h0). */
L_HOT:
	if (d != b->insn || h->cpu != HART_CPU_JIT || ++b->hot < (h->jit_hot ? (uint32_t)h->jit_hot : 16u))
		goto *b->h0;
	b->jit = hart_jit_compile(h, b, labels[H_HOT]);
	if (!b->jit) {
		b->insn[0].handler = b->h0;
		goto *b->h0;
	}
	b->insn[0].handler = &&L_JIT;
L_JIT: {
	if (d != b->insn || h->cpu != HART_CPU_JIT)
		goto *b->h0;
	/* the compiled code runs (and chains) while it can, then hands back the
	 * instruction the interpreter goes on with, x[] up to date: reload the
	 * forwarding slots its handler expects */
	struct hart_jit_io io = { &x[16], c, b, base, lim, c->tlb_r };
	unsigned k = (unsigned)hart_jit_enter(h, b->jit, &io);
	b = io.b;
	base = io.base;
	bpc = b->pc;
	d = &b->insn[k];
	r0 = x[b->fwdreg[k][0]];
	r1 = x[b->fwdreg[k][1]];
	goto *(k ? d->handler : b->h0);
}

L_LUI_0: SET_0((uint64_t)(int64_t)d->imm); NEXT;
L_LUI_1: SET_1((uint64_t)(int64_t)d->imm); NEXT;
L_AUIPC_0: SET_0(PC_OF(d) + (int64_t)d->imm); NEXT;
L_AUIPC_1: SET_1(PC_OF(d) + (int64_t)d->imm); NEXT;
OP(JAL): {
	uint64_t t = bpc + (int64_t)d->imm;
	x[d->rd] = NPC;
	EXIT(t);
}
L_J:                    /* jal x0 */
	EXIT(bpc + (int64_t)d->imm);
SRC1(H_JALR, JALR, 0)   /* jalr, and jalr x0 (L_JR_*) */
ALU_RR(GEN_RR)
ALU_RI(GEN_RI)
BRANCHES(GEN_BR)
LOADS(GEN_LD)
STORES(GEN_ST)
L_LOAD_X0: {            /* an integer load to x0: the access alone, on the slow path */
	static const uint8_t size[] = { [OP_LB] = 1, [OP_LH] = 2, [OP_LW] = 4, [OP_LD] = 8,
					[OP_LBU] = 1, [OP_LHU] = 2, [OP_LWU] = 4 };
	uint64_t v_;
	SYNC();
	int r_ = hart_load_slow(h, x[d->rs1] + (int64_t)d->imm, size[d->op], &v_);
	AFTER();
	if (r_)
		goto exception;
	EXIT(NPC);
}

OP(FENCE):
	NEXT;
OP(FENCE_I):            /* blocks are checked against memory: nothing to flush */
	hart_new_epoch(h);
	EXIT(NPC);
OP(ECALL):
	h->exc_cause = EXC_ECALL_U + s->priv;
	h->exc_tval = 0;
	goto exception;
OP(EBREAK):
	if (h->ebreak_exits && base + d->idx != skip_at) {
		ret = HART_EXIT_BREAK;
		pc = PC_OF(d);
		instret = base + d->idx;
		goto out;
	}
	h->exc_cause = EXC_BREAKPOINT;
	h->exc_tval = 0;
	goto exception;
OP(MRET):
OP(SRET):
	SYNC();
	if (d->op == OP_MRET ? hart_mret(h) : hart_sret(h))
		goto illegal;
	AFTER();
	EXIT(s->pc);
OP(WFI):
	if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TW)))
		goto illegal;
	if (!hart_wakeup_pending(h)) {
		s->wfi = 1;
		pc = NPC;
		instret = base + d->idx + 1;
		ret = HART_EXIT_WFI;
		goto out;
	}
	EXIT(NPC);
OP(SFENCE_VMA):
	if (s->priv == PRV_U || (s->priv == PRV_S && (s->mstatus & MSTATUS_TVM)))
		goto illegal;
	hart_sfence_vma(h, d->rs1 != 0, x[d->rs1]);
	AFTER();
	EXIT(NPC);
L_CSR:
	SYNC();
	if (hart_csr_op(h, d))
		goto illegal;
	AFTER();        /* satp, PMP or privilege-related state may have changed */
	EXIT(NPC);
L_AMO: {
	uint64_t r;
	SYNC();
	int fail = hart_amo(h, d, &r);
	AFTER();
	if (fail)
		goto exception;
	if (d->rd)
		x[d->rd] = r;
	EXIT(NPC);
}

OP(FLW):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	LOAD(uint32_t, x[d->rs1], SET_FW);
OP(FLD):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	LOAD(uint64_t, x[d->rs1], SET_FD);
OP(FSW):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	STORE(uint32_t, x[d->rs1], s->f[d->rs2]);
OP(FSD):
	if (!(s->mstatus & MSTATUS_FS))
		goto illegal;
	STORE(uint64_t, x[d->rs1], s->f[d->rs2]);
L_FP:
	if (!(s->mstatus & MSTATUS_FS) || hart_exec_fp(h, d))
		goto illegal;
	NEXT;

OP(ILLEGAL):
illegal:
	h->exc_cause = EXC_ILLEGAL;
	h->exc_tval = (d->raw & 3) == 3 ? d->raw : d->raw & 0xffff;
exception:
	pc = PC_OF(d);
	instret = base + d->idx;
take_exception:
	/* the faulting instruction at pc counts (instret), then the trap is taken */
	x[0] = 0;
	s->pc = pc;
	s->instret = instret;
	{
		int fatal = hart_exception(h, h->exc_cause, h->exc_tval);
		instret++;
		pc = s->pc;
		AFTER();
		if (fatal) {
			ret = HART_EXIT_FATAL;
			goto out;
		}
	}
	goto boundary;
out:
	s->pc = pc;
	s->instret = instret;
	/* everything written during the run was this hart's (its code pages are
	 * guarded) or a device's inside an MMIO access (a new epoch each) */
	c->wgen = h->pm->wgen;
	return ret;
}
#undef x
