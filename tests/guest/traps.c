/* traps: synchronous exceptions taken in M-mode.
 * ecall, ebreak (32- and 16-bit), illegal instructions (unknown opcode, reserved
 * shift amounts, the zero parcel) with their mtval, load/store/fetch access faults
 * on unmapped addresses with mtval = the address, the trap-entry state of mstatus
 * (MPP, MPIE, MIE), and misaligned loads/stores, which QEMU's virt machine performs
 * without trapping (so must rr-run, for the outputs to agree). */
#include "rt.h"

static uint64_t seen_status;
static int hook_status(struct rt_frame *f)
{
	seen_status = f->status;
	return 0;   /* then the default catch handling */
}

#define TRY(what, code) do { rt_trap_reset(); code; rt_printf("%s: traps=%d cause=%ld", what, \
	rt_trap.count, rt_trap.cause); } while (0)

static void ecall_ebreak(void)
{
	uint64_t pc;
	TRY("ecall", __asm__ volatile("1: ecall\n\tla %0, 1b" : "=r"(pc) :: "a7"));
	rt_putc('\n');
	rt_check("  cause", rt_trap.cause, 11);
	rt_check("  epc", rt_trap.epc, pc);
	rt_check("  tval", rt_trap.tval, 0);
	TRY("ebreak", __asm__ volatile("1: .option push\n\t.option norvc\n\tebreak\n\t.option pop\n\tla %0, 1b" : "=r"(pc)));
	rt_putc('\n');
	rt_check("  cause", rt_trap.cause, 3);
	rt_check("  epc", rt_trap.epc, pc);
	rt_note("  tval (pc or 0; QEMU 7.2: 0)", rt_trap.tval);
	TRY("c.ebreak", __asm__ volatile("1: c.ebreak\n\tla %0, 1b" : "=r"(pc)));
	rt_putc('\n');
	rt_check("  cause", rt_trap.cause, 3);
	rt_check("  epc", rt_trap.epc, pc);
}

static void illegal(void)
{
	static const struct { const char *name; uint32_t insn; } bad[] = {
		{"all ones", 0xffffffff},
		{"custom-0 opcode", 0x0000000b},
		{"slli shamt 64", 0x04051513},
		{"slliw shamt 32", 0x0205151b},
		{"sraiw bad funct7", 0x6205551b},
		{"add bad funct7", 0x02c58533 | (1u << 26)},
		{"ld bad funct3 (7)", 0x0005f503},
		{"mret from wrong funct (sret+1)", 0x10300073},
	};
	static uint32_t code[2] __attribute__((aligned(4)));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* execute the word from data memory: plant it with a trailing ret */
		code[0] = bad[i].insn;
		code[1] = 0x00008067;   /* ret */
		__asm__ volatile("fence.i" ::: "memory");
		rt_trap_reset();
		((void (*)(void))code)();
		rt_printf("illegal %s (%08x): traps=%d cause=%lu tval=%lx\n", bad[i].name,
			  bad[i].insn, rt_trap.count, rt_trap.cause, rt_trap.tval);
		if (rt_trap.count != 1 || rt_trap.cause != 2) {
			rt_failures++;
			rt_puts("  FAIL (want one illegal-instruction trap)\n");
		}
	}
	TRY("zero parcel", __asm__ volatile(".2byte 0"));
	rt_printf(" tval=%lx\n", rt_trap.tval);
	rt_check("  cause", rt_trap.cause, 2);
}

static void access_faults(void)
{
	volatile uint64_t *hole = (volatile uint64_t *)0x1000000000ul;   /* nothing mapped */
	uint64_t v = 0x55;
	TRY("load from unmapped", __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(hole)));
	rt_putc('\n');
	rt_check("  cause (load access fault)", rt_trap.cause, 5);
	rt_check("  tval", rt_trap.tval, (uint64_t)hole);
	rt_check("  rd unchanged", v, 0x55);
	TRY("store to unmapped", hole[1] = 1);
	rt_putc('\n');
	rt_check("  cause (store access fault)", rt_trap.cause, 7);
	rt_check("  tval", rt_trap.tval, (uint64_t)&hole[1]);
	TRY("lw from 0x0", __asm__ volatile("lw %0, 0(zero)" : "=r"(v)));
	rt_putc('\n');
	rt_check("  cause", rt_trap.cause, 5);
	rt_check("  tval", rt_trap.tval, 0);
	rt_trap_reset();
	__asm__ volatile("amoadd.d %0, %1, (%2)" : "=r"(v) : "r"(1ul), "r"(hole) : "memory");
	rt_printf("amoadd.d on unmapped: traps=%d\n", rt_trap.count);
	/* store/AMO access fault (7); QEMU 7.2 reports a load access fault (5) for AMOs */
	rt_check("  cause is an access fault (7, or QEMU 7.2's 5)", rt_trap.cause == 7 || rt_trap.cause == 5, 1);
	TRY("fetch from unmapped", ((void (*)(void))0x1000000000ul)());
	rt_putc('\n');
	rt_check("  cause (fetch access fault)", rt_trap.cause, 1);
	rt_check("  epc", rt_trap.epc, 0x1000000000ul);
	rt_check("  tval", rt_trap.tval, 0x1000000000ul);
}

static void entry_state(void)
{
	rt_mtrap_hook = hook_status;
	csr_set(mstatus, MSTATUS_MIE);   /* no interrupt is enabled in mie */
	csr_clear(mstatus, MSTATUS_MPIE);
	TRY("ecall with MIE=1", __asm__ volatile("ecall" ::: "a7"));
	rt_putc('\n');
	rt_check("  MPP = M", (seen_status >> 11) & 3, 3);
	rt_check("  MPIE = old MIE", (seen_status >> 7) & 1, 1);
	rt_check("  MIE = 0 in the handler", (seen_status >> 3) & 1, 0);
	rt_check("  MIE restored by mret", (csr_read(mstatus) >> 3) & 1, 1);
	rt_check("  MPIE = 1 after mret", (csr_read(mstatus) >> 7) & 1, 1);
	csr_clear(mstatus, MSTATUS_MIE);
	rt_mtrap_hook = 0;
}

static void misaligned(void)
{
	static volatile uint8_t buf[32] __attribute__((aligned(16)));
	uint64_t v;
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(0x10 + i);
	TRY("misaligned ld", __asm__ volatile("ld %0, 3(%1)" : "=r"(v) : "r"(buf)));
	rt_putc('\n');
	rt_check("  value", v, 0x1a19181716151413ul);
	TRY("misaligned lw", __asm__ volatile("lw %0, 7(%1)" : "=r"(v) : "r"(buf)));
	rt_putc('\n');
	rt_check("  value", v, 0x1a191817);
	TRY("misaligned lhu", __asm__ volatile("lhu %0, 15(%1)" : "=r"(v) : "r"(buf)));
	rt_putc('\n');
	rt_check("  value", v, 0x201f);
	TRY("misaligned sd", __asm__ volatile("sd %0, 17(%1)" :: "r"(0x8877665544332211ul), "r"(buf) : "memory"));
	rt_putc('\n');
	rt_check("  bytes", *(volatile uint64_t *)&buf[16], 0x7766554433221120ul);
	rt_check("  bytes", *(volatile uint64_t *)&buf[24], 0x2f2e2d2c2b2a2988ul);
	TRY("misaligned fld", __asm__ volatile("fld ft0, 9(%1)\n\tfmv.x.d %0, ft0" : "=r"(v) : "r"(buf) : "ft0"));
	rt_putc('\n');
	rt_check("  value", v, 0x201f1e1d1c1b1a19ul);
}

int main(void)
{
	rt_catch = 1;
	ecall_ebreak();
	illegal();
	access_faults();
	entry_state();
	misaligned();
	rt_catch = 0;
	return rt_done("traps");
}
