/* hart_jit: --cpu jit, a template JIT from the interpreter's decoded blocks to
 * x86-64 (hart.h says what it emits and how it stays tied to the interpreter).
 *
 * A block's code runs its instructions from the first one while they are ones
 * emitted inline (hart_jit_inline); at the first other one, or when an inline
 * load or store misses the TLB fast path, it returns that instruction's index and
 * the interpreter goes on from there with its own handler (hart.c, L_JIT): the
 * JIT never implements a slow path, a trap or a call out. Its code is a pure
 * function of the block (like the block of its pc and bytes), so it lives as long
 * as the block is not rebuilt; the buffer is flushed whole when full.
 *
 * Host registers while compiled code runs: rbx = &x[16] (every guest register
 * one disp8 away), r12 = the count at the current block's start, r13 = lim,
 * r14 = the hart's cache, r15 = the current block, rbp = the read TLB set;
 * rax, rcx, rdx are scratch; rsi, rdi, r8-r11 cache guest registers inside a
 * block. Every result is also stored to x[] at once, so x[] is architectural at
 * every return and a block's code starts with nothing cached.
 *
 * Counting is the interpreter's: a block is entered only if it ends by lim
 * (instret + n <= lim), so its instruction k runs at count base + k; chaining to
 * another compiled block checks exactly what the interpreter's block exit checks
 * (link, pc, stamp == c->cur, the budget), and a branch back to the block's own
 * start only the budget. */
#define _GNU_SOURCE
#include <stddef.h>
#include <string.h>
#include "emu/hart_priv.h"

#if defined(__x86_64__) && defined(__linux__)
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#define JIT_BUF_SIZE (4u << 20)
#define JIT_STAGE (32u << 10)   /* the most one block's code takes, and more */
#define JIT_MARGIN 512          /* the most one instruction (with its stubs) takes */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_A = 7, CC_L = 0xc, CC_GE = 0xd };

int hart_jit_available(void)
{
	return 1;
}

int hart_cpu_default(void)
{
	return HART_CPU_JIT;
}

/* ---- the emitter: the byte for buffer offset pos at buf[pos - base] ---- */

struct em {
	uint8_t *buf;
	size_t base, pos, end;
	int bad;                /* a short jump too long: do not use this code */
};

static void b1(struct em *e, unsigned v)
{
	if (e->pos < e->end)
		e->buf[e->pos - e->base] = (uint8_t)v;
	e->pos++;
}

static void b4(struct em *e, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b1(e, v >> (8 * i));
}

static void rex(struct em *e, int w, int r, int b, int force)
{
	unsigned v = 0x40 | w << 3 | ((r >> 3) & 1) << 2 | ((b >> 3) & 1);
	if (v != 0x40 || force)
		b1(e, v);
}

/* opcode bytes: one, or two for 0x0fxx */
static void opc(struct em *e, unsigned op)
{
	if (op > 0xff)
		b1(e, op >> 8);
	b1(e, op & 0xff);
}

/* ModRM for [base + disp] */
static void mem(struct em *e, int reg, int base, int32_t disp)
{
	int mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
	b1(e, mod << 6 | (reg & 7) << 3 | (base & 7));
	if ((base & 7) == 4)
		b1(e, 0x24);
	if (mod == 1)
		b1(e, (uint8_t)disp);
	else if (mod == 2)
		b4(e, (uint32_t)disp);
}

/* op r/m(dst), reg(src) register form (or the reverse, per the opcode) */
static void rr(struct em *e, unsigned op, int w, int rm, int reg)
{
	rex(e, w, reg, rm, 0);
	opc(e, op);
	b1(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* op reg, [base + disp] (or op [base + disp], reg, per the opcode) */
static void rm(struct em *e, unsigned op, int w, int reg, int base, int32_t disp)
{
	rex(e, w, reg, base, 0);
	opc(e, op);
	mem(e, reg, base, disp);
}

/* op r/m, imm (81 /ext imm32, or 83 /ext imm8 when it fits) */
static void ri(struct em *e, int ext, int w, int r, int32_t imm)
{
	int short_ = imm >= -128 && imm <= 127;
	rex(e, w, 0, r, 0);
	b1(e, short_ ? 0x83 : 0x81);
	b1(e, 0xc0 | ext << 3 | (r & 7));
	if (short_)
		b1(e, (uint8_t)imm);
	else
		b4(e, (uint32_t)imm);
}

/* shifts: C1 /ext ib, D3 /ext (by cl) */
static void shi(struct em *e, int ext, int w, int r, int n)
{
	rex(e, w, 0, r, 0);
	b1(e, 0xc1);
	b1(e, 0xc0 | ext << 3 | (r & 7));
	b1(e, n);
}

static void shcl(struct em *e, int ext, int w, int r)
{
	rex(e, w, 0, r, 0);
	b1(e, 0xd3);
	b1(e, 0xc0 | ext << 3 | (r & 7));
}

static void mov_imm(struct em *e, int r, uint64_t v)
{
	if (v <= 0xffffffffu) {                 /* mov r32, imm32 (zero-extends) */
		rex(e, 0, 0, r, 0);
		b1(e, 0xb8 + (r & 7));
		b4(e, (uint32_t)v);
	} else if ((int64_t)v == (int32_t)v) {  /* mov r64, simm32 */
		rex(e, 1, 0, r, 0);
		b1(e, 0xc7);
		b1(e, 0xc0 | (r & 7));
		b4(e, (uint32_t)v);
	} else {
		rex(e, 1, 0, r, 0);
		b1(e, 0xb8 + (r & 7));
		b4(e, (uint32_t)v);
		b4(e, (uint32_t)(v >> 32));
	}
}

/* jcc / jmp rel32 to a position (or 0: patched later); the rel32's position */
static size_t jcc(struct em *e, int cc, size_t to)
{
	b1(e, 0x0f);
	b1(e, 0x80 + cc);
	b4(e, (uint32_t)(to - (e->pos + 4)));
	return e->pos - 4;
}

static size_t jmp(struct em *e, size_t to)
{
	b1(e, 0xe9);
	b4(e, (uint32_t)(to - (e->pos + 4)));
	return e->pos - 4;
}

/* jcc rel8 (for jumps known to land within 127 bytes ahead, patched by patch8) */
static size_t jcc8(struct em *e, int cc)
{
	b1(e, 0x70 + cc);
	b1(e, 0);
	return e->pos - 1;
}

static void patch8(struct em *e, size_t at, size_t to)
{
	size_t d = to - (at + 1);
	if (d > 127)
		e->bad = 1;     /* cannot happen (short stretches only) */
	else if (at < e->end)
		e->buf[at - e->base] = (uint8_t)d;
}

static void patch(struct em *e, size_t at, size_t to)
{
	uint32_t v = (uint32_t)(to - (at + 4));
	if (at + 4 <= e->end)
		memcpy(e->buf + (at - e->base), &v, 4);
}

static void push(struct em *e, int r)
{
	rex(e, 0, 0, r, 0);
	b1(e, 0x50 + (r & 7));
}

static void pop(struct em *e, int r)
{
	rex(e, 0, 0, r, 0);
	b1(e, 0x58 + (r & 7));
}

/* ---- the buffer: trampolines at its start ---- */

#define OFF_IO_X16 offsetof(struct hart_jit_io, x16)
#define OFF_IO_C offsetof(struct hart_jit_io, c)
#define OFF_IO_B offsetof(struct hart_jit_io, b)
#define OFF_IO_BASE offsetof(struct hart_jit_io, base)
#define OFF_IO_LIM offsetof(struct hart_jit_io, lim)
#define OFF_IO_TLBR offsetof(struct hart_jit_io, tlb_r)
enum { TRAMP_ENTRY = 0, TRAMP_EXIT = 64, TRAMP_END = 128 };

/* entry(io = rdi, code = rsi): save the callee-saved registers and io, load the
 * state, jump to the code. exit (eax = k): store b and base into io, return k. */
static void emit_trampolines(struct em *e)
{
	e->pos = TRAMP_ENTRY;
	push(e, RBX); push(e, RBP); push(e, R12); push(e, R13); push(e, R14); push(e, R15);
	push(e, RDI);
	rm(e, 0x8b, 1, RBX, RDI, OFF_IO_X16);
	rm(e, 0x8b, 1, R14, RDI, OFF_IO_C);
	rm(e, 0x8b, 1, R15, RDI, OFF_IO_B);
	rm(e, 0x8b, 1, R12, RDI, OFF_IO_BASE);
	rm(e, 0x8b, 1, R13, RDI, OFF_IO_LIM);
	rm(e, 0x8b, 1, RBP, RDI, OFF_IO_TLBR);
	b1(e, 0xff); b1(e, 0xe6);               /* jmp rsi */
	e->pos = TRAMP_EXIT;
	pop(e, RDI);
	rm(e, 0x89, 1, R15, RDI, OFF_IO_B);
	rm(e, 0x89, 1, R12, RDI, OFF_IO_BASE);
	pop(e, R15); pop(e, R14); pop(e, R13); pop(e, R12); pop(e, RBP); pop(e, RBX);
	b1(e, 0xc3);
	e->pos = TRAMP_END;
}

static int buf_make(struct hart_jit_buf *j)
{
	int fd = memfd_create("rrkit-jit", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, JIT_BUF_SIZE) < 0) {
		close(fd);
		return -1;
	}
	void *rx = mmap(NULL, JIT_BUF_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	uint8_t *stage = malloc(JIT_STAGE);
	struct em e = { stage, 0, 0, JIT_STAGE, 0 };
	if (stage) {
		memset(stage, 0xcc, JIT_STAGE); /* int3 in the gaps between the trampolines */
		emit_trampolines(&e);
	}
	if (rx == MAP_FAILED || !stage || pwrite(fd, stage, TRAMP_END, 0) != TRAMP_END) {
		if (rx != MAP_FAILED)
			munmap(rx, JIT_BUF_SIZE);
		free(stage);
		close(fd);
		return -1;
	}
	j->fd = fd;
	j->rx = rx;
	j->stage = stage;
	j->size = JIT_BUF_SIZE;
	j->used = TRAMP_END;
	return 0;
}

void hart_jit_free(struct hart *h)
{
	struct hart_jit_buf *j = &hart_cache(h)->jit;
	if (j->rx) {
		munmap(j->rx, j->size);
		close(j->fd);
		free(j->stage);
	}
	j->rx = j->stage = NULL;
}

int hart_jit_enter(struct hart *h, const void *code, struct hart_jit_io *io)
{
	int (*entry)(struct hart_jit_io *, const void *) =
		(int (*)(struct hart_jit_io *, const void *))(void *)hart_cache(h)->jit.rx;
	return entry(io, code);
}

/* ---- the register cache (compile time) ---- */

#define NCREG 6
static const int creg[NCREG] = { RSI, RDI, R8, R9, R10, R11 };

struct rcache {
	int g[NCREG];           /* the guest register in creg[i], -1: none */
	unsigned age[NCREG], clock;
};

static int8_t xdisp(int g)
{
	return (int8_t)(8 * (g - 16));
}

/* A host register holding guest register g (x0: a register holding zero),
 * loading it if needed, never evicting `pin`. */
static int rc_get(struct em *e, struct rcache *rc, int g, int pin)
{
	int v = -1;
	for (int i = 0; i < NCREG; i++) {
		if (rc->g[i] == g) {
			rc->age[i] = ++rc->clock;
			return creg[i];
		}
		if (creg[i] != pin && (v < 0 || rc->g[i] < 0 ||
				       (rc->g[v] >= 0 && rc->age[i] < rc->age[v])))
			v = i;
	}
	if (g == 0)
		rr(e, 0x31, 0, creg[v], creg[v]);       /* xor r32, r32 */
	else
		rm(e, 0x8b, 1, creg[v], RBX, xdisp(g));
	rc->g[v] = g;
	rc->age[v] = ++rc->clock;
	return creg[v];
}

/* rd = rax: x[rd] and its cached copy (rd != 0). */
static void rc_set(struct em *e, struct rcache *rc, int g)
{
	rm(e, 0x89, 1, RAX, RBX, xdisp(g));
	int v = -1;
	for (int i = 0; i < NCREG; i++) {
		if (rc->g[i] == g) {
			v = i;
			break;
		}
		if (v < 0 || rc->g[i] < 0 || (rc->g[v] >= 0 && rc->age[i] < rc->age[v]))
			v = i;
	}
	rr(e, 0x89, 1, creg[v], RAX);
	rc->g[v] = g;
	rc->age[v] = ++rc->clock;
}

/* ---- what is inline ---- */

static int rd_only(int op)
{
	return op == OP_LUI || op == OP_AUIPC || (op >= OP_ADDI && op <= OP_REMUW);
}

int hart_jit_inline(const hart_dinsn *d)
{
	int op = d->op;
	if (rd_only(op) && d->rd == 0)
		return 1;                               /* a no-op */
	switch (op) {
	case OP_DIV: case OP_DIVU: case OP_REM: case OP_REMU: case OP_MULHSU:
	case OP_DIVW: case OP_DIVUW: case OP_REMW: case OP_REMUW:
		return 0;
	}
	if (rd_only(op))
		return 1;
	if (op >= OP_LB && op <= OP_LWU)
		return d->rd != 0;                      /* to x0: the slow path (hart.c) */
	return (op >= OP_BEQ && op <= OP_BGEU) || (op >= OP_SB && op <= OP_SD) ||
	       op == OP_FENCE || op == OP_JAL || op == OP_JALR;
}

/* ---- block code ---- */

struct comp {
	struct em e;
	struct rcache rc;
	const struct hart_block *b;
	size_t start;           /* the block's first instruction */
	/* stubs: a jcc at `at` going to "return k" */
	int nstub;
	struct { size_t at; int k; } stub[2 * HART_BLOCK_MAX + 4];
};

#define OFF_B_PC offsetof(struct hart_block, pc)
#define OFF_B_STAMP offsetof(struct hart_block, stamp)
#define OFF_B_N offsetof(struct hart_block, n)
#define OFF_B_JIT offsetof(struct hart_block, jit)
#define OFF_B_LINK offsetof(struct hart_block, link)
#define OFF_C_CUR offsetof(struct hart_cache, cur)
#define OFF_C_TLBW offsetof(struct hart_cache, tlb_w)
#define OFF_C_INDEX offsetof(struct hart_cache, index)

static void ret_k(struct comp *q, int k)
{
	mov_imm(&q->e, RAX, (uint64_t)k);
	jmp(&q->e, TRAMP_EXIT);
}

static void stub(struct comp *q, size_t at, int k)
{
	q->stub[q->nstub].at = at;
	q->stub[q->nstub++].k = k;
}

/* Enter the block in rdx (a candidate for the block at pc, inc instructions after
 * this block's start) if it is at pc (in rcx), stamped, ends by lim and has
 * code; else fall through. Clobbers rax. */
static void try_enter(struct comp *q, int inc)
{
	struct em *e = &q->e;
	rm(e, 0x39, 1, RCX, RDX, OFF_B_PC);             /* cmp [rdx].pc, rcx */
	size_t j1 = jcc8(e, CC_NE);
	rm(e, 0x8b, 1, RAX, R14, OFF_C_CUR);
	rm(e, 0x39, 1, RAX, RDX, OFF_B_STAMP);
	size_t j2 = jcc8(e, CC_NE);
	rm(e, 0x0fb6, 0, RAX, RDX, OFF_B_N);            /* movzx eax, byte [rdx].n */
	rr(e, 0x01, 1, RAX, R12);                       /* add rax, r12 */
	ri(e, 0, 1, RAX, inc);
	rr(e, 0x39, 1, RAX, R13);                       /* cmp rax, r13 */
	size_t j3 = jcc8(e, CC_A);
	rm(e, 0x8b, 1, RAX, RDX, OFF_B_JIT);
	rr(e, 0x85, 1, RAX, RAX);                       /* test rax, rax */
	size_t j4 = jcc8(e, CC_E);
	ri(e, 0, 1, R12, inc);                          /* base += inc */
	rr(e, 0x89, 1, R15, RDX);                       /* b = rdx */
	b1(e, 0xff); b1(e, 0xe0);                       /* jmp rax */
	patch8(e, j1, e->pos);
	patch8(e, j2, e->pos);
	patch8(e, j3, e->pos);
	patch8(e, j4, e->pos);
}

/* Leave the block to the constant pc `to` after `inc` of its instructions, through
 * the exit's link (slot); if that cannot be entered, return k. */
static void exit_static(struct comp *q, uint64_t to, int slot, int inc, int k)
{
	struct em *e = &q->e;
	if (to == q->b->pc) {           /* to its own start: the budget alone */
		rr(e, 0x89, 1, RAX, R12);
		ri(e, 0, 1, RAX, inc + q->b->n);
		rr(e, 0x39, 1, RAX, R13);
		size_t j = jcc8(e, CC_A);
		ri(e, 0, 1, R12, inc);
		jmp(e, q->start);
		patch8(e, j, e->pos);
		ret_k(q, k);
		return;
	}
	rm(e, 0x8b, 1, RDX, R15, (int32_t)(OFF_B_LINK + 8 * slot));
	mov_imm(e, RCX, to);
	try_enter(q, inc);
	ret_k(q, k);
}

/* Leave to the pc in rcx (jalr): the exit's link, then the index (noting it in
 * the link, as the interpreter does); else return k after `fix` (x[rd]'s old
 * value back, if rd was rs1: the interpreter runs the jalr again). */
static void exit_dynamic(struct comp *q, int slot, int inc, int k, int fix_rd, int fix_reg)
{
	struct em *e = &q->e;
	int32_t link = (int32_t)(OFF_B_LINK + 8 * slot);
	rm(e, 0x8b, 1, RDX, R15, link);
	try_enter(q, inc);
	/* index[HIDX(pc)]: ((pc >> 1) * K) >> 48 */
	rr(e, 0x89, 1, RAX, RCX);
	shi(e, 5, 1, RAX, 1);
	mov_imm(e, RDX, 0x9e3779b97f4a7c15ull);
	rr(e, 0x0faf, 1, RDX, RAX);                     /* imul rax, rdx (reg = rax) */
	shi(e, 5, 1, RAX, 48);
	/* mov rdx, [r14 + rax*8 + index] */
	rex(e, 1, RDX, R14, 0);
	b1(e, 0x8b);
	b1(e, 0x84 | (RDX & 7) << 3);
	b1(e, 3 << 6 | (RAX & 7) << 3 | (R14 & 7));
	b4(e, (uint32_t)OFF_C_INDEX);
	rm(e, 0x39, 1, RCX, RDX, OFF_B_PC);
	size_t j = jcc8(e, CC_NE);
	rm(e, 0x89, 1, RDX, R15, link);                 /* the link: a hint */
	try_enter(q, inc);
	patch8(e, j, e->pos);
	if (fix_rd)
		rm(e, 0x89, 1, fix_reg, RBX, xdisp(fix_rd));
	ret_k(q, k);
}

/* The address of a load/store in rax, its TLB entry's tag checked against the set
 * in rdx (+ the read set: rbp, the write set: the cache's tlb_w); on a miss
 * return k. Then rax = the host address. */
static void tlb_path(struct comp *q, const hart_dinsn *d, int size, int write, int k)
{
	struct em *e = &q->e;
	int a = rc_get(e, &q->rc, d->rs1, -1);
	rm(e, 0x8d, 1, RAX, a, d->imm);                 /* lea rax, [a + imm] */
	rr(e, 0x89, 0, RDX, RAX);                       /* mov edx, eax */
	ri(e, 4, 0, RDX, 0x3ff000);                     /* and edx: the index << 12 */
	shi(e, 5, 0, RDX, 8);                           /* shr edx, 8: index * 16 */
	if (write)
		rm(e, 0x03, 1, RDX, R14, OFF_C_TLBW);   /* add rdx, [c].tlb_w */
	else
		rr(e, 0x01, 1, RDX, RBP);               /* add rdx, rbp */
	rr(e, 0x89, 1, RCX, RAX);
	ri(e, 4, 1, RCX, (int32_t)(~0xfffu | (unsigned)(size - 1)));
	rm(e, 0x3b, 1, RCX, RDX, 0);                    /* cmp rcx, [rdx].tag */
	stub(q, jcc(e, CC_NE, 0), k);
	rm(e, 0x03, 1, RAX, RDX, 8);                    /* add rax, [rdx].addend */
}

/* Emit instruction k (inline). Returns 1 if it ended the block. */
static int emit_insn(struct comp *q, int k)
{
	struct em *e = &q->e;
	struct rcache *rc = &q->rc;
	const hart_dinsn *d = &q->b->insn[k];
	uint64_t pc = q->b->pc + d->pcoff;
	int op = d->op, a, bb;
	int32_t imm = d->imm;

	if (rd_only(op) && d->rd == 0)
		return 0;
	switch (op) {
	case OP_FENCE:
		return 0;
	case OP_LUI:
		mov_imm(e, RAX, (uint64_t)(int64_t)imm);
		break;
	case OP_AUIPC:
		mov_imm(e, RAX, pc + (int64_t)imm);
		break;
	case OP_ADD: case OP_SUB: case OP_XOR: case OP_OR: case OP_AND:
	case OP_ADDW: case OP_SUBW: case OP_MUL: case OP_MULW: {
		static const unsigned o[] = { [OP_ADD] = 0x01, [OP_SUB] = 0x29, [OP_XOR] = 0x31,
			[OP_OR] = 0x09, [OP_AND] = 0x21, [OP_ADDW] = 0x01, [OP_SUBW] = 0x29 };
		int w = !(op == OP_ADDW || op == OP_SUBW || op == OP_MULW);
		a = rc_get(e, rc, d->rs1, -1);
		bb = rc_get(e, rc, d->rs2, a);
		rr(e, 0x89, w, RAX, a);
		if (op == OP_MUL || op == OP_MULW)
			rr(e, 0x0faf, w, bb, RAX);      /* imul rax, bb */
		else
			rr(e, o[op], w, RAX, bb);
		if (!w)
			rr(e, 0x63, 1, RAX, RAX);       /* movsxd rax, eax */
		break;
	}
	case OP_MULH: case OP_MULHU:
		a = rc_get(e, rc, d->rs1, -1);
		bb = rc_get(e, rc, d->rs2, a);
		rr(e, 0x89, 1, RAX, a);
		rex(e, 1, 0, bb, 0);                    /* imul/mul bb: rdx:rax */
		b1(e, 0xf7);
		b1(e, 0xc0 | (op == OP_MULH ? 5 : 4) << 3 | (bb & 7));
		rr(e, 0x89, 1, RAX, RDX);
		break;
	case OP_SLL: case OP_SRL: case OP_SRA: case OP_SLLW: case OP_SRLW: case OP_SRAW: {
		int w = op == OP_SLL || op == OP_SRL || op == OP_SRA;
		int ext = op == OP_SLL || op == OP_SLLW ? 4 : op == OP_SRL || op == OP_SRLW ? 5 : 7;
		a = rc_get(e, rc, d->rs1, -1);
		bb = rc_get(e, rc, d->rs2, a);
		rr(e, 0x89, 0, RCX, bb);                /* x86 masks the count as RISC-V */
		rr(e, 0x89, w, RAX, a);
		shcl(e, ext, w, RAX);
		if (!w)
			rr(e, 0x63, 1, RAX, RAX);
		break;
	}
	case OP_SLT: case OP_SLTU: case OP_SLTI: case OP_SLTIU:
		a = rc_get(e, rc, d->rs1, -1);
		if (op == OP_SLT || op == OP_SLTU)
			bb = rc_get(e, rc, d->rs2, a);
		rr(e, 0x31, 0, RAX, RAX);               /* xor eax, eax */
		if (op == OP_SLT || op == OP_SLTU)
			rr(e, 0x39, 1, a, bb);          /* cmp a, bb */
		else
			ri(e, 7, 1, a, imm);            /* cmp a, imm */
		b1(e, 0x0f);                            /* setl / setb al */
		b1(e, 0x90 + (op == OP_SLT || op == OP_SLTI ? CC_L : CC_B));
		b1(e, 0xc0);
		break;
	case OP_ADDI: case OP_XORI: case OP_ORI: case OP_ANDI: case OP_ADDIW: {
		static const int ext[] = { [OP_ADDI] = 0, [OP_XORI] = 6, [OP_ORI] = 1,
			[OP_ANDI] = 4, [OP_ADDIW] = 0 };
		int w = op != OP_ADDIW;
		a = rc_get(e, rc, d->rs1, -1);
		rr(e, 0x89, w, RAX, a);
		if (imm || op == OP_ANDI)
			ri(e, ext[op], w, RAX, imm);
		if (!w)
			rr(e, 0x63, 1, RAX, RAX);
		break;
	}
	case OP_SLLI: case OP_SRLI: case OP_SRAI: case OP_SLLIW: case OP_SRLIW: case OP_SRAIW: {
		int w = op == OP_SLLI || op == OP_SRLI || op == OP_SRAI;
		int ext = op == OP_SLLI || op == OP_SLLIW ? 4 : op == OP_SRLI || op == OP_SRLIW ? 5 : 7;
		a = rc_get(e, rc, d->rs1, -1);
		rr(e, 0x89, w, RAX, a);
		shi(e, ext, w, RAX, imm & (w ? 63 : 31));
		if (!w)
			rr(e, 0x63, 1, RAX, RAX);
		break;
	}
	case OP_LB: case OP_LH: case OP_LW: case OP_LD: case OP_LBU: case OP_LHU: case OP_LWU: {
		static const int size[] = { [OP_LB] = 1, [OP_LH] = 2, [OP_LW] = 4, [OP_LD] = 8,
			[OP_LBU] = 1, [OP_LHU] = 2, [OP_LWU] = 4 };
		static const unsigned lo[] = { [OP_LB] = 0x0fbe, [OP_LH] = 0x0fbf, [OP_LW] = 0x63,
			[OP_LD] = 0x8b, [OP_LBU] = 0x0fb6, [OP_LHU] = 0x0fb7, [OP_LWU] = 0x8b };
		tlb_path(q, d, size[op], 0, k);
		int w = op == OP_LB || op == OP_LH || op == OP_LW || op == OP_LD;
		rm(e, lo[op], w, RAX, RAX, 0);
		break;
	}
	case OP_SB: case OP_SH: case OP_SW: case OP_SD: {
		int size = op == OP_SB ? 1 : op == OP_SH ? 2 : op == OP_SW ? 4 : 8;
		tlb_path(q, d, size, 1, k);
		bb = rc_get(e, rc, d->rs2, -1);         /* cache registers survive tlb_path */
		if (size == 2)
			b1(e, 0x66);
		rex(e, size == 8, bb, RAX, size == 1);
		b1(e, size == 1 ? 0x88 : 0x89);
		mem(e, bb, RAX, 0);
		return 0;
	}
	case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU: case OP_BGEU: {
		static const int cc[] = { [OP_BEQ] = CC_E, [OP_BNE] = CC_NE, [OP_BLT] = CC_L,
			[OP_BGE] = CC_GE, [OP_BLTU] = CC_B, [OP_BGEU] = CC_AE };
		a = rc_get(e, rc, d->rs1, -1);
		bb = rc_get(e, rc, d->rs2, a);
		rr(e, 0x39, 1, a, bb);
		size_t j = jcc8(e, cc[op] ^ 1);         /* not taken: on */
		exit_static(q, q->b->pc + (int64_t)imm, k, k + 1, k);
		patch8(e, j, e->pos);
		return 0;
	}
	case OP_JAL:
		if (d->rd) {
			mov_imm(e, RAX, pc + d->len);
			rm(e, 0x89, 1, RAX, RBX, xdisp(d->rd));
		}
		exit_static(q, q->b->pc + (int64_t)imm, k, k + 1, k);
		return 1;
	case OP_JALR:
		a = rc_get(e, rc, d->rs1, -1);
		rm(e, 0x8d, 1, RCX, a, imm);            /* lea rcx, [a + imm] */
		ri(e, 4, 1, RCX, -2);
		if (d->rd) {
			mov_imm(e, RAX, pc + d->len);
			rm(e, 0x89, 1, RAX, RBX, xdisp(d->rd));
		}
		exit_dynamic(q, k, k + 1, k, d->rd == d->rs1 ? d->rd : 0, a);
		return 1;
	default:
		return -1;
	}
	rc_set(e, rc, d->rd);
	return 0;
}

static void flush(struct hart *h, const void *hot_label)
{
	struct hart_cache *c = hart_cache(h);
	uint32_t n = c->next_block < HART_NBLOCKS ? c->next_block : HART_NBLOCKS;
	for (uint32_t i = 0; i < n; i++) {
		struct hart_block *b = &c->blocks[i];
		if (b->jit) {
			b->jit = NULL;
			b->insn[0].handler = hot_label;
			b->hot = 0;
		}
	}
	c->jit.used = TRAMP_END;
	c->jit.flushes++;
}

const void *hart_jit_compile(struct hart *h, struct hart_block *b, const void *hot_label)
{
	struct hart_jit_buf *j = &hart_cache(h)->jit;
	if (j->failed || !hart_jit_inline(&b->insn[0]))
		return NULL;
	if (!j->rx && buf_make(j) < 0) {
		j->failed = 1;
		return NULL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		struct comp q;
		memset(&q, 0, sizeof q);
		q.e.buf = j->stage;
		q.e.base = q.e.pos = (j->used + 15) & ~(size_t)15;
		q.e.end = q.e.base + JIT_STAGE <= j->size ? q.e.base + JIT_STAGE : j->size;
		q.b = b;
		q.start = q.e.pos;
		for (int i = 0; i < NCREG; i++)
			q.rc.g[i] = -1;
		int k, ended = 0, full = 0;
		for (k = 0; k < b->n && !ended; k++) {
			if (q.e.pos + JIT_MARGIN > q.e.end)
				full = 1;
			if (full || !hart_jit_inline(&b->insn[k]))
				break;
			ended = emit_insn(&q, k);
		}
		if (!ended) {
			if (k == b->n)  /* the end: on to the next pc through slot BLOCK_MAX */
				exit_static(&q, b->pc + b->nbytes, HART_BLOCK_MAX, b->n, b->n);
			else
				ret_k(&q, k);
		}
		for (int i = 0; i < q.nstub; i++) {
			patch(&q.e, q.stub[i].at, q.e.pos);
			ret_k(&q, q.stub[i].k);
		}
		if (q.e.bad)
			return NULL;
		if (!full && q.e.pos <= q.e.end) {
			size_t len = q.e.pos - q.start;
			if (pwrite(j->fd, j->stage, len, (off_t)q.start) != (ssize_t)len) {
				j->failed = 1;  /* interpret from now on */
				return NULL;
			}
			j->used = q.e.pos;
			j->compiled++;
			return j->rx + q.start;
		}
		flush(h, hot_label);
	}
	return NULL;
}

#else   /* no JIT on this host: --cpu jit interprets */

int hart_jit_available(void)
{
	return 0;
}

int hart_cpu_default(void)
{
	return HART_CPU_INTERP;
}

int hart_jit_inline(const hart_dinsn *d)
{
	(void)d;
	return 0;
}

const void *hart_jit_compile(struct hart *h, struct hart_block *b, const void *hot_label)
{
	(void)h; (void)b; (void)hot_label;
	return NULL;
}

int hart_jit_enter(struct hart *h, const void *code, struct hart_jit_io *io)
{
	(void)h; (void)code; (void)io;
	return 0;
}

void hart_jit_free(struct hart *h)
{
	(void)h;
}
#endif

int hart_cpu_resolve(int cpu)
{
	return cpu == HART_CPU_DEFAULT ? hart_cpu_default() : cpu;
}

const char *hart_cpu_name(int cpu)
{
	return hart_cpu_resolve(cpu) == HART_CPU_JIT && hart_jit_available() ? "jit" : "interp";
}
