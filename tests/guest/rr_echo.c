/* rr_echo: echoes console input byte for byte, for the piped-input test
 * (tests/console-pipe.sh).  Input: a decimal byte count N and a newline, then N bytes
 * of any value.  Each of the N bytes is written back to the UART as it is read, then
 * a closing line "\necho: N bytes fnv=XXXXXXXX" (FNV-1a of the N bytes) and the
 * guest powers off with 0.  If no byte arrives for 5 s of virtual time it prints
 * "\necho: timeout after K of N bytes" and exits 1, so a byte lost on the way makes
 * the test fail quickly instead of hanging.  While the receive buffer is empty it
 * waits with WFI on a short timer, so the machine idles (as a shell would).
 */
#include "rt.h"

static volatile uint8_t *const u = (volatile uint8_t *)UART_BASE;

static uint64_t mtime(void) { return *(volatile uint64_t *)CLINT_MTIME; }

/* The next input byte, or -1 after 5 s (virtual) without one. */
static int getc_wait(void)
{
	uint64_t start = mtime();
	while (!(u[5] & 1)) {
		if (mtime() - start > 50000000)
			return -1;
		*(volatile uint64_t *)CLINT_MTIMECMP = mtime() + 2000;     /* 200 us */
		__asm__ volatile("wfi");
	}
	return u[0];
}

static void putc_raw(uint8_t c)
{
	while (!(u[5] & 0x20))
		;
	u[0] = c;
}

int main(void)
{
	csr_set(mie, 1 << 7);              /* the timer wakes WFI; mstatus.MIE stays 0 */
	uint64_t n = 0;
	int c, digits = 0;
	while ((c = getc_wait()) >= 0 && c != '\n') {
		if (c < '0' || c > '9' || ++digits > 12) {
			rt_printf("echo: bad length header\n");
			return 2;
		}
		n = n * 10 + (c - '0');
	}
	if (c < 0 || !digits) {
		rt_printf("echo: no length header\n");
		return 2;
	}
	uint32_t h = 2166136261u;
	uint64_t k;
	for (k = 0; k < n; k++) {
		if ((c = getc_wait()) < 0)
			break;
		h = (h ^ (uint8_t)c) * 16777619u;
		putc_raw((uint8_t)c);
	}
	*(volatile uint64_t *)CLINT_MTIMECMP = ~0ull;
	csr_clear(mie, 1 << 7);
	if (k < n) {
		rt_printf("\necho: timeout after %lu of %lu bytes\n", k, n);
		return 1;
	}
	rt_printf("\necho: %lu bytes fnv=%08x\n", n, h);
	return 0;
}
