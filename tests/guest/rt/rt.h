/* rt.h: the tiny freestanding runtime shared by the bare-metal test programs.
 *
 * A program defines int main(void); crt.S calls it in M-mode and powers off with
 * its return value (0 = pass). Output goes to the 16550 UART; every line a program
 * prints must be deterministic (the same on QEMU and rr-run): never print timer or
 * counter values that depend on speed.
 */
#ifndef RT_H
#define RT_H
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

#define UART_BASE   0x10000000ul
#define TEST_BASE   0x100000ul
#define CLINT_BASE  0x2000000ul
#define CLINT_MSIP  (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

#define RT_ECALL_RETURN 0x52455452  /* a7 of the ecall that ends rt_run_in_mode() */

enum { RT_PRV_U = 0, RT_PRV_S = 1, RT_PRV_M = 3 };

#define MSTATUS_SIE  (1ul << 1)
#define MSTATUS_MIE  (1ul << 3)
#define MSTATUS_SPIE (1ul << 5)
#define MSTATUS_MPIE (1ul << 7)
#define MSTATUS_SPP  (1ul << 8)
#define MSTATUS_MPP  (3ul << 11)
#define MSTATUS_FS   (3ul << 13)
#define MSTATUS_MPRV (1ul << 17)
#define MSTATUS_SUM  (1ul << 18)
#define MSTATUS_MXR  (1ul << 19)
#define MSTATUS_TVM  (1ul << 20)
#define MSTATUS_TW   (1ul << 21)
#define MSTATUS_TSR  (1ul << 22)

#define csr_read(csr) ({ uint64_t __v; \
	__asm__ volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, val) ({ uint64_t __v = (uint64_t)(val); \
	__asm__ volatile("csrw " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_swap(csr, val) ({ uint64_t __v = (uint64_t)(val); \
	__asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(__v) : "rK"(__v) : "memory"); __v; })
#define csr_set(csr, val) ({ uint64_t __v = (uint64_t)(val); \
	__asm__ volatile("csrs " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_clear(csr, val) ({ uint64_t __v = (uint64_t)(val); \
	__asm__ volatile("csrc " #csr ", %0" :: "rK"(__v) : "memory"); })

/* The registers saved by the trap entries (crt.S); handlers may edit any field. */
struct rt_frame {
	uint64_t x[32];
	uint64_t cause, epc, tval, status;
};

/* Trap hooks: called by the M-mode (or S-mode) trap dispatcher for every trap
 * that is not the RT_ECALL_RETURN ecall. Return 1 if handled (the frame is then
 * restored, with any edits), 0 to fall through to the default handling. */
typedef int (*rt_trap_fn)(struct rt_frame *f);
extern rt_trap_fn rt_mtrap_hook, rt_strap_hook;

/* Default handling of a synchronous exception while rt_catch is non-zero: record it
 * in rt_trap (count, cause, epc, tval, the mode that took it: 'M' or 'S') and resume
 * after the faulting instruction (or, for fetch faults, at ra: fault fetches with a
 * call). With rt_catch zero, or for an interrupt, an unhandled trap prints
 * "unexpected trap" and powers off with code 99. */
struct rt_trapinfo {
	int count;
	char mode;
	uint64_t cause, epc, tval;
};
extern volatile int rt_catch;
extern volatile struct rt_trapinfo rt_trap;
/* Reset rt_trap (count 0, cause ~0). */
void rt_trap_reset(void);

/* Console. rt_printf supports %c %s %d %u %x %p with the l/ll size and 0/width flags. */
void rt_putc(int c);
void rt_puts(const char *s);
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vprintf(const char *fmt, va_list ap);

/* Power off through sifive_test: code 0 = pass, otherwise fail with (code & 0xff). */
void rt_exit(int code) __attribute__((noreturn));

/* Known-answer checks: print "name = 0x<got>" and, when got != want, " FAIL (want
 * 0x<want>)" and count the failure. rt_note prints without checking. */
void rt_check(const char *name, uint64_t got, uint64_t want);
void rt_note(const char *name, uint64_t val);
/* Two-operand form: print "name a b -> got" (hex) and check got == want. */
void rt_check2(const char *name, uint64_t a, uint64_t b, uint64_t got, uint64_t want);
extern int rt_failures;
/* Print the closing line and return the exit code main() should return. */
int rt_done(const char *prog);

/* Run fn(arg) in privilege mode prv (RT_PRV_U or RT_PRV_S) through mret, and return
 * its result once it ends with the RT_ECALL_RETURN ecall (done by the trampoline when
 * fn returns). Needs ecalls from U/S to reach M, or the S trap dispatcher (which
 * forwards the return ecall to M when ecall from U is delegated). */
uint64_t rt_run_in_mode(int prv, uint64_t (*fn)(uint64_t), uint64_t arg);

/* Saved-context jumps (crt.S): 16 slots. */
int rt_setjmp(uint64_t buf[16]);
void rt_longjmp(uint64_t buf[16], int val) __attribute__((noreturn));

/* The virtio-mmio transport of QEMU's virt board: the base of the first of the
 * slots a device may sit in (version 2) with this device id (2 blk, 1 net, 4 rng,
 * 18 input), or 0 if none. */
uint64_t rt_virtio_find(uint32_t device_id);
/* Bring the device at b up with VERSION_1 only and its queue 0 of qsize entries
 * at desc, avail and used (which the caller has zeroed): 0, or -1 if the device
 * refuses the features or has a smaller queue. */
int rt_virtio_setup(uint64_t b, uint32_t qsize, const void *desc, const void *avail, const void *used);

/* Length of the instruction at addr (2 or 4). */
int rt_insn_len(uint64_t addr);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

extern char _stack_top[], _mtrap_stack_top[], _strap_stack_top[], _end[];
extern char rt_mtrap_entry[], rt_strap_entry[], rt_mode_tramp[];

#endif
