/* rvc: every RV64C instruction form with known answers.
 * rvc_run (below, in assembly) executes explicit c.* instructions and stores one
 * result per step; main() compares them with hand-computed values. Also the
 * compressed ebreak, the all-zero (illegal) parcel, and 32-bit instructions at
 * addresses that are only 2-byte aligned. */
#include "rt.h"

void rvc_run(uint64_t *out, uint64_t *buf);
extern char rvc_ebreak_at[], rvc_zero_at[];

__asm__(
"	.text\n"
"	.balign 4\n"
"	.globl rvc_run\n"
"rvc_run:\n"
"	addi sp, sp, -32\n"
"	sd s0, 0(sp)\n"
"	sd s1, 8(sp)\n"
"	sd ra, 16(sp)\n"
"	mv s0, a0\n"
"	mv s1, a1\n"
"	c.li a2, -5\n"            /* 0 */
"	sd a2, 0(s0)\n"
"	c.addi a2, 31\n"          /* 1 */
"	sd a2, 8(s0)\n"
"	c.li a3, 1\n"
"	c.slli a3, 63\n"          /* 2 */
"	sd a3, 16(s0)\n"
"	c.srai a3, 3\n"           /* 3 */
"	sd a3, 24(s0)\n"
"	c.srli a3, 60\n"          /* 4 */
"	sd a3, 32(s0)\n"
"	c.andi a3, -6\n"          /* 5 */
"	sd a3, 40(s0)\n"
"	c.lui a4, 0x1f\n"         /* 6 */
"	sd a4, 48(s0)\n"
"	c.lui a5, 0xfffff\n"      /* 7 */
"	sd a5, 56(s0)\n"
"	li a2, 0x7fffffff\n"
"	c.addiw a2, 1\n"          /* 8 */
"	sd a2, 64(s0)\n"
"	c.mv a3, a2\n"
"	c.add a3, a3\n"           /* 9 */
"	sd a3, 72(s0)\n"
"	c.li a4, 5\n"
"	c.li a5, 7\n"
"	c.sub a4, a5\n"           /* 10 */
"	sd a4, 80(s0)\n"
"	c.li a4, 15\n"
"	c.li a5, -6\n"
"	c.xor a4, a5\n"           /* 11 */
"	sd a4, 88(s0)\n"
"	c.li a4, 9\n"
"	c.li a5, 6\n"
"	c.or a4, a5\n"            /* 12 */
"	sd a4, 96(s0)\n"
"	c.li a4, -4\n"
"	c.li a5, 13\n"
"	c.and a4, a5\n"           /* 13 */
"	sd a4, 104(s0)\n"
"	li a4, 0x80000000\n"
"	c.li a5, 1\n"
"	c.subw a4, a5\n"          /* 14 */
"	sd a4, 112(s0)\n"
"	li a4, 0x7fffffff\n"
"	c.addw a4, a5\n"          /* 15 */
"	sd a4, 120(s0)\n"
"	mv a2, sp\n"
"	c.addi16sp sp, -64\n"
"	mv a3, sp\n"
"	c.addi16sp sp, 64\n"
"	sub a2, a2, a3\n"         /* 16 */
"	sd a2, 128(s0)\n"
"	c.addi4spn a4, sp, 1020\n"
"	sub a4, a4, sp\n"         /* 17 */
"	sd a4, 136(s0)\n"
"	c.lw a2, 4(s1)\n"         /* 18 */
"	sd a2, 144(s0)\n"
"	c.ld a2, 8(s1)\n"         /* 19 */
"	sd a2, 152(s0)\n"
"	c.li a3, -1\n"
"	c.sw a3, 16(s1)\n"
"	c.ld a2, 16(s1)\n"        /* 20 */
"	sd a2, 160(s0)\n"
"	c.sd a3, 24(s1)\n"
"	c.ld a2, 24(s1)\n"        /* 21 */
"	sd a2, 168(s0)\n"
"	c.fld fa2, 8(s1)\n"
"	c.fsd fa2, 32(s1)\n"
"	c.ld a2, 32(s1)\n"        /* 22 */
"	sd a2, 176(s0)\n"
"	mv t0, sp\n"
"	mv sp, s1\n"
"	c.lwsp a2, 0(sp)\n"       /* 23 */
"	sd a2, 184(s0)\n"
"	c.ldsp a2, 8(sp)\n"       /* 24 */
"	sd a2, 192(s0)\n"
"	c.li a3, -2\n"
"	c.swsp a3, 40(sp)\n"
"	c.ldsp a2, 40(sp)\n"      /* 25 */
"	sd a2, 200(s0)\n"
"	c.sdsp a3, 48(sp)\n"
"	c.ldsp a2, 48(sp)\n"      /* 26 */
"	sd a2, 208(s0)\n"
"	c.fldsp fa3, 8(sp)\n"
"	c.fsdsp fa3, 56(sp)\n"
"	c.ldsp a2, 56(sp)\n"      /* 27 */
"	sd a2, 216(s0)\n"
"	mv sp, t0\n"
"	c.li a2, 0\n"
"	c.j 1f\n"
"	c.li a2, 1\n"
"1:	sd a2, 224(s0)\n"         /* 28 */
"	c.li a2, 0\n"
"	c.beqz a2, 1f\n"
"	c.li a2, 5\n"
"1:	sd a2, 232(s0)\n"         /* 29 */
"	c.li a3, 3\n"
"	c.beqz a3, 1f\n"
"	c.li a3, 4\n"
"1:	sd a3, 240(s0)\n"         /* 30 */
"	c.li a2, 1\n"
"	c.bnez a2, 1f\n"
"	c.li a2, 7\n"
"1:	sd a2, 248(s0)\n"         /* 31 */
"	la a3, 1f\n"
"	c.li a2, 0\n"
"	c.jr a3\n"
"	c.li a2, 9\n"
"1:	sd a2, 256(s0)\n"         /* 32 */
"	la a3, 3f\n"
"	c.jalr a3\n"
"2:	c.nop\n"
"3:	la a4, 2b\n"
"	sub a2, ra, a4\n"         /* 33 */
"	sd a2, 264(s0)\n"
"	c.li a3, 0\n"
"	c.li a2, 2\n"
"	c.bnez a3, 1f\n"          /* not taken */
"	c.li a2, 3\n"
"1:	sd a2, 272(s0)\n"         /* 34 */
"	.globl rvc_ebreak_at\n"
"rvc_ebreak_at:\n"
"	c.ebreak\n"
"	c.li a2, 11\n"
"	sd a2, 280(s0)\n"         /* 35: resumed after c.ebreak */
"	.globl rvc_zero_at\n"
"rvc_zero_at:\n"
"	.2byte 0\n"
"	c.li a2, 12\n"
"	sd a2, 288(s0)\n"         /* 36: resumed after the illegal parcel */
/* 32-bit instructions at 2 mod 4 addresses */
"	.balign 4\n"
"	c.nop\n"
"	.option push\n"
"	.option norvc\n"
"	addi a2, zero, 0x123\n"
"	lui a3, 0x12345\n"
"	add a2, a2, a3\n"
"	.option pop\n"
"	sd a2, 296(s0)\n"         /* 37 */
"	ld s0, 0(sp)\n"
"	ld s1, 8(sp)\n"
"	ld ra, 16(sp)\n"
"	addi sp, sp, 32\n"
"	ret\n"
);

static const uint64_t want[] = {
	0xfffffffffffffffb, 0x1a, 0x8000000000000000, 0xf000000000000000, 0xf, 0xa,
	0x1f000, 0xfffffffffffff000, 0xffffffff80000000, 0xffffffff00000000, 0xfffffffffffffffe,
	0xfffffffffffffff5, 0xf, 0xc, 0x7fffffff, 0xffffffff80000000, 0x40, 0x3fc,
	0xffffffff88776655, 0x0123456789abcdef, 0x00000000ffffffff, 0xffffffffffffffff,
	0x0123456789abcdef, 0x44332211, 0x0123456789abcdef, 0x00000000fffffffe,
	0xfffffffffffffffe, 0x0123456789abcdef, 0, 0, 4, 1, 0, 0, 3, 11, 12, 0x12345123,
};
static const char *const names[] = {
	"c.li", "c.addi", "c.slli", "c.srai", "c.srli", "c.andi", "c.lui", "c.lui neg",
	"c.addiw", "c.mv+c.add", "c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw",
	"c.addi16sp", "c.addi4spn", "c.lw", "c.ld", "c.sw", "c.sd", "c.fld/c.fsd", "c.lwsp",
	"c.ldsp", "c.swsp", "c.sdsp", "c.fldsp/c.fsdsp", "c.j", "c.beqz taken",
	"c.beqz not taken", "c.bnez taken", "c.jr", "c.jalr link", "c.bnez not taken",
	"after c.ebreak", "after illegal 0x0000", "32-bit insns at 2 mod 4",
};

int main(void)
{
	static uint64_t out[38], buf[8];
	buf[0] = 0x8877665544332211ul;
	buf[1] = 0x0123456789abcdeful;
	rt_catch = 1;
	rt_trap_reset();
	rvc_run(out, buf);
	int ntraps = rt_trap.count;
	rt_catch = 0;
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		rt_check(names[i], out[i], want[i]);
	rt_check("traps taken (c.ebreak, 0x0000)", ntraps, 2);
	rt_check("last trap cause (illegal)", rt_trap.cause, 2);
	rt_check("last trap epc", rt_trap.epc, (uint64_t)rvc_zero_at);
	rt_check("last trap tval (0: the parcel is zero)", rt_trap.tval, 0);

	/* c.ebreak alone: cause 3, epc at it */
	rt_catch = 1;
	rt_trap_reset();
	__asm__ volatile("1: c.ebreak\n\tla %0, 1b" : "=r"(out[0]));
	rt_catch = 0;
	rt_check("c.ebreak cause", rt_trap.cause, 3);
	rt_check("c.ebreak epc", rt_trap.epc, out[0]);
	return rt_done("rvc");
}
