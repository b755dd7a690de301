/* encodings: which 32-bit encodings are legal. Sweeps the funct fields of the
 * OP, OP-32, OP-IMM (shifts), OP-IMM-32, LOAD, STORE, LOAD-FP, STORE-FP, MISC-MEM,
 * AMO, OP-FP and fused multiply-add opcodes, plus JALR/BRANCH funct3 and the
 * major opcodes no RV64GC instruction uses, and prints one character per
 * encoding: '.' executed, 'I' illegal-instruction trap (with mtval = the encoding,
 * checked), '?' any other trap. A hart must reject exactly the encodings QEMU
 * rejects when QEMU runs without the extensions RV64GC lacks: tests/hart-guest.sh
 * runs this program with -cpu rv64,h=false,zba=false,zbb=false,zbc=false,zbs=false.
 * Every encoding runs from a RAM buffer followed by ret, with rs1 = a0 pointing
 * at an aligned scratch buffer, rs2 = a1, rd = t0 (FP: rd = 5, rs1 = 6, x or f). */
#include "rt.h"

static uint32_t code[4] __attribute__((aligned(16)));
static uint64_t scratch[8] __attribute__((aligned(64)));
static int bad_tval;

#define RD 5     /* t0 */
#define RS1 10   /* a0 */
#define RS2 11   /* a1 */

/* Execute one encoding; return '.', 'I' or '?'. */
static char run(uint32_t insn)
{
	code[0] = insn;
	code[1] = 0x00008067;   /* ret */
	__asm__ volatile("fence.i" ::: "memory");
	for (int i = 0; i < 8; i++)
		scratch[i] = 0;
	rt_trap_reset();
	register uint64_t a0 __asm__("a0") = (uint64_t)scratch;
	register uint64_t a1 __asm__("a1") = 3;
	__asm__ volatile("jalr ra, 0(%2)"
			 : "+r"(a0), "+r"(a1) : "r"(code)
			 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a2", "a3", "a4", "a5", "a6", "a7",
			   "ft0", "ft1", "ft2", "ft3", "ft5", "ft6", "ft7", "fa0", "memory");
	csr_write(fcsr, 0);
	if (!rt_trap.count)
		return '.';
	if (rt_trap.cause == 2) {
		if (rt_trap.tval != insn && rt_trap.tval != 0)
			bad_tval++;
		return 'I';
	}
	return '?';
}

static uint32_t r_type(uint32_t opc, uint32_t f3, uint32_t f7, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

/* One line per f7 row group: 8 funct3 columns for each funct7. */
static void sweep_r(const char *name, uint32_t opc, uint32_t rd, uint32_t rs1, uint32_t rs2)
{
	for (uint32_t f7 = 0; f7 < 128; f7 += 8) {
		rt_printf("%s f7=%02x..%02x:", name, f7, f7 + 7);
		for (uint32_t k = 0; k < 8; k++) {
			rt_putc(' ');
			for (uint32_t f3 = 0; f3 < 8; f3++)
				rt_putc(run(r_type(opc, f3, f7 + k, rd, rs1, rs2)));
		}
		rt_putc('\n');
	}
}

int main(void)
{
	rt_catch = 1;
	sweep_r("OP", 0x33, RD, RS1, RS2);
	sweep_r("OP-32", 0x3b, RD, RS1, RS2);
	sweep_r("OP-IMM-32", 0x1b, RD, RS1, RS2);
	/* OP-IMM shifts: bits 31:26 x bit 25, funct3 1 and 5 */
	for (uint32_t f3 = 1; f3 <= 5; f3 += 4) {
		rt_printf("OP-IMM f3=%u imm[11:5]:", f3);
		for (uint32_t hi = 0; hi < 128; hi++) {
			if (hi % 32 == 0)
				rt_putc(' ');
			rt_putc(run(r_type(0x13, f3, hi, RD, RS1, 7)));
		}
		rt_putc('\n');
	}
	rt_puts("LOAD f3:      ");
	for (uint32_t f3 = 0; f3 < 8; f3++)
		rt_putc(run(r_type(0x03, f3, 0, RD, RS1, 8)));
	rt_puts("\nSTORE f3:     ");
	for (uint32_t f3 = 0; f3 < 8; f3++)
		rt_putc(run(r_type(0x23, f3, 0, 8, RS1, RS2)));
	rt_puts("\nLOAD-FP f3:   ");
	for (uint32_t f3 = 0; f3 < 8; f3++)
		rt_putc(run(r_type(0x07, f3, 0, 0, RS1, 8)));
	rt_puts("\nSTORE-FP f3:  ");
	for (uint32_t f3 = 0; f3 < 8; f3++)
		rt_putc(run(r_type(0x27, f3, 0, 8, RS1, 0)));
	rt_puts("\nMISC-MEM f3:  ");
	for (uint32_t f3 = 0; f3 < 8; f3++)
		rt_putc(run(r_type(0x0f, f3, 0, 0, 0, 0)));
	rt_puts("\nJALR f3 1-7:  ");
	for (uint32_t f3 = 1; f3 < 8; f3++)
		rt_putc(run(r_type(0x67, f3, 0, 0, RS1, 0)));
	rt_puts("\nBRANCH f3:    ");
	for (uint32_t f3 = 0; f3 < 8; f3++)   /* offset +4: taken or not, the next is ret */
		rt_putc(run((0u << 25) | (RS2 << 20) | (RS1 << 15) | (f3 << 12) | (2u << 8) | 0x63));
	rt_putc('\n');
	/* AMO: funct5 x funct3 (aq = rl = 0); LR gets rs2 = x0 */
	for (uint32_t f3 = 0; f3 < 8; f3++) {
		rt_printf("AMO f3=%u f5:", f3);
		for (uint32_t f5 = 0; f5 < 32; f5++) {
			if (f5 % 8 == 0)
				rt_putc(' ');
			rt_putc(run(r_type(0x2f, f3, f5 << 2, RD, RS1, f5 == 2 ? 0 : RS2)));
		}
		rt_putc('\n');
	}
	/* OP-FP: funct7 x funct3 for rs2 = 0..3 (rs2 selects fcvt/fsqrt/fclass variants) */
	for (uint32_t rs2 = 0; rs2 < 4; rs2++)
		for (uint32_t f7 = 0; f7 < 128; f7 += 16) {
			rt_printf("OP-FP rs2=%u f7=%02x..%02x:", rs2, f7, f7 + 15);
			for (uint32_t k = 0; k < 16; k++) {
				rt_putc(' ');
				for (uint32_t f3 = 0; f3 < 8; f3++)
					rt_putc(run(r_type(0x53, f3, f7 + k, 5, 6, rs2)));
			}
			rt_putc('\n');
		}
	/* fused multiply-add: fmt (bits 26:25) x rm */
	static const uint32_t fma_opc[] = {0x43, 0x47, 0x4b, 0x4f};
	for (int i = 0; i < 4; i++) {
		rt_printf("FMA %02x fmt x rm:", fma_opc[i]);
		for (uint32_t fmt = 0; fmt < 4; fmt++) {
			rt_putc(' ');
			for (uint32_t rm = 0; rm < 8; rm++)
				rt_putc(run(3u << 27 | fmt << 25 | 7u << 20 | 6u << 15 | rm << 12 | 5u << 7 | fma_opc[i]));
		}
		rt_putc('\n');
	}
	/* major opcodes outside RV64GC (bits 6:2), all other bits zero */
	static const uint32_t unused[] = {0x0b, 0x1f, 0x2b, 0x3f, 0x57, 0x5b, 0x5f, 0x6b, 0x77, 0x7b, 0x7f};
	rt_puts("unused opcodes:");
	for (unsigned i = 0; i < sizeof(unused) / sizeof(unused[0]); i++) {
		rt_putc(' ');
		rt_putc(run(unused[i] | RD << 7));
	}
	rt_putc('\n');
	rt_catch = 0;
	rt_check("illegal traps with mtval neither the encoding nor 0", bad_tval, 0);
	return rt_done("encodings");
}
