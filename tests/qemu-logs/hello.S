/* hello: print a line on the UART, spin a little, power off through sifive_test.
 * Bare metal for qemu-system-riscv64 -M virt -bios none (loaded at 0x80000000). */
	.section .text
	.globl _start
_start:
	li	t0, 0x10000000		/* UART 16550 */
	la	t1, msg
1:	lbu	t2, 0(t1)
	beqz	t2, 3f
2:	lbu	t3, 5(t0)		/* LSR: wait for THR empty */
	andi	t3, t3, 0x20
	beqz	t3, 2b
	sb	t2, 0(t0)
	addi	t1, t1, 1
	j	1b
3:	li	t4, 100000		/* some instruction progress */
4:	addi	t4, t4, -1
	bnez	t4, 4b
	li	t0, 0x100000		/* sifive_test: 0x5555 = power off */
	li	t1, 0x5555
	sw	t1, 0(t0)
5:	wfi
	j	5b
msg:	.asciz	"hello from a QEMU replay log\n"
