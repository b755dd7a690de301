/* hostile_uart: floods the 16550.
 *  - 100000 bytes written in loopback: the receive side fills and overruns; the
 *    guest drains what was kept (bounded), and the port still works afterwards;
 *  - a transmit flood: 64 lines of 64 characters as fast as THR takes them;
 *  - the THR-empty interrupt identification and its acknowledgement by IIR reads;
 *  - whatever the host types meanwhile (e.g. a flood piped into stdin) is read
 *    and discarded for a bounded time, without being printed.
 */
#include "rt.h"

static volatile uint8_t *const u = (volatile uint8_t *)UART_BASE;

int main(void)
{
	/* loopback flood */
	u[2] = 0x07;                            /* FIFO on, cleared */
	u[4] = 0x10;
	for (long i = 0; i < 100000; i++)
		u[0] = (uint8_t)i;
	long kept = 0;
	int first = -1;
	for (long i = 0; i < 200000 && (u[5] & 1); i++) {
		uint8_t c = u[0];
		if (first < 0)
			first = c;
		kept++;
	}
	u[4] = 0x00;
	rt_check("loopback kept some bytes", kept > 0, 1);
	rt_check("loopback kept at most the flood", kept <= 100000, 1);
	rt_check("first byte kept", first, 0);
	rt_check("receive side drained", u[5] & 1, 0);
	(void)u[5];                             /* clear a pending overrun */

	/* THR-empty interrupt identification */
	u[1] = 0x02;
	int iir1 = u[2] & 0x0f, iir2 = u[2] & 0x0f;     /* print only after both */
	u[1] = 0x00;
	rt_check("IIR says THR empty", iir1, 0x02);
	rt_check("IIR after the read", iir2, 0x01);

	/* transmit flood */
	for (int l = 0; l < 64; l++) {
		for (int i = 0; i < 64; i++) {
			while (!(u[5] & 0x20))
				;
			u[0] = 'A' + (l + i) % 26;
		}
		while (!(u[5] & 0x20))
			;
		u[0] = '\n';
	}

	/* drain host input for a bounded time */
	for (long i = 0; i < 2000000; i++)
		if (u[5] & 1)
			(void)u[0];
	rt_check("scratch register works", (u[7] = 0x5a, u[7]), 0x5a);
	if (!rt_failures)
		rt_printf("OK\n");
	return rt_done("hostile_uart");
}
