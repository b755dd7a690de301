/* check_hart: unit tests of the RV64GC hart. Each test assembles a few
 * instructions by hand into a RAM buffer mapped with physmem, runs hart_run on
 * them with an exact budget and checks registers, memory, CSRs and traps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "emu/hart.h"
#include "emu/physmem.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4u << 20)
#define DEV_BASE 0x10000000ull
#define TVEC     0x80001000ull      /* M trap vector (never executed unless a test says so) */
#define STVEC    0x80001800ull
#define DATA     0x80100000ull
#define PT_BASE  0x80200000ull

static uint8_t *ram;
static struct physmem pm;
static struct hart *h;
static uint64_t asm_pc;             /* where emit() puts the next instruction */
static uint64_t fake_mtime;

/* ---- a tiny MMIO device: records writes, reads return a counter ---- */
static struct {
	uint64_t last_off, last_val, seen_pc, seen_instret;
	int writes, stop_on_write;
	uint64_t dma_pa;                /* if set: a write stores dma_insn there (a DMA) */
	uint32_t dma_insn;
} dev;

static uint64_t dev_read(void *o, uint64_t off, int size)
{
	dev.seen_pc = h->s.pc;
	dev.seen_instret = h->s.instret;
	return 0x1234 + off;
}

static void dev_write(void *o, uint64_t off, uint64_t val, int size)
{
	dev.last_off = off;
	dev.last_val = val;
	dev.writes++;
	dev.seen_pc = h->s.pc;
	dev.seen_instret = h->s.instret;
	if (dev.stop_on_write)
		h->stop = 1;
	if (dev.dma_pa)
		memcpy(ram + (dev.dma_pa - RAM_BASE), &dev.dma_insn, 4);
}

static uint64_t get_mtime(void *o)
{
	return fake_mtime;
}

static void setup(void)
{
	ram = calloc(1, RAM_SIZE);
	physmem_init(&pm);
	ck_assert_int_eq(physmem_add_ram(&pm, RAM_BASE, RAM_SIZE, ram, 0, "ram"), 0);
	ck_assert_int_eq(physmem_add_device(&pm, DEV_BASE, 0x1000, NULL, dev_read, dev_write, "dev"), 0);
	h = calloc(1, sizeof *h);
	hart_init(h, 0, &pm);
	/* RRKIT_CPU=jit: the whole suite on the JIT, every block compiled at once */
	const char *cpu = getenv("RRKIT_CPU");
	if (cpu && strcmp(cpu, "jit") == 0) {
		h->cpu = HART_CPU_JIT;
		h->jit_hot = 1;
	}
	hart_reset(h, RAM_BASE);
	h->get_mtime = get_mtime;
	h->s.mtvec = TVEC;
	h->s.stvec = STVEC;
	asm_pc = RAM_BASE;
	memset(&dev, 0, sizeof dev);
	fake_mtime = 0;
}

static void teardown(void)
{
	hart_fini(h);
	free(h);
	free(ram);
}

/* A pointer into RAM for the test to write through, behind physmem's back: tell
 * the harts (physmem_ram_changed), as a device handing out a DMA pointer would. */
static uint8_t *host(uint64_t pa)
{
	physmem_ram_changed(&pm);
	return ram + (pa - RAM_BASE);
}

static uint64_t rd64(uint64_t pa)
{
	uint64_t v;
	memcpy(&v, host(pa), 8);
	return v;
}

static void wr64(uint64_t pa, uint64_t v)
{
	memcpy(host(pa), &v, 8);
}

static uint32_t rd32(uint64_t pa)
{
	uint32_t v;
	memcpy(&v, host(pa), 4);
	return v;
}

static void emit(uint32_t insn)
{
	memcpy(host(asm_pc), &insn, 4);
	asm_pc += 4;
}

static void emit16(uint16_t insn)
{
	memcpy(host(asm_pc), &insn, 2);
	asm_pc += 2;
}

static void org(uint64_t pc)
{
	asm_pc = pc;
}

static uint64_t csr(int n)
{
	uint64_t v = 0;
	ck_assert_int_eq(hart_csr_read(h, n, &v), 0);
	return v;
}

/* ---- encoders ---- */
static uint32_t enc_r(int f7, int rs2, int rs1, int f3, int rd, int opc)
{
	return (uint32_t)f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static uint32_t enc_i(int32_t imm, int rs1, int f3, int rd, int opc)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static uint32_t enc_s(int32_t imm, int rs2, int rs1, int f3, int opc)
{
	uint32_t u = imm;
	return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 31) << 7 | opc;
}
static uint32_t enc_b(int32_t imm, int rs2, int rs1, int f3)
{
	uint32_t u = imm;
	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	       ((u >> 1) & 15) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
static uint32_t enc_u(int32_t imm, int rd, int opc)
{
	return ((uint32_t)imm & 0xfffff000u) | rd << 7 | opc;
}
static uint32_t enc_j(int32_t imm, int rd)
{
	uint32_t u = imm;
	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

enum { ZERO, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5, A6, A7 };

#define LUI(rd, imm)        enc_u(imm, rd, 0x37)
#define AUIPC(rd, imm)      enc_u(imm, rd, 0x17)
#define JAL(rd, off)        enc_j(off, rd)
#define JALR(rd, rs1, off)  enc_i(off, rs1, 0, rd, 0x67)
#define BEQ(a, b, off)      enc_b(off, b, a, 0)
#define BNE(a, b, off)      enc_b(off, b, a, 1)
#define BLT(a, b, off)      enc_b(off, b, a, 4)
#define BGE(a, b, off)      enc_b(off, b, a, 5)
#define BLTU(a, b, off)     enc_b(off, b, a, 6)
#define BGEU(a, b, off)     enc_b(off, b, a, 7)
#define LB(rd, rs1, off)    enc_i(off, rs1, 0, rd, 0x03)
#define LH(rd, rs1, off)    enc_i(off, rs1, 1, rd, 0x03)
#define LW(rd, rs1, off)    enc_i(off, rs1, 2, rd, 0x03)
#define LD(rd, rs1, off)    enc_i(off, rs1, 3, rd, 0x03)
#define LBU(rd, rs1, off)   enc_i(off, rs1, 4, rd, 0x03)
#define LHU(rd, rs1, off)   enc_i(off, rs1, 5, rd, 0x03)
#define LWU(rd, rs1, off)   enc_i(off, rs1, 6, rd, 0x03)
#define SB(rs2, rs1, off)   enc_s(off, rs2, rs1, 0, 0x23)
#define SH(rs2, rs1, off)   enc_s(off, rs2, rs1, 1, 0x23)
#define SW(rs2, rs1, off)   enc_s(off, rs2, rs1, 2, 0x23)
#define SD(rs2, rs1, off)   enc_s(off, rs2, rs1, 3, 0x23)
#define ADDI(rd, rs1, imm)  enc_i(imm, rs1, 0, rd, 0x13)
#define SLTI(rd, rs1, imm)  enc_i(imm, rs1, 2, rd, 0x13)
#define SLTIU(rd, rs1, imm) enc_i(imm, rs1, 3, rd, 0x13)
#define XORI(rd, rs1, imm)  enc_i(imm, rs1, 4, rd, 0x13)
#define ORI(rd, rs1, imm)   enc_i(imm, rs1, 6, rd, 0x13)
#define ANDI(rd, rs1, imm)  enc_i(imm, rs1, 7, rd, 0x13)
#define SLLI(rd, rs1, sh)   enc_i(sh, rs1, 1, rd, 0x13)
#define SRLI(rd, rs1, sh)   enc_i(sh, rs1, 5, rd, 0x13)
#define SRAI(rd, rs1, sh)   enc_i(0x400 | (sh), rs1, 5, rd, 0x13)
#define ADDIW(rd, rs1, imm) enc_i(imm, rs1, 0, rd, 0x1b)
#define SLLIW(rd, rs1, sh)  enc_i(sh, rs1, 1, rd, 0x1b)
#define SRLIW(rd, rs1, sh)  enc_i(sh, rs1, 5, rd, 0x1b)
#define SRAIW(rd, rs1, sh)  enc_i(0x400 | (sh), rs1, 5, rd, 0x1b)
#define ROP(f7, f3, rd, a, b) enc_r(f7, b, a, f3, rd, 0x33)
#define ROPW(f7, f3, rd, a, b) enc_r(f7, b, a, f3, rd, 0x3b)
#define ADD(rd, a, b)  ROP(0, 0, rd, a, b)
#define SUB(rd, a, b)  ROP(0x20, 0, rd, a, b)
#define SLL(rd, a, b)  ROP(0, 1, rd, a, b)
#define SLT(rd, a, b)  ROP(0, 2, rd, a, b)
#define SLTU(rd, a, b) ROP(0, 3, rd, a, b)
#define XOR(rd, a, b)  ROP(0, 4, rd, a, b)
#define SRL(rd, a, b)  ROP(0, 5, rd, a, b)
#define SRA(rd, a, b)  ROP(0x20, 5, rd, a, b)
#define OR(rd, a, b)   ROP(0, 6, rd, a, b)
#define AND(rd, a, b)  ROP(0, 7, rd, a, b)
#define MUL(rd, a, b)    ROP(1, 0, rd, a, b)
#define MULH(rd, a, b)   ROP(1, 1, rd, a, b)
#define MULHSU(rd, a, b) ROP(1, 2, rd, a, b)
#define MULHU(rd, a, b)  ROP(1, 3, rd, a, b)
#define DIV(rd, a, b)    ROP(1, 4, rd, a, b)
#define DIVU(rd, a, b)   ROP(1, 5, rd, a, b)
#define REM(rd, a, b)    ROP(1, 6, rd, a, b)
#define REMU(rd, a, b)   ROP(1, 7, rd, a, b)
#define ADDW(rd, a, b)   ROPW(0, 0, rd, a, b)
#define SUBW(rd, a, b)   ROPW(0x20, 0, rd, a, b)
#define SLLW(rd, a, b)   ROPW(0, 1, rd, a, b)
#define SRLW(rd, a, b)   ROPW(0, 5, rd, a, b)
#define SRAW(rd, a, b)   ROPW(0x20, 5, rd, a, b)
#define MULW(rd, a, b)   ROPW(1, 0, rd, a, b)
#define DIVW(rd, a, b)   ROPW(1, 4, rd, a, b)
#define DIVUW(rd, a, b)  ROPW(1, 5, rd, a, b)
#define REMW(rd, a, b)   ROPW(1, 6, rd, a, b)
#define REMUW(rd, a, b)  ROPW(1, 7, rd, a, b)
#define CSRRW(rd, c, rs1)  enc_i(c, rs1, 1, rd, 0x73)
#define CSRRS(rd, c, rs1)  enc_i(c, rs1, 2, rd, 0x73)
#define CSRRC(rd, c, rs1)  enc_i(c, rs1, 3, rd, 0x73)
#define CSRRWI(rd, c, u)   enc_i(c, u, 5, rd, 0x73)
#define CSRRSI(rd, c, u)   enc_i(c, u, 6, rd, 0x73)
#define CSRRCI(rd, c, u)   enc_i(c, u, 7, rd, 0x73)
#define ECALL  0x00000073u
#define EBREAK 0x00100073u
#define MRET   0x30200073u
#define SRET   0x10200073u
#define WFI    0x10500073u
#define FENCE  0x0ff0000fu
#define FENCE_I 0x0000100fu
#define NOP    ADDI(0, 0, 0)
#define SFENCE_VMA(a, b) enc_r(9, b, a, 0, 0, 0x73)
#define AMO(f5, f3, rd, rs1, rs2) enc_r((f5) << 2, rs2, rs1, f3, rd, 0x2f)
#define LR_W(rd, a)        AMO(0x02, 2, rd, a, 0)
#define LR_D(rd, a)        AMO(0x02, 3, rd, a, 0)
#define SC_W(rd, a, b)     AMO(0x03, 2, rd, a, b)
#define SC_D(rd, a, b)     AMO(0x03, 3, rd, a, b)
#define FLW(rd, rs1, off)  enc_i(off, rs1, 2, rd, 0x07)
#define FLD(rd, rs1, off)  enc_i(off, rs1, 3, rd, 0x07)
#define FSW(rs2, rs1, off) enc_s(off, rs2, rs1, 2, 0x27)
#define FSD(rs2, rs1, off) enc_s(off, rs2, rs1, 3, 0x27)
#define FOP(f7, rm, rd, a, b) enc_r(f7, b, a, rm, rd, 0x53)
#define FADD_S(rd, a, b, rm) FOP(0x00, rm, rd, a, b)
#define FADD_D(rd, a, b, rm) FOP(0x01, rm, rd, a, b)
#define FDIV_S(rd, a, b, rm) FOP(0x0c, rm, rd, a, b)
#define FSGNJ_S(rd, a, b)    FOP(0x10, 0, rd, a, b)
#define FSGNJN_D(rd, a, b)   FOP(0x11, 1, rd, a, b)
#define FEQ_S(rd, a, b)      FOP(0x50, 2, rd, a, b)
#define FCVT_W_S(rd, a, rm)  FOP(0x60, rm, rd, a, 0)
#define FCVT_WU_D(rd, a, rm) FOP(0x61, rm, rd, a, 1)
#define FCVT_D_S(rd, a, rm)  FOP(0x21, rm, rd, a, 0)
#define FCVT_S_L(rd, a, rm)  FOP(0x68, rm, rd, a, 2)
#define FMV_X_W(rd, a)       FOP(0x70, 0, rd, a, 0)
#define FMV_W_X(rd, a)       FOP(0x78, 0, rd, a, 0)
#define FMV_D_X(rd, a)       FOP(0x79, 0, rd, a, 0)
#define FCLASS_S(rd, a)      FOP(0x70, 1, rd, a, 0)
#define FMADD_D(rd, a, b, c, rm) ((uint32_t)(c) << 27 | 1u << 25 | (b) << 20 | (a) << 15 | (rm) << 12 | (rd) << 7 | 0x43)

/* compressed encoders */
static uint16_t c_li(int rd, int imm) { return 2 << 13 | ((imm >> 5) & 1) << 12 | rd << 7 | (imm & 31) << 2 | 1; }
static uint16_t c_addi(int rd, int imm) { return ((imm >> 5) & 1) << 12 | rd << 7 | (imm & 31) << 2 | 1; }
static uint16_t c_addiw(int rd, int imm) { return 1 << 13 | ((imm >> 5) & 1) << 12 | rd << 7 | (imm & 31) << 2 | 1; }
static uint16_t c_mv(int rd, int rs2) { return 4 << 13 | rd << 7 | rs2 << 2 | 2; }
static uint16_t c_add(int rd, int rs2) { return 4 << 13 | 1 << 12 | rd << 7 | rs2 << 2 | 2; }
static uint16_t c_lw(int rd, int rs1, int off)
{
	return 2 << 13 | ((off >> 3) & 7) << 10 | (rs1 - 8) << 7 | ((off >> 2) & 1) << 6 |
	       ((off >> 6) & 1) << 5 | (rd - 8) << 2;
}
static uint16_t c_ld(int rd, int rs1, int off)
{
	return 3 << 13 | ((off >> 3) & 7) << 10 | (rs1 - 8) << 7 | ((off >> 6) & 3) << 5 | (rd - 8) << 2;
}
static uint16_t c_sw(int rs2, int rs1, int off)
{
	return 6 << 13 | ((off >> 3) & 7) << 10 | (rs1 - 8) << 7 | ((off >> 2) & 1) << 6 |
	       ((off >> 6) & 1) << 5 | (rs2 - 8) << 2;
}
static uint16_t c_sd(int rs2, int rs1, int off)
{
	return 7 << 13 | ((off >> 3) & 7) << 10 | (rs1 - 8) << 7 | ((off >> 6) & 3) << 5 | (rs2 - 8) << 2;
}
static uint16_t c_lwsp(int rd, int off)
{
	return 2 << 13 | ((off >> 5) & 1) << 12 | rd << 7 | ((off >> 2) & 7) << 4 | ((off >> 6) & 3) << 2 | 2;
}
static uint16_t c_ldsp(int rd, int off)
{
	return 3 << 13 | ((off >> 5) & 1) << 12 | rd << 7 | ((off >> 3) & 3) << 5 | ((off >> 6) & 7) << 2 | 2;
}
static uint16_t c_swsp(int rs2, int off)
{
	return 6 << 13 | ((off >> 2) & 15) << 9 | ((off >> 6) & 3) << 7 | rs2 << 2 | 2;
}
static uint16_t c_sdsp(int rs2, int off)
{
	return 7 << 13 | ((off >> 3) & 7) << 10 | ((off >> 6) & 7) << 7 | rs2 << 2 | 2;
}
static uint16_t c_addi4spn(int rd, int imm)
{
	return ((imm >> 4) & 3) << 11 | ((imm >> 6) & 15) << 7 | ((imm >> 2) & 1) << 6 |
	       ((imm >> 3) & 1) << 5 | (rd - 8) << 2;
}
static uint16_t c_addi16sp(int imm)
{
	return 3 << 13 | ((imm >> 9) & 1) << 12 | 2 << 7 | ((imm >> 4) & 1) << 6 | ((imm >> 6) & 1) << 5 |
	       ((imm >> 7) & 3) << 3 | ((imm >> 5) & 1) << 2 | 1;
}
static uint16_t c_lui(int rd, int imm20) /* imm20 = the value's bits 17:12, sign-extended */
{
	return 3 << 13 | ((imm20 >> 5) & 1) << 12 | rd << 7 | (imm20 & 31) << 2 | 1;
}
static uint16_t c_alu(int f2, int rd, int sh) /* c.srli (0), c.srai (1), c.andi (2) */
{
	return 4 << 13 | ((sh >> 5) & 1) << 12 | f2 << 10 | (rd - 8) << 7 | (sh & 31) << 2 | 1;
}
static uint16_t c_arith(int w, int f, int rd, int rs2) /* sub xor or and / subw addw */
{
	return 4 << 13 | w << 12 | 3 << 10 | (rd - 8) << 7 | f << 5 | (rs2 - 8) << 2 | 1;
}
static uint16_t c_slli(int rd, int sh) { return ((sh >> 5) & 1) << 12 | rd << 7 | (sh & 31) << 2 | 2; }
static uint16_t c_jr(int rs1) { return 4 << 13 | rs1 << 7 | 2; }
static uint16_t c_jalr(int rs1) { return 4 << 13 | 1 << 12 | rs1 << 7 | 2; }
static uint16_t c_j(int off)
{
	uint32_t u = off;
	return 5 << 13 | ((u >> 11) & 1) << 12 | ((u >> 4) & 1) << 11 | ((u >> 8) & 3) << 9 |
	       ((u >> 10) & 1) << 8 | ((u >> 6) & 1) << 7 | ((u >> 7) & 1) << 6 | ((u >> 1) & 7) << 3 |
	       ((u >> 5) & 1) << 2 | 1;
}
static uint16_t c_bz(int ne, int rs1, int off)
{
	uint32_t u = off;
	return (6 + ne) << 13 | ((u >> 8) & 1) << 12 | ((u >> 3) & 3) << 10 | (rs1 - 8) << 7 |
	       ((u >> 6) & 3) << 5 | ((u >> 1) & 3) << 3 | ((u >> 5) & 1) << 2 | 1;
}

/* Run exactly n instructions; they must all complete (HART_EXIT_BUDGET). */
static void run(uint64_t n)
{
	ck_assert_int_eq(hart_run(h, n), HART_EXIT_BUDGET);
}

/* Enter privilege p directly (the state is plain data; caches are rebuilt). */
static void set_priv(int p)
{
	h->s.priv = p;
	hart_flush_caches(h);
}

/* ---- encoders agree with the GNU assembler ---- */
START_TEST(test_encoders)
{
	/* reference encodings from riscv64-unknown-elf-as -march=rv64gc */
	ck_assert_uint_eq(c_li(A0, -3), 0x5575);
	ck_assert_uint_eq(c_addi(A1, 5), 0x0595);
	ck_assert_uint_eq(c_addiw(A2, -1), 0x367d);
	ck_assert_uint_eq(c_mv(A3, A4), 0x86ba);
	ck_assert_uint_eq(c_add(A3, A5), 0x96be);
	ck_assert_uint_eq(c_lw(A0, A1, 4), 0x41c8);
	ck_assert_uint_eq(c_ld(A2, A3, 16), 0x6a90);
	ck_assert_uint_eq(c_sw(A4, A5, 8), 0xc798);
	ck_assert_uint_eq(c_sd(A0, S1, 248), 0xfce8);
	ck_assert_uint_eq(c_lwsp(A0, 12), 0x4532);
	ck_assert_uint_eq(c_ldsp(A1, 504), 0x75fe);
	ck_assert_uint_eq(c_swsp(A2, 60), 0xde32);
	ck_assert_uint_eq(c_sdsp(A3, 256), 0xe236);
	ck_assert_uint_eq(c_addi4spn(A0, 1020), 0x1fe8);
	ck_assert_uint_eq(c_addi16sp(-512), 0x7101);
	ck_assert_uint_eq(c_lui(A5, 0x21 - 64), 0x7785);
	ck_assert_uint_eq(c_alu(0, A0, 33), 0x9105);
	ck_assert_uint_eq(c_alu(1, A1, 3), 0x858d);
	ck_assert_uint_eq(c_alu(2, A2, -7), 0x9a65);
	ck_assert_uint_eq(c_arith(0, 0, A0, A1), 0x8d0d);
	ck_assert_uint_eq(c_arith(0, 1, A2, A3), 0x8e35);
	ck_assert_uint_eq(c_arith(0, 2, S0, S1), 0x8c45);
	ck_assert_uint_eq(c_arith(0, 3, A4, A5), 0x8f7d);
	ck_assert_uint_eq(c_arith(1, 0, A0, A5), 0x9d1d);
	ck_assert_uint_eq(c_arith(1, 1, A1, A4), 0x9db9);
	ck_assert_uint_eq(c_slli(T0, 63), 0x12fe);
	ck_assert_uint_eq(c_jr(T1), 0x8302);
	ck_assert_uint_eq(c_jalr(T2), 0x9382);
	ck_assert_uint_eq(c_j(0x4ba), 0xa96d);
	ck_assert_uint_eq(c_bz(1, S1, -6), 0xfced);
	ck_assert_uint_eq(BEQ(A0, 0, 0x3ee), 0x3e050763);
}
END_TEST

/* ---- integer ---- */
START_TEST(test_alu)
{
	h->s.x[A0] = 0x123456789abcdef0ull;
	h->s.x[A1] = 0xfedcba9876543210ull;
	h->s.x[A2] = 68;     /* shift amounts use the low 6 (5 for W) bits */
	emit(ADD(T0, A0, A1));
	emit(SUB(T1, A0, A1));
	emit(SLL(T2, A0, A2));
	emit(SRL(S0, A1, A2));
	emit(SRA(S1, A1, A2));
	emit(SLT(A3, A1, A0));
	emit(SLTU(A4, A1, A0));
	emit(XOR(A5, A0, A1));
	emit(OR(A6, A0, A1));
	emit(AND(A7, A0, A1));
	run(10);
	ck_assert_uint_eq(h->s.x[T0], 0x123456789abcdef0ull + 0xfedcba9876543210ull);
	ck_assert_uint_eq(h->s.x[T1], 0x123456789abcdef0ull - 0xfedcba9876543210ull);
	ck_assert_uint_eq(h->s.x[T2], 0x123456789abcdef0ull << 4);
	ck_assert_uint_eq(h->s.x[S0], 0xfedcba9876543210ull >> 4);
	ck_assert_uint_eq(h->s.x[S1], 0xffedcba987654321ull);
	ck_assert_uint_eq(h->s.x[A3], 1);
	ck_assert_uint_eq(h->s.x[A4], 0);
	ck_assert_uint_eq(h->s.x[A5], 0x123456789abcdef0ull ^ 0xfedcba9876543210ull);
	ck_assert_uint_eq(h->s.x[A6], 0x123456789abcdef0ull | 0xfedcba9876543210ull);
	ck_assert_uint_eq(h->s.x[A7], 0x123456789abcdef0ull & 0xfedcba9876543210ull);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 40);
	ck_assert_uint_eq(h->s.instret, 10);

	org(RAM_BASE + 0x100);
	h->s.pc = RAM_BASE + 0x100;
	emit(ADDI(T0, A0, -1));
	emit(SLTI(T1, A1, -1));
	emit(SLTIU(T2, A0, -1));        /* -1 is the largest unsigned value */
	emit(XORI(S0, A0, -1));
	emit(ORI(S1, ZERO, 0x7ff));
	emit(ANDI(A3, A0, 0xf0));
	emit(SLLI(A4, A0, 63));
	emit(SRLI(A5, A1, 63));
	emit(SRAI(A6, A1, 60));
	emit(LUI(A7, 0x80000000));      /* sign-extends */
	emit(AUIPC(A2, 0x1000));
	run(11);
	ck_assert_uint_eq(h->s.x[T0], 0x123456789abcdeefull);
	ck_assert_uint_eq(h->s.x[T1], 1);
	ck_assert_uint_eq(h->s.x[T2], 1);
	ck_assert_uint_eq(h->s.x[S0], ~0x123456789abcdef0ull);
	ck_assert_uint_eq(h->s.x[S1], 0x7ff);
	ck_assert_uint_eq(h->s.x[A3], 0xf0);
	ck_assert_uint_eq(h->s.x[A4], 0);
	ck_assert_uint_eq(h->s.x[A5], 1);
	ck_assert_uint_eq(h->s.x[A6], ~0ull);
	ck_assert_uint_eq(h->s.x[A7], 0xffffffff80000000ull);
	ck_assert_uint_eq(h->s.x[A2], RAM_BASE + 0x100 + 40 + 0x1000);

	/* word ops sign-extend their 32-bit results; x0 stays zero */
	org(RAM_BASE + 0x200);
	h->s.pc = RAM_BASE + 0x200;
	h->s.x[A0] = 0x7fffffff;
	h->s.x[A1] = 0xffffffff00000001ull;
	h->s.x[A2] = 33;
	emit(ADDIW(T0, A0, 1));
	emit(ADDW(T1, A0, A1));
	emit(SUBW(T2, ZERO, A1));
	emit(SLLW(S0, A1, A2));         /* shift by 33 & 31 = 1 */
	emit(SRLW(S1, A0, A2));
	emit(SRAW(A3, T0, A2));
	emit(SLLIW(A4, A0, 31));
	emit(SRLIW(A5, T0, 31));
	emit(SRAIW(A6, T0, 31));
	emit(ADDI(ZERO, A0, 5));
	run(10);
	ck_assert_uint_eq(h->s.x[T0], 0xffffffff80000000ull);
	ck_assert_uint_eq(h->s.x[T1], 0xffffffff80000000ull);
	ck_assert_uint_eq(h->s.x[T2], ~0ull);
	ck_assert_uint_eq(h->s.x[S0], 2);
	ck_assert_uint_eq(h->s.x[S1], 0x3fffffff);
	ck_assert_uint_eq(h->s.x[A3], 0xffffffffc0000000ull);
	ck_assert_uint_eq(h->s.x[A4], 0xffffffff80000000ull);
	ck_assert_uint_eq(h->s.x[A5], 1);
	ck_assert_uint_eq(h->s.x[A6], ~0ull);
	ck_assert_uint_eq(h->s.x[ZERO], 0);
}
END_TEST

START_TEST(test_muldiv)
{
	const uint64_t m = 0x8000000000000000ull;
	struct { uint32_t insn; uint64_t a, b, want; } t[] = {
		{ MUL(A2, A0, A1), 7, (uint64_t)-3, (uint64_t)-21 },
		{ MULH(A2, A0, A1), m, m, 0x4000000000000000ull },
		{ MULH(A2, A0, A1), (uint64_t)-1, 5, ~0ull },
		{ MULHSU(A2, A0, A1), (uint64_t)-1, ~0ull, ~0ull },
		{ MULHU(A2, A0, A1), ~0ull, ~0ull, ~1ull },
		{ DIV(A2, A0, A1), (uint64_t)-7, 2, (uint64_t)-3 },
		{ DIV(A2, A0, A1), 5, 0, ~0ull },
		{ DIV(A2, A0, A1), m, ~0ull, m },
		{ DIVU(A2, A0, A1), 5, 0, ~0ull },
		{ DIVU(A2, A0, A1), ~0ull, 2, 0x7fffffffffffffffull },
		{ REM(A2, A0, A1), (uint64_t)-7, 2, (uint64_t)-1 },
		{ REM(A2, A0, A1), 9, 0, 9 },
		{ REM(A2, A0, A1), m, ~0ull, 0 },
		{ REMU(A2, A0, A1), 9, 0, 9 },
		{ REMU(A2, A0, A1), ~0ull, 10, 5 },
		{ MULW(A2, A0, A1), 0x10000, 0x10000, 0 },
		{ MULW(A2, A0, A1), 0x7fffffff, 2, 0xfffffffffffffffeull },
		{ DIVW(A2, A0, A1), 0x80000000, ~0ull, 0xffffffff80000000ull },
		{ DIVW(A2, A0, A1), 7, 0, ~0ull },
		{ DIVUW(A2, A0, A1), 0xfffffffe, 0, ~0ull },
		{ DIVUW(A2, A0, A1), 0xffffffff, 1, ~0ull },
		{ REMW(A2, A0, A1), 0x80000000, ~0ull, 0 },
		{ REMW(A2, A0, A1), 0x8000000f, 0, 0xffffffff8000000full },
		{ REMUW(A2, A0, A1), 0x80000007, 0x10, 7 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		h->s.pc = RAM_BASE;
		org(RAM_BASE);
		emit(t[i].insn);
		h->s.x[A0] = t[i].a;
		h->s.x[A1] = t[i].b;
		run(1);
		ck_assert_msg(h->s.x[A2] == t[i].want, "case %zu: got %#llx want %#llx", i,
			      (unsigned long long)h->s.x[A2], (unsigned long long)t[i].want);
	}
}
END_TEST

START_TEST(test_branches_jumps)
{
	struct { uint32_t insn; uint64_t a, b; int taken; } t[] = {
		{ BEQ(A0, A1, 16), 3, 3, 1 }, { BEQ(A0, A1, 16), 3, 4, 0 },
		{ BNE(A0, A1, 16), 3, 4, 1 }, { BNE(A0, A1, 16), 3, 3, 0 },
		{ BLT(A0, A1, 16), (uint64_t)-1, 0, 1 }, { BLT(A0, A1, 16), 0, (uint64_t)-1, 0 },
		{ BGE(A0, A1, 16), 5, 5, 1 }, { BGE(A0, A1, 16), (uint64_t)-5, 5, 0 },
		{ BLTU(A0, A1, 16), 0, (uint64_t)-1, 1 }, { BLTU(A0, A1, 16), (uint64_t)-1, 0, 0 },
		{ BGEU(A0, A1, 16), (uint64_t)-1, 0, 1 }, { BGEU(A0, A1, 16), 1, 2, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		h->s.pc = RAM_BASE + 0x100;
		org(RAM_BASE + 0x100);
		emit(t[i].insn);
		h->s.x[A0] = t[i].a;
		h->s.x[A1] = t[i].b;
		run(1);
		ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x100 + (t[i].taken ? 16 : 4));
	}
	/* backward branch, jal, jalr (clears bit 0, rd == rs1) */
	org(RAM_BASE + 0x200);
	h->s.pc = RAM_BASE + 0x200;
	emit(JAL(RA, -0x100));
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x100);
	ck_assert_uint_eq(h->s.x[RA], RAM_BASE + 0x204);
	org(RAM_BASE + 0x100);
	h->s.x[T0] = RAM_BASE + 0x301;
	emit(JALR(T0, T0, 2));
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x302);
	ck_assert_uint_eq(h->s.x[T0], RAM_BASE + 0x104);
}
END_TEST

START_TEST(test_loads_stores)
{
	wr64(DATA, 0x8877665544332211ull);
	wr64(DATA + 8, 0xffeeddccbbaa9988ull);
	h->s.x[A0] = DATA;
	emit(LB(T0, A0, 7));
	emit(LBU(T1, A0, 7));
	emit(LH(T2, A0, 6));
	emit(LHU(S0, A0, 6));
	emit(LW(S1, A0, 4));
	emit(LWU(A1, A0, 4));
	emit(LD(A2, A0, 0));
	emit(LD(A3, A0, 3));        /* misaligned: done in hardware, as QEMU */
	emit(SB(A2, A0, 16));
	emit(SH(A2, A0, 20));
	emit(SW(A2, A0, 24));
	emit(SD(A2, A0, 33));       /* misaligned store */
	run(12);
	ck_assert_uint_eq(h->s.x[T0], 0xffffffffffffff88ull);
	ck_assert_uint_eq(h->s.x[T1], 0x88);
	ck_assert_uint_eq(h->s.x[T2], 0xffffffffffff8877ull);
	ck_assert_uint_eq(h->s.x[S0], 0x8877);
	ck_assert_uint_eq(h->s.x[S1], 0xffffffff88776655ull);
	ck_assert_uint_eq(h->s.x[A1], 0x88776655);
	ck_assert_uint_eq(h->s.x[A2], 0x8877665544332211ull);
	ck_assert_uint_eq(h->s.x[A3], 0xaa99888877665544ull);
	ck_assert_uint_eq(rd64(DATA + 16), 0x0000221100000011ull);
	ck_assert_uint_eq(rd32(DATA + 24), 0x44332211);
	ck_assert_uint_eq(rd64(DATA + 33), 0x8877665544332211ull);
	ck_assert_uint_eq(h->s.instret, 12);

	/* an access that crosses a page boundary inside RAM */
	wr64(DATA + 0xffc, 0x0706050403020100ull);
	h->s.x[A0] = DATA + 0xffc;
	h->s.x[A1] = 0x1122334455667788ull;
	org(RAM_BASE + 0x100);
	h->s.pc = RAM_BASE + 0x100;
	emit(LD(T0, A0, 0));
	emit(SD(A1, A0, 1));
	run(2);
	ck_assert_uint_eq(h->s.x[T0], 0x0706050403020100ull);
	ck_assert_uint_eq(rd64(DATA + 0xffd), 0x1122334455667788ull);

	/* unmapped physical memory: access faults with tval = address */
	h->s.x[A0] = 0x1000000000ull;
	emit(LD(T0, A0, 8));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 5);
	ck_assert_uint_eq(h->s.mtval, 0x1000000008ull);
	ck_assert_uint_eq(h->s.mepc, RAM_BASE + 0x108);
	ck_assert_uint_eq(h->s.pc, TVEC);
	h->s.pc = RAM_BASE + 0x10c;
	emit(SW(A1, A0, -4));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 7);
	ck_assert_uint_eq(h->s.mtval, 0x1000000000ull - 4);
}
END_TEST

START_TEST(test_mmio)
{
	h->s.x[A0] = DEV_BASE;
	h->s.x[A1] = 0xabcdef;
	emit(NOP);
	emit(SW(A1, A0, 0x10));
	emit(LW(T0, A0, 0x20));
	emit(NOP);
	run(3);
	ck_assert_int_eq(dev.writes, 1);
	ck_assert_uint_eq(dev.last_off, 0x10);
	ck_assert_uint_eq(dev.last_val, 0xabcdef);
	ck_assert_uint_eq(h->s.x[T0], 0x1234 + 0x20);
	/* the callback saw the architectural pc and instret of the accessing insn */
	ck_assert_uint_eq(dev.seen_pc, RAM_BASE + 8);
	ck_assert_uint_eq(dev.seen_instret, 2);

	/* a callback that sets stop ends the run after that instruction */
	dev.stop_on_write = 1;
	h->s.pc = RAM_BASE;
	uint64_t before = h->s.instret;
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_STOP);
	ck_assert_uint_eq(h->s.instret - before, 2);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 8);
	h->stop = 0;

	/* a stop already requested at entry ends the run after one instruction */
	h->s.pc = RAM_BASE;
	h->stop = 1;
	before = h->s.instret;
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_STOP);
	ck_assert_uint_eq(h->s.instret - before, 1);
	h->stop = 0;

	/* no execution from a device */
	h->s.pc = DEV_BASE;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 1);
	ck_assert_uint_eq(h->s.mtval, DEV_BASE);
}
END_TEST

START_TEST(test_compressed)
{
	h->s.x[SP] = DATA + 0x800;
	h->s.x[S0] = DATA;
	wr64(DATA + 16, 0x1122334455667788ull);
	wr64(DATA + 0x800 + 504, 0xdeadbeefcafef00dull);
	wr64(DATA + 0x800 + 248, 0x00000000cafef00dull);
	emit16(c_li(A0, -3));            /* a0 = -3 */
	emit16(c_addi(A0, 10));          /* a0 = 7 */
	emit16(c_addiw(A0, -8));         /* a0 = -1 (sign-extended word) */
	emit16(c_mv(A1, A0));
	emit16(c_add(A1, A0));           /* a1 = -2 */
	emit16(c_ld(A2, S0, 16));
	emit16(c_lw(A3, S0, 16));
	emit16(c_sw(A3, S0, 64));
	emit16(c_sd(A2, S0, 72));
	emit16(c_ldsp(A4, 504));
	emit16(c_sdsp(A4, 8));
	emit16(c_lwsp(A5, 248));
	emit16(c_swsp(A5, 16));
	emit16(c_addi4spn(S1, 1020));
	emit16(c_addi16sp(-512));
	emit16(c_lui(T0, -1));           /* t0 = 0xfffffffffffff000 */
	emit16(c_slli(T0, 4));
	run(17);
	ck_assert_uint_eq(h->s.x[A0], ~0ull);
	ck_assert_uint_eq(h->s.x[A1], (uint64_t)-2);
	ck_assert_uint_eq(h->s.x[A2], 0x1122334455667788ull);
	ck_assert_uint_eq(h->s.x[A3], 0x55667788);
	ck_assert_uint_eq(rd32(DATA + 64), 0x55667788);
	ck_assert_uint_eq(rd64(DATA + 72), 0x1122334455667788ull);
	ck_assert_uint_eq(h->s.x[A4], 0xdeadbeefcafef00dull);
	ck_assert_uint_eq(rd64(DATA + 0x808), 0xdeadbeefcafef00dull);
	ck_assert_uint_eq(h->s.x[A5], 0xffffffffcafef00dull);
	ck_assert_uint_eq(rd32(DATA + 0x810), 0xcafef00d);
	ck_assert_uint_eq(h->s.x[S1], DATA + 0x800 + 1020);
	ck_assert_uint_eq(h->s.x[SP], DATA + 0x800 - 512);
	ck_assert_uint_eq(h->s.x[T0], 0xffffffffffff0000ull);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 34);

	/* c.srli/srai/andi, c.sub..c.addw */
	h->s.x[A0] = 0x8000000000000000ull;
	h->s.x[A1] = 0x8000000000000000ull;
	h->s.x[A2] = 0xff;
	h->s.x[A3] = 0x0f;
	h->s.x[A4] = 0x100000000ull;
	h->s.x[A5] = 1;
	emit16(c_alu(0, A0, 63));
	emit16(c_alu(1, A1, 63));
	emit16(c_alu(2, A2, -16));
	emit16(c_arith(0, 1, A2, A3));   /* xor: 0xf0 ^ 0x0f */
	emit16(c_arith(0, 2, A3, A5));   /* or */
	emit16(c_arith(0, 0, A3, A5));   /* sub */
	emit16(c_arith(1, 1, A4, A5));   /* addw: low word 0 + 1 */
	emit16(c_arith(1, 0, A5, A4));   /* subw: 1 - 1 */
	emit16(c_arith(0, 3, A2, A2));   /* and */
	run(9);
	ck_assert_uint_eq(h->s.x[A0], 1);
	ck_assert_uint_eq(h->s.x[A1], ~0ull);
	ck_assert_uint_eq(h->s.x[A2], 0xff);
	ck_assert_uint_eq(h->s.x[A3], 0x0e);
	ck_assert_uint_eq(h->s.x[A4], 1);
	ck_assert_uint_eq(h->s.x[A5], 0);

	/* control flow: c.j, c.beqz/c.bnez, c.jr, c.jalr */
	org(RAM_BASE + 0x400);
	h->s.pc = RAM_BASE + 0x400;
	emit16(c_j(0x40));                       /* -> 0x440 */
	org(RAM_BASE + 0x440);
	h->s.x[S0] = 0;
	emit16(c_bz(0, S0, -0x2e));              /* taken -> 0x412 */
	org(RAM_BASE + 0x412);
	emit16(c_bz(1, S0, 0x20));               /* not taken */
	h->s.x[T1] = RAM_BASE + 0x500;
	emit16(c_jalr(T1));                      /* ra = 0x416 */
	org(RAM_BASE + 0x500);
	emit16(c_jr(RA));
	run(5);
	ck_assert_uint_eq(h->s.x[RA], RAM_BASE + 0x416);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x416);

	/* reserved encodings are illegal; mtval holds the 16 bits */
	uint16_t bad[] = { 0x0000, c_addi4spn(A0, 0), c_lui(A0, 0), c_addi16sp(0),
			   c_lwsp(0, 8), c_ldsp(0, 8), c_jr(0), c_addiw(0, 1), 0x8000 /* Q0 funct3 4 */ };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		org(RAM_BASE + 0x600);
		h->s.pc = RAM_BASE + 0x600;
		emit16(bad[i]);
		run(1);
		ck_assert_msg(h->s.mcause == 2 && h->s.mtval == bad[i] && h->s.pc == TVEC,
			      "reserved c-insn %#x: mcause %llu", bad[i], (unsigned long long)h->s.mcause);
	}
}
END_TEST

/* ---- traps and privilege ---- */
START_TEST(test_illegal)
{
	uint32_t bad[] = { 0xffffffffu, 0x00000013u | (1u << 12) | (1u << 26) /* slli bad funct6 */,
			   0x0000700fu /* misc-mem f3=7 */, 0x10100073u /* system funct3 0 unknown */,
			   0x0200006bu, LR_W(A0, A1) | (1u << 20) /* lr with rs2 != 0 */,
			   CSRRS(A0, 0x7b0, 0) /* dcsr: debug mode only */ };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		org(RAM_BASE);
		h->s.pc = RAM_BASE;
		h->s.instret = 0;
		emit(bad[i]);
		run(1);
		ck_assert_msg(h->s.mcause == 2, "insn %#x mcause %llu", bad[i], (unsigned long long)h->s.mcause);
		ck_assert_uint_eq(h->s.mtval, bad[i]);
		ck_assert_uint_eq(h->s.mepc, RAM_BASE);
		ck_assert_uint_eq(h->s.pc, TVEC);
		ck_assert_uint_eq(h->s.instret, 1);      /* a trapping insn counts */
	}
	/* FENCE, FENCE.I and a 32-bit NOP are fine */
	org(RAM_BASE);
	h->s.pc = RAM_BASE;
	emit(FENCE);
	emit(FENCE_I);
	emit(NOP);
	run(3);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 12);
}
END_TEST

START_TEST(test_ecall_delegation)
{
	/* U-mode ecall delegated to S */
	h->s.medeleg = 1 << 8;
	set_priv(PRV_U);
	h->s.mstatus |= 1ull << 1;  /* SIE: saved into SPIE */
	emit(ECALL);
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_S);
	ck_assert_uint_eq(h->s.scause, 8);
	ck_assert_uint_eq(h->s.sepc, RAM_BASE);
	ck_assert_uint_eq(h->s.stval, 0);
	ck_assert_uint_eq(h->s.pc, STVEC);
	ck_assert_uint_eq(h->s.mstatus & (1ull << 8), 0);       /* SPP = U */
	ck_assert_uint_ne(h->s.mstatus & (1ull << 5), 0);       /* SPIE = old SIE */
	ck_assert_uint_eq(h->s.mstatus & (1ull << 1), 0);       /* SIE cleared */

	/* S-mode ecall is not delegated: M gets cause 9, MPP = S */
	org(STVEC);
	emit(ECALL);
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_M);
	ck_assert_uint_eq(h->s.mcause, 9);
	ck_assert_uint_eq(h->s.mepc, STVEC);
	ck_assert_uint_eq((h->s.mstatus >> 11) & 3, PRV_S);
	ck_assert_uint_eq(h->s.pc, TVEC);

	/* M-mode ecall: cause 11, never delegated even if the bit were set */
	org(TVEC);
	emit(ECALL);
	run(1);
	ck_assert_uint_eq(h->s.mcause, 11);
	ck_assert_uint_eq(h->s.mepc, TVEC);
	ck_assert_uint_eq((h->s.mstatus >> 11) & 3, PRV_M);

	/* ebreak: cause 3, tval 0 (QEMU 7.2) */
	org(RAM_BASE + 0x100);
	h->s.pc = RAM_BASE + 0x100;
	emit(EBREAK);
	run(1);
	ck_assert_uint_eq(h->s.mcause, 3);
	ck_assert_uint_eq(h->s.mtval, 0);
}
END_TEST

START_TEST(test_xret)
{
	/* mret to U: MIE <- MPIE, MPIE <- 1, MPP <- U, MPRV cleared */
	h->s.mepc = RAM_BASE + 0x100;
	h->s.mstatus |= (1ull << 7) | (1ull << 17);     /* MPIE, MPRV; MPP = U */
	emit(MRET);
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_U);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x100);
	ck_assert_uint_ne(h->s.mstatus & (1ull << 3), 0);
	ck_assert_uint_ne(h->s.mstatus & (1ull << 7), 0);
	ck_assert_uint_eq(h->s.mstatus & (1ull << 17), 0);

	/* sret and mret in U are illegal */
	org(RAM_BASE + 0x100);
	emit(SRET);
	emit(MRET);
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mtval, SRET);
	set_priv(PRV_U);
	h->s.pc = RAM_BASE + 0x104;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mtval, MRET);

	/* sret from S to S (SPP=1) */
	set_priv(PRV_S);
	h->s.sepc = RAM_BASE + 0x200;
	h->s.mstatus |= (1ull << 8) | (1ull << 5);      /* SPP = S, SPIE */
	h->s.pc = RAM_BASE + 0x100;
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_S);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x200);
	ck_assert_uint_ne(h->s.mstatus & (1ull << 1), 0);       /* SIE <- SPIE */
	ck_assert_uint_eq(h->s.mstatus & (1ull << 8), 0);       /* SPP <- U */

	/* sret in S with TSR, mret in S: illegal */
	h->s.mstatus |= 1ull << 22;
	h->s.pc = RAM_BASE + 0x100;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.priv, PRV_M);
	set_priv(PRV_S);
	h->s.pc = RAM_BASE + 0x104;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mepc, RAM_BASE + 0x104);
}
END_TEST

START_TEST(test_interrupts)
{
	org(TVEC);
	for (int i = 0; i < 16; i++)
		emit(NOP);
	org(RAM_BASE);
	emit(NOP);
	emit(NOP);
	emit(NOP);
	/* pending but MIE = 0 in M-mode: not taken */
	h->s.mie = MIP_MTIP | MIP_MEIP | MIP_MSIP;
	hart_set_mip(h, MIP_MTIP, 1);
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 4);
	ck_assert(hart_wakeup_pending(h));
	/* enable: taken before the next instruction; entering it does not count */
	h->s.mstatus |= 1ull << 3;
	h->irq_check = 1;
	hart_set_mip(h, MIP_MEIP, 1);
	uint64_t n = h->s.instret;
	run(1);
	ck_assert_uint_eq(h->s.mcause, (1ull << 63) | 11);      /* MEI beats MTI */
	ck_assert_uint_eq(h->s.mepc, RAM_BASE + 4);
	ck_assert_uint_eq(h->s.pc, TVEC + 4);                   /* one insn ran at the vector */
	ck_assert_uint_eq(h->s.instret, n + 1);
	ck_assert_uint_eq(h->s.mstatus & (1ull << 3), 0);
	ck_assert_uint_ne(h->s.mstatus & (1ull << 7), 0);

	/* vectored mode: base + 4 * cause; MSI beats MTI */
	hart_set_mip(h, MIP_MEIP, 0);
	hart_set_mip(h, MIP_MSIP, 1);
	h->s.mtvec = TVEC | 1;
	h->s.mstatus |= 1ull << 3;
	h->s.pc = RAM_BASE;
	org(TVEC);
	for (int i = 0; i < 16; i++)
		emit(NOP);
	run(1);
	ck_assert_uint_eq(h->s.mcause, (1ull << 63) | 3);
	ck_assert_uint_eq(h->s.pc, TVEC + 4 * 3 + 4);

	/* a delegated STI goes to S from U, even with SIE = 0 */
	hart_set_mip(h, MIP_MSIP | MIP_MTIP, 0);
	h->s.mideleg = MIP_STIP;
	h->s.mie = MIP_STIP;
	ck_assert_int_eq(hart_csr_write(h, 0x344, MIP_STIP), 0);  /* software-writable */
	set_priv(PRV_U);
	h->s.pc = RAM_BASE;
	org(STVEC);
	emit(NOP);
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_S);
	ck_assert_uint_eq(h->s.scause, (1ull << 63) | 5);
	ck_assert_uint_eq(h->s.sepc, RAM_BASE);
	/* in S with SIE = 0 it stays pending; M-level interrupts still preempt S */
	h->s.pc = RAM_BASE;
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 4);
	h->s.mie |= MIP_MTIP;
	hart_set_mip(h, MIP_MTIP, 1);
	org(TVEC);
	emit(NOP);
	h->s.mtvec = TVEC;
	run(1);
	ck_assert_uint_eq(h->s.priv, PRV_M);
	ck_assert_uint_eq(h->s.mcause, (1ull << 63) | 7);

	/* SEIP: the external line ORs with the software bit */
	hart_set_mip(h, MIP_SEIP, 1);
	ck_assert_uint_ne(h->s.mip & MIP_SEIP, 0);
	ck_assert_int_eq(hart_csr_write(h, 0x344, MIP_SEIP), 0);
	hart_set_mip(h, MIP_SEIP, 0);
	ck_assert_uint_ne(h->s.mip & MIP_SEIP, 0);
	ck_assert_int_eq(hart_csr_write(h, 0x344, 0), 0);
	ck_assert_uint_eq(h->s.mip & MIP_SEIP, 0);
	/* csrrs/csrrc on mip must not latch the external line into the software bit */
	hart_set_mip(h, MIP_SEIP, 1);
	h->s.mie = 0;
	h->s.x[T0] = MIP_STIP;
	h->s.pc = RAM_BASE;
	org(RAM_BASE);
	emit(CSRRC(A0, 0x344, T0));
	emit(CSRRS(A1, 0x344, T0));
	run(2);
	ck_assert_uint_ne(h->s.x[A0] & MIP_SEIP, 0);    /* reads show the line */
	hart_set_mip(h, MIP_SEIP, 0);
	ck_assert_uint_eq(h->s.mip & MIP_SEIP, 0);
	ck_assert_uint_ne(h->s.mip & MIP_STIP, 0);
}
END_TEST

START_TEST(test_wfi)
{
	emit(WFI);
	emit(NOP);
	h->s.mie = MIP_MTIP;
	ck_assert_int_eq(hart_run(h, 10), HART_EXIT_WFI);
	ck_assert_uint_eq(h->s.wfi, 1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 4);
	ck_assert_uint_eq(h->s.instret, 1);
	/* still waiting: nothing runs */
	ck_assert_int_eq(hart_run(h, 10), HART_EXIT_WFI);
	ck_assert_uint_eq(h->s.instret, 1);
	/* an interrupt pending in mie wakes it even with MIE = 0 (no trap then) */
	hart_set_mip(h, MIP_MTIP, 1);
	run(1);
	ck_assert_uint_eq(h->s.wfi, 0);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 8);
	/* WFI with a pending-but-disabled interrupt is a nop */
	h->s.pc = RAM_BASE;
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 4);
	/* U-mode WFI and S-mode WFI with TW are illegal */
	hart_set_mip(h, MIP_MTIP, 0);
	set_priv(PRV_U);
	h->s.pc = RAM_BASE;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	set_priv(PRV_S);
	h->s.mstatus |= 1ull << 21;
	h->s.pc = RAM_BASE;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mtval, WFI);
}
END_TEST

START_TEST(test_trap_loop)
{
	/* mtvec in unmapped memory, jump there: fatal at once, with pc and cause */
	h->s.mtvec = 0x40000000;
	h->s.x[T0] = 0x40000000;
	emit(JALR(0, T0, 0));
	ck_assert_int_eq(hart_run(h, 1000000), HART_EXIT_FATAL);
	ck_assert_ptr_nonnull(strstr(h->fatal_msg, "trap loop in M-mode: pc=0x40000000 cause=1 "
				     "(instruction access fault) tval=0x40000000"));
	ck_assert_uint_le(h->s.instret, 3);

	/* S-mode handler that faults forever (delegated page faults): the streak ends it */
	hart_reset(h, RAM_BASE);
	h->s.mtvec = TVEC;
	h->s.medeleg = 1 << 12;
	h->s.satp = (8ull << 60) | (PT_BASE >> 12);   /* empty root table */
	memset(host(PT_BASE), 0, 4096);
	h->s.stvec = 0x1000;
	set_priv(PRV_S);
	h->s.pc = 0x2000;
	ck_assert_int_eq(hart_run(h, 1000000), HART_EXIT_FATAL);
	ck_assert_ptr_nonnull(strstr(h->fatal_msg, "trap loop in S-mode"));
	ck_assert_uint_le(h->s.instret, 1002);

	/* a handler that runs instructions is no loop */
	hart_reset(h, RAM_BASE);
	h->s.mtvec = TVEC;
	org(TVEC);
	emit(CSRRS(T0, 0x341, 0));
	emit(ADDI(T0, T0, 4));
	emit(CSRRW(0, 0x341, T0));
	emit(MRET);
	org(RAM_BASE);
	emit(0);           /* illegal, 2 bytes, but the handler skips 4 */
	emit(0);
	emit(JAL(0, -8));
	ck_assert_int_eq(hart_run(h, 100000), HART_EXIT_BUDGET);
}
END_TEST

START_TEST(test_breakpoints)
{
	emit(ADDI(A0, A0, 1));
	emit(ADDI(A0, A0, 1));
	emit(ADDI(A0, A0, 1));
	emit(EBREAK);
	emit(ADDI(A0, A0, 1));
	ck_assert_int_eq(hart_add_breakpoint(h, RAM_BASE + 8), 0);
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 8);
	ck_assert_uint_eq(h->s.x[A0], 2);
	ck_assert_uint_eq(h->s.instret, 2);
	/* hitting it again without skip stops at once */
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);
	ck_assert_uint_eq(h->s.instret, 2);
	/* the debugger steps over it */
	h->skip_break_once = 1;
	h->ebreak_exits = 1;
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);     /* now at the ebreak */
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 12);
	ck_assert_uint_eq(h->s.x[A0], 3);
	h->skip_break_once = 1;
	run(1);                                                  /* ebreak traps to the guest */
	ck_assert_uint_eq(h->s.mcause, 3);
	ck_assert_int_eq(hart_del_breakpoint(h, RAM_BASE + 8), 0);
	ck_assert_int_eq(hart_del_breakpoint(h, RAM_BASE + 8), -1);
	/* a resume with no breakpoints left still stops at a later ebreak */
	h->s.pc = RAM_BASE;
	h->skip_break_once = 1;
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 12);
}
END_TEST

/* ---- CSRs ---- */
START_TEST(test_csr_warl)
{
	ck_assert_uint_eq(csr(0x301), 0x800000000014112dull);   /* misa: RV64 ACDFIMSU */
	ck_assert_uint_eq(csr(0x300), 0xa00000000ull);           /* mstatus: UXL = SXL = 2 */
	ck_assert_uint_eq(csr(0xf14), 0);
	h->hartid = 3;
	ck_assert_uint_eq(csr(0xf14), 3);

	/* write all ones through the instruction path and read back */
	struct { int csr; uint64_t ones; } t[] = {
		{ 0x300, 0x8000000a007e7faaull },  /* mstatus (MPP = 3 written) */
		{ 0x302, 0xb3ff },                 /* medeleg */
		{ 0x303, 0x222 },                  /* mideleg */
		{ 0x304, 0xaaa },                  /* mie */
		{ 0x306, 0xffffffff },             /* mcounteren: 32 bits */
		{ 0x106, 0xffffffff },             /* scounteren */
		{ 0x30a, 1 }, { 0x10a, 1 },        /* menvcfg, senvcfg: FIOM only */
		{ 0x320, 5 },                      /* mcountinhibit: CY, IR */
		{ 0x341, ~1ull }, { 0x141, ~1ull },/* mepc, sepc: bit 0 clear */
		{ 0x342, ~0ull }, { 0x343, ~0ull },/* mcause (WLRL: stored), mtval */
		{ 0x340, ~0ull }, { 0x140, ~0ull },
		{ 0x3b0, (1ull << 54) - 1 },       /* pmpaddr0 */
		{ 0x3c0, 0 }, { 0x3ef, 0 },        /* pmpaddr16.. read zero */
		{ 0x3a4, 0 },                      /* pmpcfg4: zero */
		{ 0xb03, 0 }, { 0x323, 0 },        /* hpm counters/events */
		{ 0x7a0, 0 },                      /* tselect */
		{ 0x305, TVEC },                   /* mtvec: mode 3 reserved: write ignored */
		{ 0x180, 0 },                      /* satp: mode 15 unsupported: ignored */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		org(RAM_BASE);
		h->s.pc = RAM_BASE;
		h->s.x[T0] = ~0ull;
		emit(CSRRW(0, t[i].csr, T0));
		emit(CSRRS(A0, t[i].csr, 0));
		run(2);
		ck_assert_msg(h->s.x[A0] == t[i].ones, "csr %#x: read %#llx want %#llx", t[i].csr,
			      (unsigned long long)h->s.x[A0], (unsigned long long)t[i].ones);
	}
	/* sstatus is a view of mstatus */
	ck_assert_uint_eq(csr(0x100), 0x80000002000c6722ull);
	ck_assert_int_eq(hart_csr_write(h, 0x100, 0), 0);
	ck_assert_uint_eq(csr(0x300), 0xa00721888ull);  /* MIE MPIE MPP MPRV TVM TW TSR left */
	/* MPP = 2 is reserved: the write keeps the old MPP */
	ck_assert_int_eq(hart_csr_write(h, 0x300, 1ull << 12), 0);
	ck_assert_uint_eq(csr(0x300), 0xa00001800ull);
	/* satp: Sv39 and Sv48 accepted, Sv57 ignored */
	ck_assert_int_eq(hart_csr_write(h, 0x180, (9ull << 60) | 0x1234), 0);
	ck_assert_uint_eq(csr(0x180), (9ull << 60) | 0x1234);
	ck_assert_int_eq(hart_csr_write(h, 0x180, (10ull << 60) | 0x1), 0);
	ck_assert_uint_eq(csr(0x180), (9ull << 60) | 0x1234);
	/* mtvec vectored kept */
	ck_assert_int_eq(hart_csr_write(h, 0x305, TVEC | 1), 0);
	ck_assert_uint_eq(csr(0x305), TVEC | 1);
	/* sie/sip only see delegated bits */
	h->s.mideleg = 0;
	ck_assert_int_eq(hart_csr_write(h, 0x104, ~0ull), 0);
	ck_assert_uint_eq(csr(0x104), 0);
	h->s.mideleg = 0x222;
	ck_assert_int_eq(hart_csr_write(h, 0x104, ~0ull), 0);
	ck_assert_uint_eq(csr(0x104), 0x222);
	ck_assert_int_eq(hart_csr_write(h, 0x144, ~0ull), 0);
	ck_assert_uint_eq(csr(0x144), MIP_SSIP);
	/* mip: MTIP/MSIP/MEIP are not software-writable */
	ck_assert_int_eq(hart_csr_write(h, 0x344, ~0ull), 0);
	ck_assert_uint_eq(csr(0x344), 0x222);
	/* SD follows FS = Dirty */
	ck_assert_int_eq(hart_csr_write(h, 0x300, 3ull << 13), 0);
	ck_assert_uint_ne(csr(0x300) & (1ull << 63), 0);
	ck_assert_uint_ne(csr(0x100) & (1ull << 63), 0);
	/* nonexistent CSRs */
	uint64_t v;
	ck_assert_int_eq(hart_csr_read(h, 0x3a1, &v), -1);    /* odd pmpcfg on RV64 */
	ck_assert_int_eq(hart_csr_read(h, 0x310, &v), -1);    /* mstatush */
	ck_assert_int_eq(hart_csr_read(h, 0x14d, &v), -1);    /* stimecmp: no Sstc */
	ck_assert_int_eq(hart_csr_read(h, 0x600, &v), -1);    /* hstatus: no H */
}
END_TEST

START_TEST(test_csr_access)
{
	/* read-only CSR written: illegal, mtval = insn */
	emit(CSRRW(0, 0xf11, T0));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mtval, CSRRW(0, 0xf11, T0));
	/* csrrs with rs1 = x0 on a read-only CSR is a plain read */
	org(RAM_BASE + 0x10);
	h->s.pc = RAM_BASE + 0x10;
	emit(CSRRS(A0, 0xf11, 0));
	emit(CSRRSI(A1, 0xf14, 0));
	run(2);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x18);

	/* S-mode may not touch M CSRs; U may not touch S CSRs */
	set_priv(PRV_S);
	org(RAM_BASE + 0x20);
	h->s.pc = RAM_BASE + 0x20;
	emit(CSRRS(A0, 0x300, 0));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mepc, RAM_BASE + 0x20);
	ck_assert_uint_eq(h->s.mtval, CSRRS(A0, 0x300, 0));
	set_priv(PRV_U);
	org(RAM_BASE + 0x30);
	h->s.pc = RAM_BASE + 0x30;
	emit(CSRRS(A0, 0x100, 0));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);

	/* satp with TVM in S */
	set_priv(PRV_S);
	h->s.mstatus |= 1ull << 20;
	org(RAM_BASE + 0x40);
	h->s.pc = RAM_BASE + 0x40;
	emit(CSRRS(A0, 0x180, 0));
	emit(SFENCE_VMA(0, 0));
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	set_priv(PRV_S);
	h->s.pc = RAM_BASE + 0x44;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	ck_assert_uint_eq(h->s.mtval, SFENCE_VMA(0, 0));
	h->s.mstatus &= ~(1ull << 20);
	set_priv(PRV_S);
	h->s.pc = RAM_BASE + 0x40;
	run(2);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x48);

	/* counters: time from get_mtime; mcounteren / scounteren gate S and U */
	fake_mtime = 0x5555;
	org(RAM_BASE + 0x80);
	emit(CSRRS(A0, 0xc01, 0));      /* time */
	emit(CSRRS(A1, 0xc02, 0));      /* instret */
	set_priv(PRV_M);
	h->s.pc = RAM_BASE + 0x80;
	run(1);
	ck_assert_uint_eq(h->s.x[A0], 0x5555);
	set_priv(PRV_S);
	h->s.pc = RAM_BASE + 0x80;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
	h->s.mcounteren = 2;            /* TM only */
	set_priv(PRV_S);
	h->s.pc = RAM_BASE + 0x80;
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x84);
	run(1);                         /* instret still gated */
	ck_assert_uint_eq(h->s.mcause, 2);
	set_priv(PRV_U);
	h->s.pc = RAM_BASE + 0x80;
	run(1);                         /* U needs scounteren too */
	ck_assert_uint_eq(h->s.mcause, 2);
	h->s.scounteren = 2;
	set_priv(PRV_U);
	h->s.pc = RAM_BASE + 0x80;
	run(1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x84);
	/* no get_mtime: time is illegal (as QEMU without rdtime) */
	h->get_mtime = NULL;
	set_priv(PRV_M);
	h->s.pc = RAM_BASE + 0x80;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 2);
}
END_TEST

START_TEST(test_counters)
{
	emit(CSRRS(A0, 0xb02, 0));      /* minstret */
	emit(CSRRS(A1, 0xb02, 0));
	emit(CSRRS(A2, 0xc00, 0));      /* cycle == instret-derived */
	emit(CSRRW(0, 0xb02, T0));      /* minstret = 100 */
	emit(CSRRS(A3, 0xb02, 0));
	emit(CSRRWI(0, 0x320, 4));      /* inhibit IR */
	emit(CSRRS(A4, 0xb02, 0));
	emit(CSRRS(A5, 0xb02, 0));
	emit(CSRRWI(0, 0x320, 0));
	emit(CSRRS(A6, 0xb02, 0));
	emit(CSRRS(A7, 0xb00, 0));
	h->s.x[T0] = 100;
	h->s.instret = 1000;
	run(11);
	ck_assert_uint_eq(h->s.x[A0], 1000);
	ck_assert_uint_eq(h->s.x[A1], 1001);
	ck_assert_uint_eq(h->s.x[A2], 1002);
	ck_assert_uint_eq(h->s.x[A3], 100);      /* the write replaces the increment */
	ck_assert_uint_eq(h->s.x[A4], 102);
	ck_assert_uint_eq(h->s.x[A5], 102);      /* frozen */
	ck_assert_uint_eq(h->s.x[A6], 102);      /* the un-inhibiting insn did not count */
	ck_assert_uint_eq(h->s.x[A7], 1010);     /* mcycle untouched by minstret writes */
	ck_assert_uint_eq(h->s.instret, 1011);
}
END_TEST

/* ---- MMU ---- */
static uint64_t pt_next;

static uint64_t pt_alloc(void)
{
	uint64_t a = pt_next;
	pt_next += 4096;
	memset(host(a), 0, 4096);
	return a;
}

#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128

/* Map va -> pa with a leaf at leaf_level (0 = 4 KiB) in a levels-deep table.
 * Returns the host pointer to the leaf PTE. */
static uint64_t *map(uint64_t root, int levels, uint64_t va, uint64_t pa, uint64_t flags,
		     int leaf_level)
{
	uint64_t table = root;
	for (int lvl = levels - 1; lvl > leaf_level; lvl--) {
		uint64_t *pte = (uint64_t *)host(table) + ((va >> (12 + 9 * lvl)) & 511);
		if (!(*pte & PTE_V))
			*pte = (pt_alloc() >> 12) << 10 | PTE_V;
		table = (*pte >> 10) << 12;
	}
	uint64_t *pte = (uint64_t *)host(table) + ((va >> (12 + 9 * leaf_level)) & 511);
	*pte = (pa >> 12) << 10 | flags | PTE_V;
	return pte;
}

/* S-mode with paging: code at RAM_BASE identity-mapped (RX), a trap vector page. */
static uint64_t mmu_setup(int levels)
{
	pt_next = PT_BASE;
	uint64_t root = pt_alloc();
	map(root, levels, RAM_BASE, RAM_BASE, PTE_R | PTE_X | PTE_A, 0);
	map(root, levels, STVEC & ~0xfffull, STVEC & ~0xfffull, PTE_R | PTE_X | PTE_A, 0);
	h->s.satp = ((levels == 3 ? 8ull : 9ull) << 60) | (root >> 12);
	set_priv(PRV_S);
	return root;
}

/* Run one load/store at pc RAM_BASE in the current mode; return mcause or -1. */
static int64_t try_insn(uint32_t insn)
{
	org(RAM_BASE);
	emit(insn);
	h->s.pc = RAM_BASE;
	h->s.mcause = 0xdead;
	int p = h->s.priv;
	run(1);
	if (h->s.pc == TVEC) {
		set_priv(p);
		return (int64_t)h->s.mcause;
	}
	return -1;
}

START_TEST(test_sv39)
{
	uint64_t root = mmu_setup(3);
	const uint64_t va = 0x40000000, va2 = 0x40001000, vu = 0x40002000, vx = 0x40003000;
	uint64_t *p1 = map(root, 3, va, DATA, PTE_R | PTE_W, 0);
	uint64_t *p2 = map(root, 3, va2, DATA + 0x1000, PTE_R, 0);
	map(root, 3, vu, DATA + 0x2000, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D, 0);
	map(root, 3, vx, DATA + 0x3000, PTE_X | PTE_A, 0);
	wr64(DATA, 0x1111);
	wr64(DATA + 0x1000, 0x2222);
	wr64(DATA + 0x3000, 0x4444);

	/* load sets A, store sets D */
	h->s.x[A0] = va;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x1111);
	ck_assert_uint_eq(*p1 & (PTE_A | PTE_D), PTE_A);
	h->s.x[T1] = 0x9999;
	ck_assert_int_eq(try_insn(SD(T1, A0, 8)), -1);
	ck_assert_uint_eq(rd64(DATA + 8), 0x9999);
	ck_assert_uint_eq(*p1 & (PTE_A | PTE_D), PTE_A | PTE_D);

	/* store to a read-only page: store page fault, tval = va */
	h->s.x[A0] = va2;
	ck_assert_int_eq(try_insn(SD(T1, A0, 16)), 15);
	ck_assert_uint_eq(h->s.mtval, va2 + 16);
	ck_assert_uint_eq(*p2 & PTE_D, 0);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x2222);

	/* unmapped: load page fault; non-canonical: page fault too */
	h->s.x[A0] = 0x50000000;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	ck_assert_uint_eq(h->s.mtval, 0x50000000);
	h->s.x[A0] = 0x0000004000000000ull;  /* bit 38 set, upper bits clear */
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);

	/* U page from S: fault without SUM, fine with SUM; never executable from S */
	h->s.x[A0] = vu;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	h->s.mstatus |= 1ull << 18;
	hart_flush_caches(h);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	/* X-only page: readable only with MXR */
	h->s.x[A0] = vx;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	ck_assert_int_eq(hart_csr_write(h, 0x100, csr(0x100) | (1ull << 19)), 0);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x4444);

	/* U-mode may use the U page but not the S pages */
	h->s.medeleg = 0;
	set_priv(PRV_U);
	map(root, 3, RAM_BASE, RAM_BASE, PTE_R | PTE_X | PTE_A | PTE_U, 0);
	hart_flush_caches(h);
	h->s.x[A0] = vu;
	ck_assert_int_eq(try_insn(SD(T1, A0, 0)), -1);
	ck_assert_uint_eq(rd64(DATA + 0x2000), 0x9999);
	h->s.x[A0] = va;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);

	/* instruction page fault: S fetching a U page */
	set_priv(PRV_S);
	h->s.pc = RAM_BASE;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 12);
	ck_assert_uint_eq(h->s.mtval, RAM_BASE);
	map(root, 3, RAM_BASE, RAM_BASE, PTE_R | PTE_X | PTE_A, 0);

	/* the TLB keeps a stale translation until sfence.vma */
	set_priv(PRV_S);
	h->s.x[A0] = va;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	*p1 = (((DATA + 0x1000) >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x1111);
	ck_assert_int_eq(try_insn(SFENCE_VMA(A0, 0)), -1);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x2222);

	/* SUM toggled by csrs/csrc sstatus: the U page's cached entry must not leak */
	h->s.x[A0] = vu;
	h->s.x[A1] = 1ull << 18;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_int_eq(try_insn(CSRRC(0, 0x100, A1)), -1);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	ck_assert_int_eq(try_insn(CSRRS(0, 0x100, A1)), -1);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);

	/* 2 MiB superpage, and a misaligned one faults */
	map(root, 3, 0x40200000, RAM_BASE, PTE_R | PTE_W | PTE_A | PTE_D, 1);
	wr64(DATA + 0x12348, 0x5151);
	h->s.x[A0] = 0x40200000 + (DATA - RAM_BASE) + 0x12348;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x5151);
	/* remap the superpage; sfence.vma of another 4 KiB slice of it drops them all */
	uint64_t *sp = map(root, 3, 0x40200000, RAM_BASE, PTE_R | PTE_A | PTE_D, 1);
	*sp = ((RAM_BASE + 0x200000) >> 12) << 10 | PTE_V | PTE_R | PTE_A;
	wr64(DATA + 0x200000 + 0x12348, 0x6161);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x5151);          /* stale until sfence.vma */
	h->s.x[A1] = 0x40200000 + 0x5000;
	ck_assert_int_eq(try_insn(SFENCE_VMA(A1, 0)), -1);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x6161);
	map(root, 3, 0x40400000, RAM_BASE + 0x201000, PTE_R | PTE_A, 1);
	h->s.x[A0] = 0x40400000;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	/* 1 GiB gigapage at va 0xc0000000 -> pa 0x80000000 */
	map(root, 3, 0xc0000000ull, RAM_BASE, PTE_R | PTE_A, 2);
	h->s.x[A0] = 0xc0000000ull + DATA - RAM_BASE;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x1111);

	/* reserved PTE encoding W without R: page fault */
	map(root, 3, 0x40005000, DATA, PTE_W | PTE_A, 0);
	h->s.x[A0] = 0x40005000;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);

	/* M-mode with MPRV and MPP = S translates its loads */
	set_priv(PRV_M);
	h->s.mstatus = (h->s.mstatus & ~(3ull << 11)) | (1ull << 11) | (1ull << 17);
	hart_flush_caches(h);
	h->s.x[A0] = va2;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x2222);
	ck_assert_int_eq(try_insn(SD(T0, A0, 0)), 15);
}
END_TEST

START_TEST(test_sv48)
{
	uint64_t root = mmu_setup(4);
	const uint64_t va = 0x0000400000000000ull - 0x1000;   /* top of the lower half */
	uint64_t *p = map(root, 4, va, DATA, PTE_R | PTE_W, 0);
	wr64(DATA, 0x4848);
	h->s.x[A0] = va;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x4848);
	ck_assert_int_eq(try_insn(SD(T0, A0, 8)), -1);
	ck_assert_uint_eq(*p & (PTE_A | PTE_D), PTE_A | PTE_D);
	/* bit 47 set without sign extension: page fault */
	h->s.x[A0] = 0x0000800000000000ull;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 13);
	/* sign-extended upper half works */
	map(root, 4, 0xffff800000000000ull, DATA, PTE_R | PTE_A, 0);
	h->s.x[A0] = 0xffff800000000000ull;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x4848);
	/* 512 GiB terapage */
	map(root, 4, 0x0000008000000000ull, 0, PTE_R | PTE_A, 3);
	h->s.x[A0] = 0x0000008000000000ull + DATA;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x4848);
}
END_TEST

START_TEST(test_fetch_pages)
{
	/* a 32-bit instruction straddling two pages, both mapped */
	uint64_t root = mmu_setup(3);
	map(root, 3, RAM_BASE + 0x1000, RAM_BASE + 0x1000, PTE_R | PTE_X | PTE_A, 0);
	org(RAM_BASE + 0xffe);
	emit(ADDI(A0, ZERO, 42));
	emit(ADDI(A1, ZERO, 43));
	h->s.pc = RAM_BASE + 0xffe;
	run(2);
	ck_assert_uint_eq(h->s.x[A0], 42);
	ck_assert_uint_eq(h->s.x[A1], 43);
	/* second page unmapped: page fault, epc = insn, tval = second page */
	*map(root, 3, RAM_BASE + 0x1000, 0, 0, 0) = 0;
	hart_flush_caches(h);
	h->s.pc = RAM_BASE + 0xffe;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 12);
	ck_assert_uint_eq(h->s.mepc, RAM_BASE + 0xffe);
	ck_assert_uint_eq(h->s.mtval, RAM_BASE + 0x1000);
	/* a 16-bit instruction at the end of the page is fine */
	set_priv(PRV_S);
	org(RAM_BASE + 0xffe);
	emit16(c_li(A2, 7));
	h->s.pc = RAM_BASE + 0xffc;
	org(RAM_BASE + 0xffc);
	emit16(c_li(A3, 8));
	run(2);
	ck_assert_uint_eq(h->s.x[A2], 7);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 0x1000);
}
END_TEST

START_TEST(test_self_modifying)
{
	/* run a loop body, patch an instruction with a store, run it again */
	h->s.x[A1] = RAM_BASE + 4;
	h->s.x[A2] = ADDI(A0, A0, 100);
	emit(ADDI(A0, ZERO, 0));       /* 0 */
	emit(ADDI(A0, A0, 1));         /* 4: patched below */
	emit(SW(A2, A1, 0));           /* 8 */
	emit(FENCE_I);                 /* c */
	emit(JAL(0, -12));             /* 10: back to 4 */
	run(5);
	ck_assert_uint_eq(h->s.x[A0], 1);
	run(2);                        /* the patched insn runs now */
	ck_assert_uint_eq(h->s.x[A0], 101);
	h->s.x[A2] = ADDI(A0, A0, 1000);
	run(4);                        /* fence.i, jal, +100, store of the +1000 version */
	ck_assert_uint_eq(h->s.x[A0], 201);
	run(3);
	ck_assert_uint_eq(h->s.x[A0], 1201);
	/* changes made behind the hart's back (DMA), no fence.i: the decode cache
	 * compares raw bits */
	uint32_t insn = ADDI(A0, A0, 5);
	memcpy(host(RAM_BASE + 4), &insn, 4);
	h->s.pc = RAM_BASE + 4;
	run(1);
	ck_assert_uint_eq(h->s.x[A0], 1206);
}
END_TEST

START_TEST(test_pmp)
{
	/* no entry active: S may access everything (as QEMU) */
	set_priv(PRV_S);
	h->s.x[A0] = DATA;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	/* entry 0: NA4 at DATA+0x100, R; entry 1: NAPOT over the first 2 MiB, RX;
	 * entry 2: TOR from entry 1's address register to the end of RAM, R */
	set_priv(PRV_M);
	uint64_t napot = (RAM_BASE >> 2) | ((0x200000 >> 3) - 1);
	ck_assert_int_eq(hart_csr_write(h, 0x3b0, (DATA + 0x100) >> 2), 0);
	ck_assert_int_eq(hart_csr_write(h, 0x3b1, napot), 0);
	ck_assert_int_eq(hart_csr_write(h, 0x3b2, (RAM_BASE + RAM_SIZE) >> 2), 0);
	ck_assert_int_eq(hart_csr_write(h, 0x3a0, 0x11 | 0x1d << 8 | 0x09 << 16), 0);
	ck_assert_uint_eq(csr(0x3a0), 0x091d11);
	set_priv(PRV_S);
	h->s.x[A0] = DATA;             /* entry 1: R, no W */
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_int_eq(try_insn(SD(T0, A0, 0)), 7);
	h->s.x[A0] = DATA + 0x100;     /* entry 0 */
	ck_assert_int_eq(try_insn(LW(T0, A0, 0)), -1);
	ck_assert_int_eq(try_insn(SW(T0, A0, 0)), 7);
	h->s.x[A0] = DATA + 0xfc;      /* straddles entries 0 and 1: a partial match fails */
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 5);
	ck_assert_uint_eq(h->s.mtval, DATA + 0xfc);
	/* straddling entries 1 and 2 across a page boundary: as QEMU, the first page is
	 * checked for the whole access, tval = the address */
	h->s.x[A0] = RAM_BASE + 0x1ffffc;
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), 5);
	ck_assert_uint_eq(h->s.mtval, RAM_BASE + 0x1ffffc);
	h->s.x[A0] = RAM_BASE + 0x300000;     /* entry 2 (TOR): R */
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_int_eq(try_insn(SD(T0, A0, 0)), 7);
	h->s.x[A0] = DEV_BASE;                /* no entry matches: S denied */
	ck_assert_int_eq(try_insn(LW(T0, A0, 0)), 5);
	/* S may not execute from entry 0's word */
	h->s.pc = DATA + 0x100;
	run(1);
	ck_assert_uint_eq(h->s.mcause, 1);
	/* M ignores unlocked entries */
	set_priv(PRV_M);
	h->s.x[A0] = DATA;
	ck_assert_int_eq(try_insn(SD(T0, A0, 0)), -1);
	/* lock entry 1 (RX): M is now held to it, and writes to it are ignored */
	ck_assert_int_eq(hart_csr_write(h, 0x3a0, 0x11 | (0x80 | 0x1d) << 8 | 0x09 << 16), 0);
	ck_assert_int_eq(try_insn(SD(T0, A0, 0)), 7);
	ck_assert_int_eq(try_insn(LD(T0, A0, 0)), -1);
	ck_assert_int_eq(hart_csr_write(h, 0x3a0, 0x1f1f1f), 0);
	ck_assert_uint_eq(csr(0x3a0), 0x1f9d1f);
	ck_assert_int_eq(hart_csr_write(h, 0x3b1, 0), 0);
	ck_assert_uint_eq(csr(0x3b1), napot);
	ck_assert_int_eq(hart_csr_write(h, 0x3b0, 0x1234), 0);  /* entry 1 is not TOR */
	ck_assert_uint_eq(csr(0x3b0), 0x1234);
}
END_TEST

/* ---- A ---- */
START_TEST(test_amo)
{
	struct { int f5; int f3; uint64_t mem, src, want_mem, want_rd; } t[] = {
		{ 0x01, 3, 5, 7, 7, 5 },                                  /* amoswap.d */
		{ 0x00, 3, 5, 7, 12, 5 },                                 /* amoadd.d */
		{ 0x04, 3, 6, 3, 5, 6 },                                  /* amoxor.d */
		{ 0x0c, 3, 6, 3, 2, 6 },                                  /* amoand.d */
		{ 0x08, 3, 6, 3, 7, 6 },                                  /* amoor.d */
		{ 0x10, 3, (uint64_t)-5, 3, (uint64_t)-5, (uint64_t)-5 }, /* amomin.d */
		{ 0x14, 3, (uint64_t)-5, 3, 3, (uint64_t)-5 },            /* amomax.d */
		{ 0x18, 3, (uint64_t)-5, 3, 3, (uint64_t)-5 },            /* amominu.d */
		{ 0x1c, 3, (uint64_t)-5, 3, (uint64_t)-5, (uint64_t)-5 }, /* amomaxu.d */
		{ 0x00, 2, 0x17fffffff, 1, 0x180000000, 0x7fffffff },     /* amoadd.w: word only */
		{ 0x10, 2, 0x80000000, 1, 0x80000000, 0xffffffff80000000ull }, /* amomin.w signed */
		{ 0x18, 2, 0x80000000, 1, 1, 0xffffffff80000000ull },     /* amominu.w */
		{ 0x14, 2, 0xffffffff, 0x100000000ull, 0, ~0ull },        /* amomax.w: src word 0 */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wr64(DATA, t[i].mem);
		h->s.x[A0] = DATA;
		h->s.x[A1] = t[i].src;
		ck_assert_int_eq(try_insn(AMO(t[i].f5, t[i].f3, A2, A0, A1)), -1);
		uint64_t want = t[i].f3 == 2 ? (t[i].mem & ~0xffffffffull) | (t[i].want_mem & 0xffffffff)
					     : t[i].want_mem;
		ck_assert_msg(rd64(DATA) == want && h->s.x[A2] == t[i].want_rd,
			      "amo case %zu: mem %#llx rd %#llx", i, (unsigned long long)rd64(DATA),
			      (unsigned long long)h->s.x[A2]);
	}
	/* LR/SC: success, then a second SC fails (reservation consumed) and stores nothing */
	wr64(DATA, 40);
	h->s.x[A1] = 41;
	org(RAM_BASE + 0x100);
	emit(LR_D(T0, A0));
	emit(SC_D(T1, A0, A1));
	emit(SC_D(T2, A0, A1));
	h->s.x[A1] = 41;
	h->s.pc = RAM_BASE + 0x100;
	run(2);
	ck_assert_uint_eq(h->s.x[T0], 40);
	ck_assert_uint_eq(h->s.x[T1], 0);
	ck_assert_uint_eq(rd64(DATA), 41);
	h->s.x[A1] = 99;
	run(1);
	ck_assert_uint_eq(h->s.x[T2], 1);
	ck_assert_uint_eq(rd64(DATA), 41);
	/* SC fails if memory changed since LR (QEMU's rule), or after a reservation clear */
	h->s.pc = RAM_BASE + 0x100;
	run(1);
	wr64(DATA, 7);
	run(1);
	ck_assert_uint_eq(h->s.x[T1], 1);
	h->s.pc = RAM_BASE + 0x100;
	run(1);
	hart_clear_reservation(h);
	run(1);
	ck_assert_uint_eq(h->s.x[T1], 1);
	/* a trap between LR and SC drops the reservation */
	h->s.pc = RAM_BASE + 0x100;
	run(1);
	h->irq_check = 1;
	h->s.mie = MIP_MSIP;
	h->s.mstatus |= 1ull << 3;
	hart_set_mip(h, MIP_MSIP, 1);
	run(1);        /* interrupt taken, then one insn at TVEC */
	hart_set_mip(h, MIP_MSIP, 0);
	h->s.pc = RAM_BASE + 0x104;
	run(1);
	ck_assert_uint_eq(h->s.x[T1], 1);
	/* lr.w sign-extends; sc.w of a different size than the LR fails */
	wr64(DATA, 0x80000000);
	org(RAM_BASE + 0x200);
	emit(LR_W(T0, A0));
	emit(SC_D(T1, A0, A1));
	h->s.pc = RAM_BASE + 0x200;
	run(2);
	ck_assert_uint_eq(h->s.x[T0], 0xffffffff80000000ull);
	ck_assert_uint_eq(h->s.x[T1], 1);
	/* misaligned: LR -> load misaligned (4), AMO -> store/AMO misaligned (6); SC
	 * without a reservation just fails */
	h->s.x[A0] = DATA + 4;
	ck_assert_int_eq(try_insn(LR_D(T0, A0)), 4);
	ck_assert_uint_eq(h->s.mtval, DATA + 4);
	ck_assert_int_eq(try_insn(AMO(0, 3, T0, A0, A1)), 6);
	ck_assert_int_eq(try_insn(SC_D(T1, A0, A1)), -1);
	ck_assert_uint_eq(h->s.x[T1], 1);
	/* AMO on unmapped memory: store/AMO access fault */
	h->s.x[A0] = 0x1000000000ull;
	ck_assert_int_eq(try_insn(AMO(0, 3, T0, A0, A1)), 7);
	/* AMO on a read-only page: store page fault */
	uint64_t root = mmu_setup(3);
	map(root, 3, 0x40000000, DATA, PTE_R | PTE_A, 0);
	h->s.x[A0] = 0x40000000;
	ck_assert_int_eq(try_insn(AMO(0, 3, T0, A0, A1)), 15);
	ck_assert_int_eq(try_insn(LR_D(T0, A0)), -1);
}
END_TEST

/* ---- F/D ---- */
START_TEST(test_fp)
{
	/* FS = Off: every FP insn and the FP CSRs are illegal */
	h->s.x[A0] = 0x3f800000;        /* 1.0f */
	ck_assert_int_eq(try_insn(FMV_W_X(1, A0)), 2);
	ck_assert_int_eq(try_insn(CSRRS(T0, 0x003, 0)), 2);
	ck_assert_int_eq(try_insn(FLD(1, A0, 0)), 2);
	/* Initial: a write makes it Dirty (and SD) */
	h->s.mstatus |= 1ull << 13;
	ck_assert_int_eq(try_insn(FMV_W_X(1, A0)), -1);
	ck_assert_uint_eq(h->s.f[1], 0xffffffff3f800000ull);
	ck_assert_uint_eq((h->s.mstatus >> 13) & 3, 3);
	ck_assert_uint_ne(csr(0x300) & (1ull << 63), 0);

	/* 1/3 is inexact; RTZ vs RUP differ in the last bit; flags accrue */
	h->s.x[A1] = 0x40400000;        /* 3.0f */
	ck_assert_int_eq(try_insn(FMV_W_X(2, A1)), -1);
	ck_assert_int_eq(try_insn(FDIV_S(3, 1, 2, 1)), -1);
	ck_assert_uint_eq(h->s.f[3], 0xffffffff3eaaaaaaull);
	ck_assert_int_eq(try_insn(FDIV_S(3, 1, 2, 3)), -1);
	ck_assert_uint_eq(h->s.f[3], 0xffffffff3eaaaaabull);
	ck_assert_uint_eq(h->s.fcsr & 0x1f, 1);
	/* dynamic rounding mode from frm; invalid frm -> illegal */
	h->s.fcsr = 1 << 5;             /* RTZ */
	ck_assert_int_eq(try_insn(FDIV_S(3, 1, 2, 7)), -1);
	ck_assert_uint_eq(h->s.f[3], 0xffffffff3eaaaaaaull);
	h->s.fcsr = 5 << 5;
	ck_assert_int_eq(try_insn(FDIV_S(3, 1, 2, 7)), 2);
	ck_assert_uint_eq(h->s.mtval, FDIV_S(3, 1, 2, 7));
	/* ...but not for the exact fcvt.d.s (as QEMU); static rm 5 is always illegal */
	ck_assert_int_eq(try_insn(FCVT_D_S(4, 1, 7)), -1);
	ck_assert_uint_eq(h->s.f[4], 0x3ff0000000000000ull);
	ck_assert_int_eq(try_insn(FCVT_D_S(4, 1, 5)), 2);
	ck_assert_int_eq(try_insn(FADD_S(3, 1, 2, 6)), 2);
	h->s.fcsr = 0;

	/* NaN-boxing: an unboxed single reads as the canonical NaN */
	h->s.f[5] = 0x000000003f800000ull;
	ck_assert_int_eq(try_insn(FADD_S(6, 5, 1, 0)), -1);
	ck_assert_uint_eq(h->s.f[6], 0xffffffff7fc00000ull);
	ck_assert_int_eq(try_insn(FSGNJ_S(6, 5, 5)), -1);
	ck_assert_uint_eq(h->s.f[6], 0xffffffff7fc00000ull);
	ck_assert_int_eq(try_insn(FCLASS_S(T0, 5)), -1);
	ck_assert_uint_eq(h->s.x[T0], 1 << 9);
	ck_assert_int_eq(try_insn(FMV_X_W(T0, 5)), -1);       /* raw bits, sign-extended */
	ck_assert_uint_eq(h->s.x[T0], 0x3f800000);
	h->s.f[5] = 0xffffffff80000001ull;
	ck_assert_int_eq(try_insn(FMV_X_W(T0, 5)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0xffffffff80000001ull);

	/* conversions: saturation and NV; feq on sNaN sets NV but leaves FS alone */
	h->s.f[7] = 0xffffffff7f800000ull;   /* +inf */
	h->s.fcsr = 0;
	ck_assert_int_eq(try_insn(FCVT_W_S(T0, 7, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x7fffffff);
	ck_assert_uint_eq(h->s.fcsr, 0x10);
	h->s.f[8] = 0xbff0000000000000ull;   /* -1.0 */
	ck_assert_int_eq(try_insn(FCVT_WU_D(T0, 8, 1)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0);
	h->s.x[A2] = (uint64_t)-3;
	ck_assert_int_eq(try_insn(FCVT_S_L(9, A2, 0)), -1);
	ck_assert_uint_eq(h->s.f[9], 0xffffffffc0400000ull);
	h->s.mstatus = (h->s.mstatus & ~(3ull << 13)) | (2ull << 13);   /* Clean */
	h->s.fcsr = 0;
	h->s.f[10] = 0xffffffff7f800001ull;  /* sNaN */
	ck_assert_int_eq(try_insn(FEQ_S(T0, 10, 10)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0);
	ck_assert_uint_eq(h->s.fcsr, 0x10);
	ck_assert_uint_eq((h->s.mstatus >> 13) & 3, 2);
	/* fflags CSR write dirties FS */
	ck_assert_int_eq(try_insn(CSRRWI(T0, 0x001, 0)), -1);
	ck_assert_uint_eq(h->s.x[T0], 0x10);
	ck_assert_uint_eq((h->s.mstatus >> 13) & 3, 3);

	/* double: fmadd, fsgnjn; fld/fsd; flw boxes */
	h->s.f[11] = 0x4000000000000000ull;  /* 2.0 */
	h->s.f[12] = 0x4008000000000000ull;  /* 3.0 */
	h->s.f[13] = 0x3ff0000000000000ull;  /* 1.0 */
	ck_assert_int_eq(try_insn(FMADD_D(14, 11, 12, 13, 0)), -1);
	ck_assert_uint_eq(h->s.f[14], 0x401c000000000000ull);   /* 7.0 */
	ck_assert_int_eq(try_insn(FSGNJN_D(15, 14, 14)), -1);
	ck_assert_uint_eq(h->s.f[15], 0xc01c000000000000ull);
	h->s.x[A0] = DATA;
	ck_assert_int_eq(try_insn(FSD(15, A0, 8)), -1);
	ck_assert_uint_eq(rd64(DATA + 8), 0xc01c000000000000ull);
	wr64(DATA + 16, 0x1234567840490fdbull);
	ck_assert_int_eq(try_insn(FLW(16, A0, 16)), -1);
	ck_assert_uint_eq(h->s.f[16], 0xffffffff40490fdbull);
	ck_assert_int_eq(try_insn(FLD(17, A0, 16)), -1);
	ck_assert_uint_eq(h->s.f[17], 0x1234567840490fdbull);
	ck_assert_int_eq(try_insn(FSW(17, A0, 24)), -1);     /* low bits, no box check */
	ck_assert_uint_eq(rd32(DATA + 24), 0x40490fdb);
	ck_assert_int_eq(try_insn(FADD_D(18, 11, 12, 0)), -1);
	ck_assert_uint_eq(h->s.f[18], 0x4014000000000000ull);
}
END_TEST

/* ---- determinism ---- */

/* A program with a loop, memory traffic, CSR reads, an ecall round trip and a
 * timer interrupt that arrives at a fixed instruction. */
/* ---- decoded blocks: invalidation ---- */

START_TEST(test_block_smc)
{
	/* a store patches an instruction later in its own block, alternately to two
	 * versions, in a loop: every iteration must run what was just stored */
	uint32_t v1000 = ADDI(A0, A0, 1000), v1 = ADDI(A0, A0, 1);
	h->s.x[A1] = RAM_BASE + 20;
	h->s.x[A3] = v1000;
	h->s.x[A4] = v1000 ^ v1;
	emit(ADDI(A0, ZERO, 0));        /* 0 */
	emit(ADDI(T0, ZERO, 10));       /* 4 */
	emit(SW(A3, A1, 0));            /* 8: loop */
	emit(XOR(A3, A3, A4));          /* 12 */
	emit(ADDI(T0, T0, -1));         /* 16 */
	emit(v1);                       /* 20: patched */
	emit(BNE(T0, ZERO, -16));       /* 24 */
	emit(JAL(0, 0));                /* 28 */
	run(2 + 10 * 5);
	ck_assert_uint_eq(h->s.x[A0], 5 * 1000 + 5 * 1);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 28);
	/* the same, one instruction per call and in odd chunks */
	for (int chunk = 1; chunk <= 7; chunk += 3) {
		h->s.pc = RAM_BASE;
		h->s.x[A3] = v1000;
		uint64_t left = 2 + 10 * 5;
		while (left) {
			uint64_t n = left < (uint64_t)chunk ? left : (uint64_t)chunk;
			run(n);
			left -= n;
		}
		ck_assert_uint_eq(h->s.x[A0], 5005);
	}
}
END_TEST

START_TEST(test_block_dma)
{
	/* a device callback writes code into RAM (a DMA) during the run: the rest of
	 * the block that did the MMIO store must be the new code */
	h->s.x[A0] = DEV_BASE;
	emit(SW(A1, A0, 0));            /* 0 */
	emit(ADDI(A2, A2, 1));          /* 4 */
	emit(ADDI(A2, A2, 1));          /* 8: rewritten by the "DMA" */
	emit(JAL(0, -12));              /* 12 */
	run(4 * 3);                     /* warm: the block is cached and trusted */
	ck_assert_uint_eq(h->s.x[A2], 6);
	dev.dma_pa = RAM_BASE + 8;
	dev.dma_insn = ADDI(A2, A2, 7);
	h->s.x[A2] = 0;
	run(4);
	ck_assert_uint_eq(h->s.x[A2], 8);
	/* and a change between runs (another hart, a device, a debugger), no flush */
	dev.dma_pa = 0;
	uint32_t insn = ADDI(A2, A2, 100);
	memcpy(host(RAM_BASE + 4), &insn, 4);
	h->s.x[A2] = 0;
	run(4);
	ck_assert_uint_eq(h->s.x[A2], 107);
	/* a store by the physmem interface (as a device model would do) */
	physmem_write(&pm, RAM_BASE + 8, 4, ADDI(A2, A2, 3));
	h->s.x[A2] = 0;
	run(4);
	ck_assert_uint_eq(h->s.x[A2], 103);
	/* a DMA write between runs */
	uint32_t i2 = ADDI(A2, A2, 20);
	ck_assert_int_eq(physmem_dma_write(&pm, RAM_BASE + 4, &i2, 4), 0);
	h->s.x[A2] = 0;
	run(4);
	ck_assert_uint_eq(h->s.x[A2], 23);
}
END_TEST

START_TEST(test_block_trusted)
{
	/* nothing wrote RAM through physmem and no other hart ran: the next run
	 * trusts its blocks without reading them (so a plain memcpy into RAM needs
	 * physmem_ram_changed(), which the test's host() calls) */
	emit(ADDI(A2, A2, 1));          /* 0 */
	emit(ADDI(A2, A2, 1));          /* 4: rewritten behind physmem's back */
	emit(JAL(0, -8));               /* 8 */
	run(3 * 2);
	ck_assert_uint_eq(h->s.x[A2], 4);
	uint32_t insn = ADDI(A2, A2, 50);
	memcpy(ram + 4, &insn, 4);
	run(3);
	ck_assert_uint_eq(h->s.x[A2], 6);
	physmem_ram_changed(&pm);
	run(3);
	ck_assert_uint_eq(h->s.x[A2], 57);
	/* another hart ran in between: its stores are not counted, so check again */
	insn = ADDI(A2, A2, 100);
	memcpy(ram + 4, &insn, 4);
	pm.runner = NULL;
	run(3);
	ck_assert_uint_eq(h->s.x[A2], 158);
}
END_TEST

START_TEST(test_block_satp)
{
	/* the same virtual code address in two address spaces holds different code */
	const uint64_t va = 0x40000000, p1 = DATA, p2 = DATA + 0x1000;
	uint64_t root1 = mmu_setup(3);
	map(root1, 3, va, p1, PTE_R | PTE_X | PTE_A, 0);
	uint64_t root2 = pt_alloc();
	map(root2, 3, RAM_BASE, RAM_BASE, PTE_R | PTE_X | PTE_A, 0);
	map(root2, 3, va, p2, PTE_R | PTE_X | PTE_A, 0);
	/* a data alias of p1's page, writable */
	map(root1, 3, va + 0x1000, p1, PTE_R | PTE_W | PTE_A | PTE_D, 0);
	map(root2, 3, va + 0x1000, p1, PTE_R | PTE_W | PTE_A | PTE_D, 0);
	uint64_t satp1 = (8ull << 60) | (root1 >> 12), satp2 = (8ull << 60) | (root2 >> 12);
	org(p1);
	emit(ADDI(A0, A0, 1));
	emit(JALR(0, RA, 0));
	org(p2);
	emit(ADDI(A0, A0, 100));
	emit(JALR(0, RA, 0));
	h->s.x[A5] = va;
	h->s.x[A6] = satp2;
	h->s.x[A7] = satp1;
	h->s.x[A1] = va + 0x1000;       /* p1 through the alias */
	h->s.x[A2] = ADDI(A0, A0, 10);
	org(RAM_BASE);
	emit(JALR(RA, A5, 0));          /* 0: +1 */
	emit(CSRRW(0, 0x180, A6));      /* 4: satp2 */
	emit(SFENCE_VMA(0, 0));         /* 8 */
	emit(JALR(RA, A5, 0));          /* 12: +100 */
	emit(CSRRW(0, 0x180, A7));      /* 16: satp1 */
	emit(SFENCE_VMA(0, 0));         /* 20 */
	emit(JALR(RA, A5, 0));          /* 24: +1 */
	emit(SW(A2, A1, 0));            /* 28: p1's first insn becomes +10, via the alias */
	emit(JALR(RA, A5, 0));          /* 32: +10 */
	emit(JAL(0, 0));                /* 36 */
	run(3 + 2 + 3 + 2 + 3 + 1 + 3);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 36);
	ck_assert_uint_eq(h->s.x[A0], 1 + 100 + 1 + 10);
}
END_TEST

START_TEST(test_block_breakpoint)
{
	/* a breakpoint set inside a block that is already cached and trusted */
	emit(ADDI(A0, A0, 1));          /* 0 */
	emit(ADDI(A1, A1, 1));          /* 4 */
	emit(ADDI(A2, A2, 1));          /* 8 */
	emit(JAL(0, -12));              /* 12 */
	run(4 * 5);
	ck_assert_int_eq(hart_add_breakpoint(h, RAM_BASE + 8), 0);
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);
	ck_assert_uint_eq(h->s.pc, RAM_BASE + 8);
	ck_assert_uint_eq(h->s.instret, 4 * 5 + 2);
	ck_assert_uint_eq(h->s.x[A1], 6);
	ck_assert_uint_eq(h->s.x[A2], 5);
	h->skip_break_once = 1;
	ck_assert_int_eq(hart_run(h, 100), HART_EXIT_BREAK);
	ck_assert_uint_eq(h->s.instret, 4 * 6 + 2);
	ck_assert_int_eq(hart_del_breakpoint(h, RAM_BASE + 8), 0);
	run(100);
	ck_assert_uint_eq(h->s.instret, 4 * 6 + 2 + 100);
}
END_TEST

START_TEST(test_block_two_harts)
{
	/* hart 0 trusts a loop; hart 1 (same memory) rewrites it with fast-path
	 * stores between hart 0's runs, as an SMP guest does: hart 0 must see it */
	struct hart *h1 = calloc(1, sizeof *h1);
	hart_init(h1, 1, &pm);
	hart_reset(h1, RAM_BASE + 0x2000);
	h1->s.mtvec = TVEC;
	emit(ADDI(A0, A0, 1));          /* 0: rewritten by hart 1 */
	emit(JAL(0, -4));               /* 4 */
	org(RAM_BASE + 0x2000);         /* hart 1: store a1 at a0, twice, then spin */
	emit(SW(A1, A0, 0));
	emit(SW(A2, A0, 0));
	emit(JAL(0, 0));
	h1->s.x[A0] = RAM_BASE;
	h1->s.x[A1] = ADDI(A0, A0, 5);
	h1->s.x[A2] = ADDI(A0, A0, 7);
	run(20);
	ck_assert_uint_eq(h->s.x[A0], 10);
	ck_assert_int_eq(hart_run(h1, 1), HART_EXIT_BUDGET);   /* slow path: maps the page */
	run(20);
	ck_assert_uint_eq(h->s.x[A0], 10 + 10 * 5);
	ck_assert_int_eq(hart_run(h1, 1), HART_EXIT_BUDGET);   /* fast path now */
	run(20);
	ck_assert_uint_eq(h->s.x[A0], 60 + 10 * 7);
	free(h1);
}
END_TEST

static void split_program(void)
{
	org(TVEC);
	emit(CSRRS(T2, 0x342, 0));      /* mcause */
	emit(BLT(T2, ZERO, 16));        /* interrupt? */
	emit(CSRRS(T1, 0x341, 0));      /* ecall: skip it */
	emit(ADDI(T1, T1, 4));
	emit(CSRRW(0, 0x341, T1));
	emit(ADDI(S1, S1, 1));          /* count traps */
	emit(CSRRCI(0, 0x304, 0));      /* nothing */
	emit(MRET);
	org(RAM_BASE);
	emit(ADDI(A0, ZERO, 0));
	emit(ADDI(A1, ZERO, 200));
	emit(NOP);                      /* a2 = DATA, set by split_reset() */
	/* loop: */
	emit(ADD(A0, A0, A1));
	emit(SD(A0, A2, 0));
	emit(LD(A3, A2, 0));
	emit(ADDI(A2, A2, 8));
	emit(CSRRS(A4, 0xb02, 0));
	emit(ECALL);
	emit(ADDI(A1, A1, -1));
	emit(BNE(A1, ZERO, -28));
	emit(WFI);
	emit(JAL(0, 0));
}

static void split_reset(void)
{
	hart_reset(h, RAM_BASE);
	h->s.mtvec = TVEC;
	h->s.mie = MIP_MTIP;
	h->s.mstatus |= 1ull << 3;
	h->s.x[A2] = DATA;
	memset(host(DATA), 0, 0x4000);
}

START_TEST(test_split_invariance)
{
	const uint64_t N = 2500;
	split_program();
	uint8_t *ram_a = malloc(RAM_SIZE);
	struct hart_state sa;

	/* one call; the timer fires before instruction 777 */
	split_reset();
	run(777);
	hart_set_mip(h, MIP_MTIP, 1);
	run(10);
	hart_set_mip(h, MIP_MTIP, 0);
	run(N - 787);
	sa = h->s;
	memcpy(ram_a, ram, RAM_SIZE);
	ck_assert_uint_eq(sa.instret, N);

	/* one instruction per call */
	split_reset();
	for (uint64_t i = 0; i < N; i++) {
		if (i == 777)
			hart_set_mip(h, MIP_MTIP, 1);
		if (i == 787)
			hart_set_mip(h, MIP_MTIP, 0);
		run(1);
	}
	ck_assert(memcmp(&sa, &h->s, sizeof sa) == 0);
	ck_assert(memcmp(ram_a, ram, RAM_SIZE) == 0);

	/* irregular chunks, with caches flushed in between (as after a snapshot load) */
	split_reset();
	uint64_t done = 0, chunk = 1;
	while (done < N) {
		uint64_t n = chunk;
		if (done < 777 && done + n > 777)
			n = 777 - done;
		if (done < 787 && done + n > 787)
			n = 787 - done;
		if (done + n > N)
			n = N - done;
		if (done == 777)
			hart_set_mip(h, MIP_MTIP, 1);
		if (done == 787)
			hart_set_mip(h, MIP_MTIP, 0);
		run(n);
		done += n;
		chunk = chunk * 3 % 97 + 1;
		if (chunk % 5 == 0)
			hart_flush_caches(h);
	}
	ck_assert(memcmp(&sa, &h->s, sizeof sa) == 0);
	ck_assert(memcmp(ram_a, ram, RAM_SIZE) == 0);
	ck_assert_uint_gt(sa.x[S1], 1);         /* traps happened */
	free(ram_a);
}
END_TEST

/* Operand forwarding (hart.c): values passed in host registers inside a block,
 * a register written again while forwarded, an F/D op writing an integer register
 * behind the slots, forwarded store values, load results, branch operands, a
 * self-loop; the same state however the run is split (cut blocks). */
static void fwd_program(void)
{
	h->s.mstatus |= 1ull << 13;                     /* FS: Initial */
	h->s.f[0] = 0x4000000000000000ull;              /* 2.0 */
	h->s.x[S0] = RAM_BASE + 0x800;
	emit(ADDI(A0, ZERO, 5));
	emit(ADDI(A0, A0, 1));                          /* 6, in place */
	emit(ADD(A1, A0, A0));                          /* 12 */
	emit(SUB(A2, A1, A0));                          /* 6 */
	emit(XOR(A3, A2, A1));                          /* 10 */
	emit(enc_r(0x71, 0, 0, 0, A2, 0x53));           /* fmv.x.d a2, f0 */
	emit(ADD(A4, A2, A3));
	emit(SD(A4, S0, 0));
	emit(LD(A5, S0, 0));
	emit(ADDI(A5, A5, 1));
	emit(BNE(A5, A4, 8));                           /* taken */
	emit(ADDI(A6, ZERO, 99));
	emit(ADDI(A6, A5, 0));
	emit(ADDI(T0, ZERO, 10));
	emit(ADDI(T0, T0, -1));                         /* a block looping on itself */
	emit(ADD(T1, T1, T0));
	emit(BNE(T0, ZERO, -8));
	emit(ADD(T2, T1, A6));
}

START_TEST(test_forwarding)
{
	const uint64_t N = 44;
	fwd_program();
	run(N);
	uint64_t a4 = 0x4000000000000000ull + 10;
	ck_assert_uint_eq(h->s.x[A0], 6);
	ck_assert_uint_eq(h->s.x[A1], 12);
	ck_assert_uint_eq(h->s.x[A2], 0x4000000000000000ull);
	ck_assert_uint_eq(h->s.x[A3], 10);
	ck_assert_uint_eq(h->s.x[A4], a4);
	ck_assert_uint_eq(rd64(RAM_BASE + 0x800), a4);
	ck_assert_uint_eq(h->s.x[A5], a4 + 1);
	ck_assert_uint_eq(h->s.x[A6], a4 + 1);
	ck_assert_uint_eq(h->s.x[T0], 0);
	ck_assert_uint_eq(h->s.x[T1], 45);
	ck_assert_uint_eq(h->s.x[T2], a4 + 46);
	ck_assert_uint_eq(h->s.instret, N);
	struct hart_state sa = h->s;
	for (uint64_t step = 1; step <= 7; step++) {
		teardown();
		setup();
		fwd_program();
		for (uint64_t done = 0; done < N; done += step)
			run(done + step > N ? N - done : step);
		ck_assert(memcmp(&sa, &h->s, sizeof sa) == 0);
	}
}
END_TEST

/* The JIT's inline ops (and the ones it hands back) against the interpreter: random
 * blocks of ALU, LUI/AUIPC, load, store and branch instructions on random operands
 * (boundary values mostly), run by each core from the same state: the same
 * registers, pc, count and memory after every block. */
static uint64_t jrng;
static uint64_t jrand(void)
{
	jrng ^= jrng << 13;
	jrng ^= jrng >> 7;
	jrng ^= jrng << 17;
	return jrng;
}

static uint64_t jval(void)
{
	static const uint64_t v[] = { 0, 1, 2, 31, 32, 63, 64, 0x7fffffff, 0x80000000ull,
		0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		~0ull, ~1ull, 0xfffffffffffff800ull };
	return jrand() % 3 ? v[jrand() % (sizeof v / sizeof v[0])] : jrand();
}

/* One random instruction at asm_pc; s0 (x8) stays the data pointer. */
static int jit_rand_insn(void)
{
	int rd = 1 + jrand() % 31, rs1 = jrand() % 32, rs2 = jrand() % 32;
	if (rd == S0)
		rd = jrand() % 2 ? 0 : A0;
	int32_t imm = (int32_t)(jrand() % 4096) - 2048;
	static const int rr3[][2] = { { 0, 0 }, { 0, 0x20 }, { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 },
		{ 5, 0 }, { 5, 0x20 }, { 6, 0 }, { 7, 0 }, { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 },
		{ 4, 1 }, { 5, 1 }, { 6, 1 }, { 7, 1 } };
	static const int rw3[][2] = { { 0, 0 }, { 0, 0x20 }, { 1, 0 }, { 5, 0 }, { 5, 0x20 },
		{ 0, 1 }, { 4, 1 }, { 5, 1 }, { 6, 1 }, { 7, 1 } };
	int k;
	switch (jrand() % 9) {
	case 0:
		k = jrand() % 18;
		emit(enc_r(rr3[k][1], rs2, rs1, rr3[k][0], rd, 0x33));
		return 1;
	case 1:
		k = jrand() % 10;
		emit(enc_r(rw3[k][1], rs2, rs1, rw3[k][0], rd, 0x3b));
		return 1;
	case 2: {
		static const int f3[] = { 0, 2, 3, 4, 6, 7 };
		emit(enc_i(imm, rs1, f3[jrand() % 6], rd, 0x13));
		return 1;
	}
	case 3: {                       /* shifts by immediates */
		int f = jrand() % 3, sh = jrand() % 64;
		if (jrand() % 2)
			emit(enc_i((f == 2 ? 0x400 : 0) | sh, rs1, f ? 5 : 1, rd, 0x13));
		else
			emit(enc_i((f == 2 ? 0x400 : 0) | (sh & 31), rs1, f ? 5 : 1, rd, 0x1b));
		return 1;
	}
	case 4:
		emit(enc_i(imm, rs1, 0, rd, 0x1b));     /* addiw */
		return 1;
	case 5:
		emit(enc_u((int32_t)jrand(), rd, jrand() % 2 ? 0x37 : 0x17));
		return 1;
	case 6:                         /* loads, some misaligned (slow path) */
		emit(enc_i((int32_t)(jrand() % 512) - 256, S0, jrand() % 7, rd, 0x03));
		return 1;
	case 7:
		emit(enc_s((int32_t)(jrand() % 512) - 256, rs2, S0, jrand() % 4, 0x23));
		return 1;
	default: {                      /* a branch over the next instruction */
		static const int f3[] = { 0, 1, 4, 5, 6, 7 };
		emit(enc_b(8, rs2, rs1, f3[jrand() % 6]));
		emit(enc_i(imm, rs1, 0, rd, 0x13));
		return 2;
	}
	}
}

/* Build the program of round `seed` and its registers into the fresh hart. */
static void jit_round(uint64_t seed, int jit, uint64_t *ninsn)
{
	jrng = seed * 0x9e3779b97f4a7c15ull | 1;
	if (jit) {
		h->cpu = HART_CPU_JIT;
		h->jit_hot = 1;
	} else {
		h->cpu = HART_CPU_INTERP;
	}
	for (int r = 1; r < 32; r++)
		h->s.x[r] = jval();
	h->s.x[S0] = DATA + 0x1000;
	for (int i = 0; i < 1024; i++)
		wr64(DATA + 8 * i, jval());
	int n = 0;
	while (n < 200)
		n += jit_rand_insn();
	emit(enc_j(0, 0));              /* j . */
	*ninsn = 0;
}

START_TEST(test_jit_ops)
{
	for (uint64_t seed = 1; seed <= 300; seed++) {
		struct hart_state st[2];
		static uint8_t data[2][8192];
		for (int jit = 0; jit < 2; jit++) {
			teardown();
			setup();
			uint64_t n;
			jit_round(seed, jit, &n);
			/* the straight-line part, however long, then some turns of `j .` */
			run(7);
			run(100);
			run(405);
			st[jit] = h->s;
			memcpy(data[jit], host(DATA), sizeof data[jit]);
		}
		if (memcmp(&st[0], &st[1], sizeof st[0])) {
			for (int r = 0; r < 32; r++)
				if (st[0].x[r] != st[1].x[r])
					fprintf(stderr, "seed %llu: x%d 0x%llx / 0x%llx\n",
						(unsigned long long)seed, r, (unsigned long long)st[0].x[r],
						(unsigned long long)st[1].x[r]);
			ck_abort_msg("seed %llu: interpreter and JIT differ (pc 0x%llx / 0x%llx)",
				     (unsigned long long)seed, (unsigned long long)st[0].pc,
				     (unsigned long long)st[1].pc);
		}
		ck_assert_msg(memcmp(data[0], data[1], sizeof data[0]) == 0, "seed %llu: memory differs",
			      (unsigned long long)seed);
	}
}
END_TEST

START_TEST(test_speed)
{
	/* a 3-instruction loop; not a benchmark, just "not pathological" */
	emit(ADDI(A0, A0, 1));
	emit(XOR(A1, A1, A0));
	emit(JAL(0, -8));
	const uint64_t n = 30000000;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("check_hart: %.0f MIPS on a tight loop\n", n / s / 1e6);
	ck_assert_uint_eq(h->s.x[A0], n / 3);
	ck_assert(n / s > 2e6);
}
END_TEST

static Suite *hart_suite(void)
{
	Suite *s = suite_create("hart");
	struct { const char *name; const TTest *t; } tests[] = {
		{ "encoders", test_encoders }, { "alu", test_alu }, { "muldiv", test_muldiv },
		{ "branches", test_branches_jumps }, { "loadstore", test_loads_stores },
		{ "mmio", test_mmio }, { "compressed", test_compressed }, { "illegal", test_illegal },
		{ "ecall", test_ecall_delegation }, { "xret", test_xret },
		{ "interrupts", test_interrupts }, { "wfi", test_wfi }, { "traploop", test_trap_loop },
		{ "breakpoints", test_breakpoints }, { "csr_warl", test_csr_warl },
		{ "csr_access", test_csr_access }, { "counters", test_counters }, { "sv39", test_sv39 },
		{ "sv48", test_sv48 }, { "fetchpages", test_fetch_pages },
		{ "smc", test_self_modifying }, { "pmp", test_pmp }, { "amo", test_amo },
		{ "fp", test_fp }, { "split", test_split_invariance }, { "speed", test_speed },
		{ "block_smc", test_block_smc }, { "block_dma", test_block_dma },
		{ "block_satp", test_block_satp }, { "block_breakpoint", test_block_breakpoint },
		{ "block_two_harts", test_block_two_harts }, { "block_trusted", test_block_trusted },
		{ "forwarding", test_forwarding }, { "jit_ops", test_jit_ops },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		TCase *tc = tcase_create(tests[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, tests[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hart_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
