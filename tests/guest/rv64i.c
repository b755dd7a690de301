/* rv64i: the RV64I base integer instructions with known answers.
 * Register-register and immediate ALU ops (expected values computed from the ISA
 * definitions), lui/auipc, every load and store width with sign/zero extension,
 * every branch taken and not taken, jal/jalr (link value, bit 0 of the target
 * cleared), and writes to x0 being discarded. */
#include "rt.h"

#define RR(op, a, b, want) do { uint64_t _r; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
	rt_check2(op, a, b, _r, want); } while (0)
#define RI(op, a, imm, want) do { uint64_t _r; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"((uint64_t)(a)), "i"(imm)); \
	rt_check2(op, a, (uint64_t)(int64_t)(imm), _r, want); } while (0)
#define BR(op, a, b, want) do { uint64_t _r; \
	__asm__ volatile("li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:" \
		: "=&r"(_r) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
	rt_check2(op, a, b, _r, want); } while (0)

static void alu(void)
{
	RR("add", 0x0ul, 0x1ul, 0x1ul);
	RR("add", 0x1ul, 0x123456789abcdeful, 0x123456789abcdf0ul);
	RR("add", 0x1ul, 0xfedcba9876543210ul, 0xfedcba9876543211ul);
	RR("add", 0x21ul, 0x7ffffffful, 0x80000020ul);
	RR("add", 0xfffffffful, 0x7ffffffful, 0x17ffffffeul);
	RR("add", 0x123456789abcdeful, 0xfffffffffffffffful, 0x123456789abcdeeul);
	RR("add", 0x8000000000000000ul, 0x0ul, 0x8000000000000000ul);
	RR("add", 0xfedcba9876543210ul, 0x1ul, 0xfedcba9876543211ul);
	RR("add", 0xfedcba9876543210ul, 0x1ful, 0xfedcba987654322ful);
	RR("add", 0xffffffff80000000ul, 0x0ul, 0xffffffff80000000ul);
	RR("sub", 0x0ul, 0x7ffffffful, 0xffffffff80000001ul);
	RR("sub", 0x0ul, 0xfffffffful, 0xffffffff00000001ul);
	RR("sub", 0x0ul, 0x8000000000000000ul, 0x8000000000000000ul);
	RR("sub", 0x0ul, 0xffffffff80000000ul, 0x80000000ul);
	RR("sub", 0x1ful, 0xffffffff80000000ul, 0x8000001ful);
	RR("sub", 0x7ffffffful, 0xfedcba9876543210ul, 0x123456809abcdeful);
	RR("sub", 0x8000000000000000ul, 0x1ul, 0x7ffffffffffffffful);
	RR("sub", 0x8000000000000000ul, 0x1ful, 0x7fffffffffffffe1ul);
	RR("sub", 0xffffffff80000000ul, 0x1ul, 0xffffffff7ffffffful);
	RR("sub", 0xffffffff80000000ul, 0xfedcba9876543210ul, 0x123456709abcdf0ul);
	RR("sll", 0x1ul, 0xffffffff80000000ul, 0x1ul);
	RR("sll", 0x1ful, 0x8000000000000000ul, 0x1ful);
	RR("sll", 0xfffffffful, 0x1ful, 0x7fffffff80000000ul);
	RR("sll", 0xfffffffful, 0xfffffffffffffffful, 0x8000000000000000ul);
	RR("sll", 0x123456789abcdeful, 0x1ul, 0x2468acf13579bdeul);
	RR("sll", 0x7ffffffffffffffful, 0x7ffffffful, 0x8000000000000000ul);
	RR("sll", 0x7ffffffffffffffful, 0xfedcba9876543210ul, 0xffffffffffff0000ul);
	RR("sll", 0xffffffff80000000ul, 0xffffffff80000000ul, 0xffffffff80000000ul);
	RR("sll", 0xfffffffffffffffful, 0x1ul, 0xfffffffffffffffeul);
	RR("sll", 0xfffffffffffffffful, 0x7ffffffful, 0x8000000000000000ul);
	RR("slt", 0x0ul, 0xffffffff80000000ul, 0x0ul);
	RR("slt", 0x1ul, 0xffffffff80000000ul, 0x0ul);
	RR("slt", 0x1ful, 0x7ffffffful, 0x1ul);
	RR("slt", 0x7ffffffful, 0x3ful, 0x0ul);
	RR("slt", 0x80000000ul, 0x123456789abcdeful, 0x1ul);
	RR("slt", 0x123456789abcdeful, 0x80000000ul, 0x0ul);
	RR("slt", 0x7ffffffffffffffful, 0x8000000000000000ul, 0x0ul);
	RR("slt", 0x8000000000000000ul, 0x80000000ul, 0x1ul);
	RR("slt", 0xfedcba9876543210ul, 0x40ul, 0x1ul);
	RR("slt", 0xffffffff80000000ul, 0x21ul, 0x1ul);
	RR("sltu", 0x1ul, 0x1ul, 0x0ul);
	RR("sltu", 0x21ul, 0x123456789abcdeful, 0x1ul);
	RR("sltu", 0x3ful, 0x40ul, 0x1ul);
	RR("sltu", 0x3ful, 0x80000000ul, 0x1ul);
	RR("sltu", 0x40ul, 0xfffffffffffffffful, 0x1ul);
	RR("sltu", 0x7ffffffful, 0x80000000ul, 0x1ul);
	RR("sltu", 0x7ffffffful, 0xfedcba9876543210ul, 0x1ul);
	RR("sltu", 0x7ffffffffffffffful, 0xffffffff80000000ul, 0x1ul);
	RR("sltu", 0x8000000000000000ul, 0x1ul, 0x0ul);
	RR("sltu", 0xffffffff80000000ul, 0x7ffffffffffffffful, 0x0ul);
	RR("xor", 0x1ful, 0x1ul, 0x1eul);
	RR("xor", 0x21ul, 0x80000000ul, 0x80000021ul);
	RR("xor", 0x21ul, 0xfffffffful, 0xffffffdeul);
	RR("xor", 0x3ful, 0x123456789abcdeful, 0x123456789abcdd0ul);
	RR("xor", 0x40ul, 0x7ffffffful, 0x7fffffbful);
	RR("xor", 0x123456789abcdeful, 0x123456789abcdeful, 0x0ul);
	RR("xor", 0x123456789abcdeful, 0xfffffffffffffffful, 0xfedcba9876543210ul);
	RR("xor", 0xfedcba9876543210ul, 0x0ul, 0xfedcba9876543210ul);
	RR("xor", 0xffffffff80000000ul, 0x40ul, 0xffffffff80000040ul);
	RR("xor", 0xfffffffffffffffful, 0x40ul, 0xffffffffffffffbful);
	RR("srl", 0x1ul, 0x0ul, 0x1ul);
	RR("srl", 0x3ful, 0x1ful, 0x0ul);
	RR("srl", 0x3ful, 0x3ful, 0x0ul);
	RR("srl", 0x80000000ul, 0x1ul, 0x40000000ul);
	RR("srl", 0xfffffffful, 0x1ul, 0x7ffffffful);
	RR("srl", 0x7ffffffffffffffful, 0x1ful, 0xfffffffful);
	RR("srl", 0x7ffffffffffffffful, 0x80000000ul, 0x7ffffffffffffffful);
	RR("srl", 0xffffffff80000000ul, 0x1ful, 0x1fffffffful);
	RR("srl", 0xffffffff80000000ul, 0x40ul, 0xffffffff80000000ul);
	RR("srl", 0xffffffff80000000ul, 0x80000000ul, 0xffffffff80000000ul);
	RR("sra", 0x0ul, 0x80000000ul, 0x0ul);
	RR("sra", 0x1ful, 0x123456789abcdeful, 0x0ul);
	RR("sra", 0x80000000ul, 0x0ul, 0x80000000ul);
	RR("sra", 0xfffffffful, 0x80000000ul, 0xfffffffful);
	RR("sra", 0x123456789abcdeful, 0xfffffffffffffffful, 0x0ul);
	RR("sra", 0x7ffffffffffffffful, 0x3ful, 0x0ul);
	RR("sra", 0x7ffffffffffffffful, 0xfffffffffffffffful, 0x0ul);
	RR("sra", 0x8000000000000000ul, 0x40ul, 0x8000000000000000ul);
	RR("sra", 0xfedcba9876543210ul, 0x21ul, 0xffffffffff6e5d4cul);
	RR("sra", 0xffffffff80000000ul, 0x1ul, 0xffffffffc0000000ul);
	RR("or", 0x21ul, 0xfffffffful, 0xfffffffful);
	RR("or", 0x3ful, 0x8000000000000000ul, 0x800000000000003ful);
	RR("or", 0x7ffffffful, 0x7ffffffffffffffful, 0x7ffffffffffffffful);
	RR("or", 0x80000000ul, 0x1ul, 0x80000001ul);
	RR("or", 0x7ffffffffffffffful, 0x21ul, 0x7ffffffffffffffful);
	RR("or", 0xfedcba9876543210ul, 0x7ffffffful, 0xfedcba987ffffffful);
	RR("or", 0xfedcba9876543210ul, 0xfffffffful, 0xfedcba98fffffffful);
	RR("or", 0xfedcba9876543210ul, 0xfedcba9876543210ul, 0xfedcba9876543210ul);
	RR("or", 0xfffffffffffffffful, 0x80000000ul, 0xfffffffffffffffful);
	RR("or", 0xfffffffffffffffful, 0xfffffffful, 0xfffffffffffffffful);
	RR("and", 0x0ul, 0x80000000ul, 0x0ul);
	RR("and", 0x1ul, 0xfffffffffffffffful, 0x1ul);
	RR("and", 0x1ful, 0x8000000000000000ul, 0x0ul);
	RR("and", 0x21ul, 0xfedcba9876543210ul, 0x0ul);
	RR("and", 0x3ful, 0xfedcba9876543210ul, 0x10ul);
	RR("and", 0xfffffffful, 0xffffffff80000000ul, 0x80000000ul);
	RR("and", 0x123456789abcdeful, 0x1ful, 0xful);
	RR("and", 0x8000000000000000ul, 0xfffffffffffffffful, 0x8000000000000000ul);
	RR("and", 0xfffffffffffffffful, 0x7ffffffffffffffful, 0x7ffffffffffffffful);
	RR("and", 0xfffffffffffffffful, 0x8000000000000000ul, 0x8000000000000000ul);
	RR("addw", 0x1ful, 0x1ful, 0x3eul);
	RR("addw", 0x3ful, 0x0ul, 0x3ful);
	RR("addw", 0x3ful, 0xfffffffful, 0x3eul);
	RR("addw", 0x7ffffffful, 0x123456789abcdeful, 0x9abcdeeul);
	RR("addw", 0x7ffffffful, 0xffffffff80000000ul, 0xfffffffffffffffful);
	RR("addw", 0x80000000ul, 0x21ul, 0xffffffff80000021ul);
	RR("addw", 0x123456789abcdeful, 0xfffffffffffffffful, 0xffffffff89abcdeeul);
	RR("addw", 0x7ffffffffffffffful, 0x0ul, 0xfffffffffffffffful);
	RR("addw", 0xffffffff80000000ul, 0xffffffff80000000ul, 0x0ul);
	RR("addw", 0xfffffffffffffffful, 0xfedcba9876543210ul, 0x7654320ful);
	RR("subw", 0x0ul, 0x8000000000000000ul, 0x0ul);
	RR("subw", 0x1ul, 0x80000000ul, 0xffffffff80000001ul);
	RR("subw", 0x1ul, 0x123456789abcdeful, 0x76543212ul);
	RR("subw", 0x1ul, 0x8000000000000000ul, 0x1ul);
	RR("subw", 0x1ful, 0xfedcba9876543210ul, 0xffffffff89abce0ful);
	RR("subw", 0x40ul, 0x7ffffffful, 0xffffffff80000041ul);
	RR("subw", 0x80000000ul, 0xfffffffffffffffful, 0xffffffff80000001ul);
	RR("subw", 0xfffffffful, 0x1ful, 0xffffffffffffffe0ul);
	RR("subw", 0xfffffffful, 0x40ul, 0xffffffffffffffbful);
	RR("subw", 0xfedcba9876543210ul, 0xfedcba9876543210ul, 0x0ul);
	RR("sllw", 0x0ul, 0x1ul, 0x0ul);
	RR("sllw", 0x1ul, 0x0ul, 0x1ul);
	RR("sllw", 0x7ffffffful, 0x1ul, 0xfffffffffffffffeul);
	RR("sllw", 0xfffffffful, 0x8000000000000000ul, 0xfffffffffffffffful);
	RR("sllw", 0x123456789abcdeful, 0xffffffff80000000ul, 0xffffffff89abcdeful);
	RR("sllw", 0x7ffffffffffffffful, 0x123456789abcdeful, 0xffffffffffff8000ul);
	RR("sllw", 0xffffffff80000000ul, 0x0ul, 0xffffffff80000000ul);
	RR("sllw", 0xffffffff80000000ul, 0xfedcba9876543210ul, 0x0ul);
	RR("sllw", 0xffffffff80000000ul, 0xfffffffffffffffful, 0x0ul);
	RR("sllw", 0xfffffffffffffffful, 0x1ful, 0xffffffff80000000ul);
	RR("srlw", 0x1ul, 0xfffffffful, 0x0ul);
	RR("srlw", 0x3ful, 0x123456789abcdeful, 0x0ul);
	RR("srlw", 0x3ful, 0x7ffffffffffffffful, 0x0ul);
	RR("srlw", 0x3ful, 0xfffffffffffffffful, 0x0ul);
	RR("srlw", 0x80000000ul, 0x1ul, 0x40000000ul);
	RR("srlw", 0x80000000ul, 0x80000000ul, 0xffffffff80000000ul);
	RR("srlw", 0x80000000ul, 0xfffffffful, 0x1ul);
	RR("srlw", 0x7ffffffffffffffful, 0x1ul, 0x7ffffffful);
	RR("srlw", 0xffffffff80000000ul, 0x123456789abcdeful, 0x10000ul);
	RR("srlw", 0xfffffffffffffffful, 0x1ul, 0x7ffffffful);
	RR("sraw", 0x21ul, 0x0ul, 0x21ul);
	RR("sraw", 0x3ful, 0x7ffffffful, 0x0ul);
	RR("sraw", 0x3ful, 0xfffffffful, 0x0ul);
	RR("sraw", 0x40ul, 0x7ffffffful, 0x0ul);
	RR("sraw", 0x7ffffffful, 0x0ul, 0x7ffffffful);
	RR("sraw", 0xfffffffful, 0x1ul, 0xfffffffffffffffful);
	RR("sraw", 0x123456789abcdeful, 0xfffffffffffffffful, 0xfffffffffffffffful);
	RR("sraw", 0x7ffffffffffffffful, 0x1ful, 0xfffffffffffffffful);
	RR("sraw", 0x7ffffffffffffffful, 0x7ffffffful, 0xfffffffffffffffful);
	RR("sraw", 0x8000000000000000ul, 0x7ffffffful, 0x0ul);
	RI("addi", 0x123456789abcdeful, 1, 0x123456789abcdf0ul);
	RI("addi", 0x123456789abcdeful, -1366, 0x123456789abc899ul);
	RI("addi", 0x8000000000000000ul, -2048, 0x7ffffffffffff800ul);
	RI("addi", 0x7ffffffful, -1366, 0x7ffffaa9ul);
	RI("addi", 0x7ffffffful, -1, 0x7ffffffeul);
	RI("addi", 0x1ful, 1, 0x20ul);
	RI("addi", 0xffffffff80000000ul, -1366, 0xffffffff7ffffaaaul);
	RI("addi", 0x40ul, -1366, 0xfffffffffffffaeaul);
	RI("slti", 0xfffffffful, 1, 0x0ul);
	RI("slti", 0x40ul, 1, 0x0ul);
	RI("slti", 0xfffffffful, 2047, 0x0ul);
	RI("slti", 0x3ful, -1366, 0x0ul);
	RI("slti", 0x8000000000000000ul, 1, 0x1ul);
	RI("slti", 0x7ffffffful, 2047, 0x0ul);
	RI("slti", 0x123456789abcdeful, 1365, 0x0ul);
	RI("slti", 0x0ul, 0, 0x0ul);
	RI("sltiu", 0x40ul, -1, 0x1ul);
	RI("sltiu", 0x80000000ul, -1, 0x1ul);
	RI("sltiu", 0x8000000000000000ul, 1365, 0x0ul);
	RI("sltiu", 0xffffffff80000000ul, -1, 0x1ul);
	RI("sltiu", 0x80000000ul, -1366, 0x1ul);
	RI("sltiu", 0x21ul, 1365, 0x1ul);
	RI("sltiu", 0x123456789abcdeful, -1, 0x1ul);
	RI("sltiu", 0x1ul, 1, 0x0ul);
	RI("xori", 0x1ul, 1, 0x0ul);
	RI("xori", 0x80000000ul, 1, 0x80000001ul);
	RI("xori", 0x123456789abcdeful, 1, 0x123456789abcdeeul);
	RI("xori", 0x80000000ul, -2048, 0xffffffff7ffff800ul);
	RI("xori", 0x21ul, -2048, 0xfffffffffffff821ul);
	RI("xori", 0xfffffffful, 0, 0xfffffffful);
	RI("xori", 0x80000000ul, 1365, 0x80000555ul);
	RI("xori", 0x123456789abcdeful, -1366, 0xfedcba9876543745ul);
	RI("ori", 0x1ful, 0, 0x1ful);
	RI("ori", 0xfffffffful, 1365, 0xfffffffful);
	RI("ori", 0x1ul, 2047, 0x7fful);
	RI("ori", 0x40ul, 1365, 0x555ul);
	RI("ori", 0x40ul, 1, 0x41ul);
	RI("ori", 0x80000000ul, 1, 0x80000001ul);
	RI("ori", 0xfedcba9876543210ul, -1366, 0xfffffffffffffabaul);
	RI("ori", 0x1ful, -1, 0xfffffffffffffffful);
	RI("andi", 0x1ul, -1366, 0x0ul);
	RI("andi", 0x3ful, 2047, 0x3ful);
	RI("andi", 0x80000000ul, 2047, 0x0ul);
	RI("andi", 0x3ful, 0, 0x0ul);
	RI("andi", 0x3ful, 1, 0x1ul);
	RI("andi", 0xfffffffffffffffful, 1, 0x1ul);
	RI("andi", 0x0ul, 1, 0x0ul);
	RI("andi", 0xffffffff80000000ul, 2047, 0x0ul);
	RI("addiw", 0x40ul, 1365, 0x595ul);
	RI("addiw", 0xfffffffffffffffful, -2048, 0xfffffffffffff7fful);
	RI("addiw", 0xfffffffful, -2048, 0xfffffffffffff7fful);
	RI("addiw", 0x80000000ul, 1365, 0xffffffff80000555ul);
	RI("addiw", 0x21ul, -1, 0x20ul);
	RI("addiw", 0xfffffffffffffffful, -2048, 0xfffffffffffff7fful);
	RI("addiw", 0x7ffffffful, 1, 0xffffffff80000000ul);
	RI("addiw", 0x0ul, 0, 0x0ul);
	RI("slli", 0x8123456789abcdeful, 0, 0x8123456789abcdeful);
	RI("slli", 0x80000001ul, 0, 0x80000001ul);
	RI("slli", 0x8123456789abcdeful, 1, 0x2468acf13579bdeul);
	RI("slli", 0x80000001ul, 1, 0x100000002ul);
	RI("slli", 0x8123456789abcdeful, 13, 0x68acf13579bde000ul);
	RI("slli", 0x80000001ul, 13, 0x100000002000ul);
	RI("slli", 0x8123456789abcdeful, 31, 0xc4d5e6f780000000ul);
	RI("slli", 0x80000001ul, 31, 0x4000000080000000ul);
	RI("slli", 0x8123456789abcdeful, 63, 0x8000000000000000ul);
	RI("slli", 0x80000001ul, 63, 0x8000000000000000ul);
	RI("srli", 0x8123456789abcdeful, 0, 0x8123456789abcdeful);
	RI("srli", 0x80000001ul, 0, 0x80000001ul);
	RI("srli", 0x8123456789abcdeful, 1, 0x4091a2b3c4d5e6f7ul);
	RI("srli", 0x80000001ul, 1, 0x40000000ul);
	RI("srli", 0x8123456789abcdeful, 17, 0x4091a2b3c4d5ul);
	RI("srli", 0x80000001ul, 17, 0x4000ul);
	RI("srli", 0x8123456789abcdeful, 31, 0x102468acful);
	RI("srli", 0x80000001ul, 31, 0x1ul);
	RI("srli", 0x8123456789abcdeful, 63, 0x1ul);
	RI("srli", 0x80000001ul, 63, 0x0ul);
	RI("srai", 0x8123456789abcdeful, 0, 0x8123456789abcdeful);
	RI("srai", 0x80000001ul, 0, 0x80000001ul);
	RI("srai", 0x8123456789abcdeful, 1, 0xc091a2b3c4d5e6f7ul);
	RI("srai", 0x80000001ul, 1, 0x40000000ul);
	RI("srai", 0x8123456789abcdeful, 31, 0xffffffff02468acful);
	RI("srai", 0x80000001ul, 31, 0x1ul);
	RI("srai", 0x8123456789abcdeful, 55, 0xffffffffffffff02ul);
	RI("srai", 0x80000001ul, 55, 0x0ul);
	RI("srai", 0x8123456789abcdeful, 63, 0xfffffffffffffffful);
	RI("srai", 0x80000001ul, 63, 0x0ul);
	RI("slliw", 0x8123456789abcdeful, 0, 0xffffffff89abcdeful);
	RI("slliw", 0x80000001ul, 0, 0xffffffff80000001ul);
	RI("slliw", 0x8123456789abcdeful, 1, 0x13579bdeul);
	RI("slliw", 0x80000001ul, 1, 0x2ul);
	RI("slliw", 0x8123456789abcdeful, 12, 0xffffffffbcdef000ul);
	RI("slliw", 0x80000001ul, 12, 0x1000ul);
	RI("slliw", 0x8123456789abcdeful, 15, 0xffffffffe6f78000ul);
	RI("slliw", 0x80000001ul, 15, 0x8000ul);
	RI("slliw", 0x8123456789abcdeful, 31, 0xffffffff80000000ul);
	RI("slliw", 0x80000001ul, 31, 0xffffffff80000000ul);
	RI("srliw", 0x8123456789abcdeful, 0, 0xffffffff89abcdeful);
	RI("srliw", 0x80000001ul, 0, 0xffffffff80000001ul);
	RI("srliw", 0x8123456789abcdeful, 1, 0x44d5e6f7ul);
	RI("srliw", 0x80000001ul, 1, 0x40000000ul);
	RI("srliw", 0x8123456789abcdeful, 13, 0x44d5eul);
	RI("srliw", 0x80000001ul, 13, 0x40000ul);
	RI("srliw", 0x8123456789abcdeful, 15, 0x11357ul);
	RI("srliw", 0x80000001ul, 15, 0x10000ul);
	RI("srliw", 0x8123456789abcdeful, 31, 0x1ul);
	RI("srliw", 0x80000001ul, 31, 0x1ul);
	RI("sraiw", 0x8123456789abcdeful, 0, 0xffffffff89abcdeful);
	RI("sraiw", 0x80000001ul, 0, 0xffffffff80000001ul);
	RI("sraiw", 0x8123456789abcdeful, 1, 0xffffffffc4d5e6f7ul);
	RI("sraiw", 0x80000001ul, 1, 0xffffffffc0000000ul);
	RI("sraiw", 0x8123456789abcdeful, 15, 0xffffffffffff1357ul);
	RI("sraiw", 0x80000001ul, 15, 0xffffffffffff0000ul);
	RI("sraiw", 0x8123456789abcdeful, 31, 0xfffffffffffffffful);
	RI("sraiw", 0x80000001ul, 31, 0xfffffffffffffffful);
}

static void upper(void)
{
	uint64_t r, pc;
	__asm__ volatile("lui %0, 0x12345" : "=r"(r));
	rt_check("lui 0x12345", r, 0x12345000);
	__asm__ volatile("lui %0, 0x80000" : "=r"(r));
	rt_check("lui 0x80000 (sign-extends)", r, 0xffffffff80000000ul);
	__asm__ volatile("lui %0, 0xfffff" : "=r"(r));
	rt_check("lui 0xfffff", r, 0xfffffffffffff000ul);
	__asm__ volatile("1: auipc %0, 0x1\n\tla %1, 1b" : "=r"(r), "=r"(pc));
	rt_check("auipc 1 - pc", r - pc, 0x1000);
	__asm__ volatile("1: auipc %0, 0x80000\n\tla %1, 1b" : "=r"(r), "=r"(pc));
	rt_check("auipc 0x80000 - pc", r - pc, 0xffffffff80000000ul);
	__asm__ volatile("li x0, 5\n\taddi x0, x0, 7\n\tmv %0, x0" : "=r"(r));
	rt_check("x0 stays zero", r, 0);
}

static uint8_t mem[64] __attribute__((aligned(16)));

#define LD(op, off, want) do { uint64_t _r; \
	__asm__ volatile(op " %0, %2(%1)" : "=r"(_r) : "r"(mem), "i"(off) : "memory"); \
	rt_check2(op, off, 0, _r, want); } while (0)
#define ST(op, off, v) \
	__asm__ volatile(op " %0, %2(%1)" :: "r"((uint64_t)(v)), "r"(mem), "i"(off) : "memory")

static void loadstore(void)
{
	for (int i = 0; i < 64; i++)
		mem[i] = (uint8_t)(0x81 + i * 0x11);
	/* bytes: 81 92 a3 b4 c5 d6 e7 f8 09 1a 2b 3c 4d 5e 6f 80 ... */
	LD("lb", 0, 0xffffffffffffff81ul);
	LD("lbu", 0, 0x81);
	LD("lb", 8, 0x09);
	LD("lh", 0, 0xffffffffffff9281ul);
	LD("lhu", 2, 0xb4a3);
	LD("lh", 8, 0x1a09);
	LD("lw", 0, 0xffffffffb4a39281ul);
	LD("lwu", 4, 0xf8e7d6c5ul);
	LD("lw", 8, 0x3c2b1a09);
	LD("ld", 0, 0xf8e7d6c5b4a39281ul);
	LD("ld", 8, 0x806f5e4d3c2b1a09ul);
	ST("sb", 16, 0x1234567890abcdeful);
	LD("lbu", 16, 0xef);
	ST("sh", 18, 0x1234567890abcdeful);
	LD("lhu", 18, 0xcdef);
	ST("sw", 20, 0x1234567890abcdeful);
	LD("lwu", 20, 0x90abcdef);
	ST("sd", 24, 0x1234567890abcdeful);
	LD("ld", 24, 0x1234567890abcdeful);
	LD("ld", 16, 0x90abcdefcdefa2eful);
}

static void branches(void)
{
	BR("beq", 5, 5, 1);
	BR("beq", 5, 6, 0);
	BR("bne", 5, 6, 1);
	BR("bne", 5, 5, 0);
	BR("blt", -1l, 0, 1);
	BR("blt", 0, -1l, 0);
	BR("blt", 3, 3, 0);
	BR("bge", 3, 3, 1);
	BR("bge", -1l, 0, 0);
	BR("bge", 0x8000000000000000ul, 0x7ffffffffffffffful, 0);
	BR("bltu", 0, -1l, 1);
	BR("bltu", -1l, 0, 0);
	BR("bgeu", -1l, 0, 1);
	BR("bgeu", 0x7ffffffffffffffful, 0x8000000000000000ul, 0);
	BR("bgeu", 7, 7, 1);
}

static void jumps(void)
{
	uint64_t link, here, r;
	__asm__ volatile("jal %0, 1f\n2: nop\n1: la %1, 2b" : "=r"(link), "=r"(here));
	rt_check("jal link", link - here, 0);
	/* jalr clears bit 0 of the target and links pc+4 */
	__asm__ volatile("la t0, 1f\n\taddi t0, t0, 1\n\tli %2, 0\n\tjalr %0, 0(t0)\n2:\tli %2, 9\n"
			 "1:\tla %1, 2b" : "=r"(link), "=r"(here), "=r"(r) :: "t0");
	rt_check("jalr link", link - here, 0);
	rt_check("jalr target bit 0 cleared (skipped li)", r, 0);
	/* jalr with rd == rs1: target computed from the old value */
	__asm__ volatile("la %0, 1f\n\tjalr %0, 0(%0)\n\tli %0, 0\n1:" : "=&r"(r));
	__asm__ volatile("" ::: "memory");
	rt_check("jalr rd==rs1 (link nonzero)", r != 0, 1);
}

int main(void)
{
	alu();
	upper();
	loadstore();
	branches();
	jumps();
	return rt_done("rv64i");
}
