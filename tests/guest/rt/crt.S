/* crt.S: start-up and trap entry for the bare-metal test programs.
 *
 * _start runs in M-mode at 0x80000000 (a0 = hartid, a1 = fdt). Hart 0 sets up the
 * stack, gp, the M-mode trap vector (rt_mtrap_entry, mscratch = M trap stack),
 * a PMP entry that opens all memory to S/U, FS = initial, clears .bss, calls
 * main() and powers off with its return value (rt_exit). Other harts park in WFI.
 *
 * Trap entries save x1..x31 and the trap CSRs into a struct rt_frame on the trap
 * stack (swapped in through mscratch/sscratch), call the C dispatcher
 * (rt_mtrap/rt_strap), then write back epc and status from the frame, restore
 * all registers and return with mret/sret. The dispatcher may edit the frame.
 * Frame layout (8 bytes each): x0..x31, cause, epc, tval, status (36 slots).
 */
#define FRAME (36 * 8)

	.section .text.init, "ax"
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, rt_park
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la sp, _stack_top
	la t0, _mtrap_stack_top
	csrw mscratch, t0
	la t0, rt_mtrap_entry
	csrw mtvec, t0
	la t0, _strap_stack_top
	csrw sscratch, t0
	la t0, rt_strap_entry
	csrw stvec, t0
	/* PMP entry 0: NAPOT over the whole address space, RWX, so S/U can run */
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	li t0, 0x2000           /* mstatus.FS = initial */
	csrs mstatus, t0
	csrwi fcsr, 0
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	call main
	call rt_exit
	.globl rt_park
rt_park:
	wfi
	j rt_park

/* SAVE_REGS/RESTORE_REGS: x1, x3..x31 to/from the frame at sp (x2 handled apart). */
.macro SAVE_REGS
	sd x1, 1*8(sp)
	sd x3, 3*8(sp)
	sd x4, 4*8(sp)
	sd x5, 5*8(sp)
	sd x6, 6*8(sp)
	sd x7, 7*8(sp)
	sd x8, 8*8(sp)
	sd x9, 9*8(sp)
	sd x10, 10*8(sp)
	sd x11, 11*8(sp)
	sd x12, 12*8(sp)
	sd x13, 13*8(sp)
	sd x14, 14*8(sp)
	sd x15, 15*8(sp)
	sd x16, 16*8(sp)
	sd x17, 17*8(sp)
	sd x18, 18*8(sp)
	sd x19, 19*8(sp)
	sd x20, 20*8(sp)
	sd x21, 21*8(sp)
	sd x22, 22*8(sp)
	sd x23, 23*8(sp)
	sd x24, 24*8(sp)
	sd x25, 25*8(sp)
	sd x26, 26*8(sp)
	sd x27, 27*8(sp)
	sd x28, 28*8(sp)
	sd x29, 29*8(sp)
	sd x30, 30*8(sp)
	sd x31, 31*8(sp)
.endm
.macro RESTORE_REGS
	ld x1, 1*8(sp)
	ld x3, 3*8(sp)
	ld x4, 4*8(sp)
	ld x5, 5*8(sp)
	ld x6, 6*8(sp)
	ld x7, 7*8(sp)
	ld x8, 8*8(sp)
	ld x9, 9*8(sp)
	ld x10, 10*8(sp)
	ld x11, 11*8(sp)
	ld x12, 12*8(sp)
	ld x13, 13*8(sp)
	ld x14, 14*8(sp)
	ld x15, 15*8(sp)
	ld x16, 16*8(sp)
	ld x17, 17*8(sp)
	ld x18, 18*8(sp)
	ld x19, 19*8(sp)
	ld x20, 20*8(sp)
	ld x21, 21*8(sp)
	ld x22, 22*8(sp)
	ld x23, 23*8(sp)
	ld x24, 24*8(sp)
	ld x25, 25*8(sp)
	ld x26, 26*8(sp)
	ld x27, 27*8(sp)
	ld x28, 28*8(sp)
	ld x29, 29*8(sp)
	ld x30, 30*8(sp)
	ld x31, 31*8(sp)
.endm

	.text
	.balign 64
	.globl rt_mtrap_entry
rt_mtrap_entry:
	csrrw sp, mscratch, sp
	addi sp, sp, -FRAME
	SAVE_REGS
	csrr t0, mscratch
	sd t0, 2*8(sp)
	sd zero, 0(sp)
	csrr t0, mcause
	sd t0, 32*8(sp)
	csrr t0, mepc
	sd t0, 33*8(sp)
	csrr t0, mtval
	sd t0, 34*8(sp)
	csrr t0, mstatus
	sd t0, 35*8(sp)
	mv a0, sp
	call rt_mtrap
	ld t0, 33*8(sp)
	csrw mepc, t0
	ld t0, 35*8(sp)
	csrw mstatus, t0
	addi t0, sp, FRAME
	csrw mscratch, t0
	RESTORE_REGS
	ld sp, 2*8(sp)
	mret

	.balign 64
	.globl rt_strap_entry
rt_strap_entry:
	csrrw sp, sscratch, sp
	addi sp, sp, -FRAME
	SAVE_REGS
	csrr t0, sscratch
	sd t0, 2*8(sp)
	sd zero, 0(sp)
	csrr t0, scause
	sd t0, 32*8(sp)
	csrr t0, sepc
	sd t0, 33*8(sp)
	csrr t0, stval
	sd t0, 34*8(sp)
	csrr t0, sstatus
	sd t0, 35*8(sp)
	mv a0, sp
	call rt_strap
	ld t0, 33*8(sp)
	csrw sepc, t0
	ld t0, 35*8(sp)
	csrw sstatus, t0
	addi t0, sp, FRAME
	csrw sscratch, t0
	RESTORE_REGS
	ld sp, 2*8(sp)
	sret

/* rt_mode_tramp: first code run in the lower mode by rt_run_in_mode():
 * a0 = argument, a1 = function; returns to M with the magic ecall. */
	.globl rt_mode_tramp
rt_mode_tramp:
	jalr a1
	li a7, 0x52455452       /* RT_ECALL_RETURN */
	ecall
	j rt_park

/* rt_setjmp(buf) / rt_longjmp(buf, val): ra, sp, gp, tp, s0..s11 (16 slots). */
	.globl rt_setjmp
rt_setjmp:
	sd ra, 0(a0)
	sd sp, 8(a0)
	sd gp, 16(a0)
	sd tp, 24(a0)
	sd s0, 32(a0)
	sd s1, 40(a0)
	sd s2, 48(a0)
	sd s3, 56(a0)
	sd s4, 64(a0)
	sd s5, 72(a0)
	sd s6, 80(a0)
	sd s7, 88(a0)
	sd s8, 96(a0)
	sd s9, 104(a0)
	sd s10, 112(a0)
	sd s11, 120(a0)
	li a0, 0
	ret
	.globl rt_longjmp
rt_longjmp:
	ld ra, 0(a0)
	ld sp, 8(a0)
	ld gp, 16(a0)
	ld tp, 24(a0)
	ld s0, 32(a0)
	ld s1, 40(a0)
	ld s2, 48(a0)
	ld s3, 56(a0)
	ld s4, 64(a0)
	ld s5, 72(a0)
	ld s6, 80(a0)
	ld s7, 88(a0)
	ld s8, 96(a0)
	ld s9, 104(a0)
	ld s10, 112(a0)
	ld s11, 120(a0)
	seqz a0, a1
	add a0, a0, a1
	ret
