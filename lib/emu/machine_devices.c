/* machine_devices: the virt board's interrupt controller and I/O devices, wired to
 * the memory map, to the PLIC and to the host; input delivery; their state hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine_impl.h"
#include "emu/plic.h"
#include "emu/uart16550.h"
#include "emu/goldfish_rtc.h"

struct machine_devices {
	struct plic *plic;
	struct uart *uart;
	struct goldfish_rtc *rtc;
};

static struct irq_line plic_line(struct machine *m, int irq)
{
	struct irq_line l = { plic_set_irq, m->dev->plic, irq };
	return l;
}

int machine_devices_new(struct machine *m, char *err, size_t errlen)
{
	struct machine_devices *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->dev = d;
	struct hart *harts[MACHINE_MAX_HARTS];
	for (int i = 0; i < m->nharts; i++)
		harts[i] = &m->harts[i];
	d->plic = plic_new(&m->pm, VIRT_PLIC_BASE, harts, m->nharts);
	if (!d->plic)
		goto nomem;
	d->uart = uart_new(&m->pm, VIRT_UART_BASE, plic_line(m, VIRT_UART_IRQ), m->host, 0);
	d->rtc = goldfish_rtc_new(&m->pm, VIRT_RTC_BASE, plic_line(m, VIRT_RTC_IRQ), m->host);
	if (!d->uart || !d->rtc)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "cannot create the board's devices (out of memory)");
	return -1;
}

void machine_devices_free(struct machine *m)
{
	struct machine_devices *d = m->dev;
	if (!d)
		return;
	goldfish_rtc_free(d->rtc);
	uart_free(d->uart);
	plic_free(d->plic);
	free(d);
	m->dev = NULL;
}

void machine_devices_deliver(struct machine *m, const struct emu_input *in)
{
	struct machine_devices *d = m->dev;
	switch (in->kind) {
	case EMU_INPUT_SERIAL:
		uart_receive(d->uart, in->data, in->len);
		break;
	default:
		break; /* an input for a device this board does not have: ignored */
	}
}

uint64_t machine_devices_hash(struct machine *m)
{
	struct machine_devices *d = m->dev;
	size_t n;
	void *s;
	uint64_t h = 0;
	s = plic_state(d->plic, &n);
	h = machine_hash_bytes(h + 11, s, n);
	s = uart_state(d->uart, &n);
	h = machine_hash_bytes(h + 12, s, n);
	s = goldfish_rtc_state(d->rtc, &n);
	h = machine_hash_bytes(h + 13, s, n);
	return h;
}
