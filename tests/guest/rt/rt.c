/* rt.c: console, power-off, checks, trap dispatch and mode switching for the
 * bare-metal test programs (see rt.h). Freestanding: no libc. */
#include "rt.h"

rt_trap_fn rt_mtrap_hook, rt_strap_hook;
volatile int rt_catch;
volatile struct rt_trapinfo rt_trap;
int rt_failures;

static uint64_t mode_jb[16];
static volatile uint64_t mode_ret;

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Write one byte to the UART once the transmit holding register is empty. */
void rt_putc(int c)
{
	volatile uint8_t *u = (volatile uint8_t *)UART_BASE;
	while (!(u[5] & 0x20))
		;
	u[0] = (uint8_t)c;
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

/* Emit v in base 10 or 16, left-padded to width with pad. */
static int put_num(uint64_t v, int base, int neg, int width, char pad)
{
	char buf[24];
	int n = 0, out = 0;
	do {
		int d = (int)(v % (unsigned)base);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= (unsigned)base;
	} while (v);
	if (neg && pad == '0') {
		rt_putc('-');
		out++;
		width--;
	} else if (neg) {
		buf[n++] = '-';
	}
	for (; width > n; width--, out++)
		rt_putc(pad);
	while (n) {
		rt_putc(buf[--n]);
		out++;
	}
	return out;
}

int rt_vprintf(const char *fmt, va_list ap)
{
	int out = 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			rt_putc(*fmt);
			out++;
			continue;
		}
		char pad = ' ';
		int width = 0, lng = 0;
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			rt_putc(va_arg(ap, int));
			out++;
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = (int)strlen(s);
			for (; width > len; width--, out++)
				rt_putc(' ');
			rt_puts(s);
			out += len;
			break;
		}
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			out += put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			out += put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, width, pad);
			break;
		case 'x':
			out += put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0, width, pad);
			break;
		case 'p':
			rt_puts("0x");
			out += 2 + put_num((uint64_t)va_arg(ap, void *), 16, 0, 16, '0');
			break;
		case '%':
			rt_putc('%');
			out++;
			break;
		default:
			rt_putc('?');
			out++;
			if (!*fmt)
				return out;
		}
	}
	return out;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = rt_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void rt_exit(int code)
{
	volatile uint32_t *t = (volatile uint32_t *)TEST_BASE;
	*t = code ? ((uint32_t)(code & 0xff) << 16) | 0x3333 : 0x5555;
	for (;;)
		__asm__ volatile("wfi");
}

void rt_check(const char *name, uint64_t got, uint64_t want)
{
	rt_printf("%s = 0x%016lx", name, got);
	if (got != want) {
		rt_printf(" FAIL (want 0x%016lx)", want);
		rt_failures++;
	}
	rt_putc('\n');
}

void rt_check2(const char *name, uint64_t a, uint64_t b, uint64_t got, uint64_t want)
{
	rt_printf("%s %016lx %016lx -> %016lx", name, a, b, got);
	if (got != want) {
		rt_printf(" FAIL (want %016lx)", want);
		rt_failures++;
	}
	rt_putc('\n');
}

void rt_note(const char *name, uint64_t val)
{
	rt_printf("%s = 0x%016lx\n", name, val);
}

int rt_done(const char *prog)
{
	if (rt_failures) {
		rt_printf("%s: FAIL (%d checks failed)\n", prog, rt_failures);
		return rt_failures > 250 ? 250 : rt_failures;
	}
	rt_printf("%s: PASS\n", prog);
	return 0;
}

void rt_trap_reset(void)
{
	rt_trap.count = 0;
	rt_trap.mode = '-';
	rt_trap.cause = ~0ul;
	rt_trap.epc = 0;
	rt_trap.tval = 0;
}

int rt_insn_len(uint64_t addr)
{
	uint16_t lo = *(volatile uint16_t *)addr;
	return (lo & 3) == 3 ? 4 : 2;
}

/* Record a caught exception and step over it (see rt_catch in rt.h). */
static int catch_exception(struct rt_frame *f, char mode)
{
	if (!rt_catch || (int64_t)f->cause < 0)
		return 0;
	rt_trap.count++;
	rt_trap.mode = mode;
	rt_trap.cause = f->cause;
	rt_trap.epc = f->epc;
	rt_trap.tval = f->tval;
	if (f->cause == 0 || f->cause == 1 || f->cause == 12)
		f->epc = f->x[1];
	else
		f->epc += rt_insn_len(f->epc);
	return 1;
}

static void unexpected(struct rt_frame *f, char mode)
{
	rt_printf("unexpected trap in %c-mode handler: cause=0x%lx epc=0x%lx tval=0x%lx\n",
		  mode, f->cause, f->epc, f->tval);
	rt_exit(99);
}

/* Called by rt_mtrap_entry with the saved frame. */
void rt_mtrap(struct rt_frame *f)
{
	if ((f->cause == 8 || f->cause == 9 || f->cause == 11) && f->x[17] == RT_ECALL_RETURN) {
		mode_ret = f->x[10];
		csr_write(mscratch, _mtrap_stack_top);
		csr_write(sscratch, _strap_stack_top);
		rt_longjmp(mode_jb, 1);
	}
	if (rt_mtrap_hook && rt_mtrap_hook(f))
		return;
	if (catch_exception(f, 'M'))
		return;
	unexpected(f, 'M');
}

/* Called by rt_strap_entry with the saved frame. */
void rt_strap(struct rt_frame *f)
{
	if (f->cause == 8 && f->x[17] == RT_ECALL_RETURN) {
		/* forward the return request to M */
		register uint64_t a0 __asm__("a0") = f->x[10];
		register uint64_t a7 __asm__("a7") = RT_ECALL_RETURN;
		__asm__ volatile("ecall" :: "r"(a0), "r"(a7));
		for (;;)
			;
	}
	if (rt_strap_hook && rt_strap_hook(f))
		return;
	if (catch_exception(f, 'S'))
		return;
	unexpected(f, 'S');
}

uint64_t rt_run_in_mode(int prv, uint64_t (*fn)(uint64_t), uint64_t arg)
{
	if (rt_setjmp(mode_jb) == 0) {
		uint64_t st = csr_read(mstatus);
		st = (st & ~MSTATUS_MPP) | ((uint64_t)prv << 11);
		csr_write(mstatus, st);
		csr_write(mepc, rt_mode_tramp);
		register uint64_t a0 __asm__("a0") = arg;
		register uint64_t a1 __asm__("a1") = (uint64_t)fn;
		__asm__ volatile("mret" :: "r"(a0), "r"(a1) : "memory");
		__builtin_unreachable();
	}
	return mode_ret;
}

uint64_t rt_virtio_find(uint32_t device_id)
{
	for (int i = 0; i < 8; i++) {
		uint64_t b = 0x10001000ul + 0x1000ul * i;
		volatile uint32_t *r = (volatile uint32_t *)b;
		if (r[0] == 0x74726976 && r[1] == 2 && r[2] == device_id)
			return b;
	}
	return 0;
}

static void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }

int rt_virtio_setup(uint64_t b, uint32_t qsize, const void *desc, const void *avail, const void *used)
{
	wr32(b + 0x70, 0);                      /* status: reset, then ACKNOWLEDGE | DRIVER */
	wr32(b + 0x70, 1 | 2);
	wr32(b + 0x24, 1);                      /* driver features, high word: VERSION_1 */
	wr32(b + 0x20, 1);
	wr32(b + 0x24, 0);
	wr32(b + 0x20, 0);
	wr32(b + 0x70, 1 | 2 | 8);              /* FEATURES_OK */
	if (!(rd32(b + 0x70) & 8))
		return -1;
	wr32(b + 0x30, 0);                      /* queue 0 */
	if (rd32(b + 0x34) < qsize)
		return -1;
	wr32(b + 0x38, qsize);
	uint64_t d = (uint64_t)desc, a = (uint64_t)avail, u = (uint64_t)used;
	wr32(b + 0x80, d); wr32(b + 0x84, d >> 32);
	wr32(b + 0x90, a); wr32(b + 0x94, a >> 32);
	wr32(b + 0xa0, u); wr32(b + 0xa4, u >> 32);
	wr32(b + 0x44, 1);                      /* ready */
	wr32(b + 0x70, 1 | 2 | 4 | 8);          /* DRIVER_OK */
	return 0;
}
