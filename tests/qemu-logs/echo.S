/* echo: read bytes from the UART until a newline (or 64 bytes), echo each one, then
 * power off.  Between polls the hart sleeps in WFI until a CLINT timer interrupt
 * (MTIE enabled, mstatus.MIE off, so no trap is taken): QEMU's main loop only sees
 * serial input when the vCPU stops.  Under -icount rr=record the bytes become
 * CHAR_READ events. */
	.section .text
	.globl _start
_start:
	li	t0, 0x10000000		/* UART 16550 */
	li	t5, 64			/* byte budget */
	li	s0, 0x0200bff8		/* CLINT mtime */
	li	s1, 0x02004000		/* CLINT mtimecmp, hart 0 */
	li	t3, 0x80		/* mie.MTIE */
	csrs	mie, t3
1:	lbu	t3, 5(t0)		/* LSR bit 0: data ready */
	andi	t3, t3, 1
	bnez	t3, 2f
	ld	t3, 0(s0)		/* sleep ~1 ms of virtual time */
	li	t4, 10000
	add	t3, t3, t4
	sd	t3, 0(s1)
	wfi
	j	1b
2:	lbu	t2, 0(t0)		/* RBR */
3:	lbu	t3, 5(t0)		/* wait for THR empty */
	andi	t3, t3, 0x20
	beqz	t3, 3b
	sb	t2, 0(t0)
	addi	t5, t5, -1
	beqz	t5, 4f
	li	t3, 10
	bne	t2, t3, 1b
4:	li	t0, 0x100000		/* sifive_test: 0x5555 = power off */
	li	t1, 0x5555
	sw	t1, 0(t0)
5:	wfi
	j	5b
