/* tick: a CLINT timer interrupt every PERIOD mtime ticks while the hart computes;
 * prints '.' every 64 interrupts and powers off after TICKS of them.  Makes an
 * INTERRUPT- and INSN-heavy QEMU replay log.  Build with -DTICKS=n -DPERIOD=n. */
#ifndef TICKS
#define TICKS 200
#endif
#ifndef PERIOD
#define PERIOD 1000
#endif
	.section .text
	.globl _start
_start:
	la	t0, trap
	csrw	mtvec, t0
	li	s0, 0x0200bff8		/* CLINT mtime */
	li	s1, 0x02004000		/* CLINT mtimecmp, hart 0 */
	li	s2, 0			/* interrupts taken */
	li	s3, TICKS
	ld	t0, 0(s0)
	li	t1, PERIOD
	add	t0, t0, t1
	sd	t0, 0(s1)
	li	t0, 0x80		/* mie.MTIE */
	csrs	mie, t0
	csrsi	mstatus, 8		/* mstatus.MIE */
	li	a0, 0
1:	addi	a0, a0, 3		/* busy work between interrupts */
	xori	a0, a0, 0x55
	bltu	s2, s3, 1b
	li	t0, 0x100000		/* sifive_test: 0x5555 = power off */
	li	t1, 0x5555
	sw	t1, 0(t0)
2:	wfi
	j	2b

	.align 4
trap:	ld	t0, 0(s1)		/* next deadline */
	li	t1, PERIOD
	add	t0, t0, t1
	sd	t0, 0(s1)
	addi	s2, s2, 1
	andi	t0, s2, 63
	bnez	t0, 4f
	li	t0, 0x10000000		/* UART: print a dot */
3:	lbu	t1, 5(t0)
	andi	t1, t1, 0x20
	beqz	t1, 3b
	li	t1, '.'
	sb	t1, 0(t0)
4:	mret
