/* fatal_trap_loop: mtvec points at unmapped memory and main jumps there: every
 * fetch faults and traps to the same unmapped address. rr-run must stop with an
 * error naming the pc and the cause, not spin or crash. */
	.text
	.globl main
main:
	li	t0, 0x40000000
	csrw	mtvec, t0
	jr	t0
