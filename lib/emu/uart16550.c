/* uart16550: NS16550A UART (see uart16550.h for the contract). */
#include <stdlib.h>
#include <string.h>
#include "emu/uart16550.h"

enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI   0x01
#define IER_THRI  0x02
#define IER_RLSI  0x04
#define IER_MSI   0x08
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02

struct uart {
	struct uart_state s;
	struct irq_line irq;
	struct emu_host *host;
	uint32_t dev;
};

/* The modem status input lines: looped back from MCR, else as QEMU reports an
 * idle chardev (DCD, DSR, CTS asserted). */
static uint8_t msr_lines(const struct uart_state *s)
{
	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	uint8_t m = 0;
	if (s->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (s->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (s->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

/* The interrupt identification value (without the FIFO bits). */
static uint8_t iir_id(const struct uart_state *s)
{
	if ((s->ier & IER_RLSI) && s->lsr_err)
		return 0x06;
	if ((s->ier & IER_RDI) && s->rx_count)
		return 0x04;
	if ((s->ier & IER_THRI) && s->thr_ipending)
		return 0x02;
	if ((s->ier & IER_MSI) && s->msr_delta)
		return 0x00;
	return 0x01;
}

static void uart_update(struct uart *u)
{
	uint8_t level = !(iir_id(&u->s) & 1);
	if (level != u->s.irq_level) {
		u->s.irq_level = level;
		irq_set(&u->irq, level);
	}
}

static int rx_push(struct uart_state *s, uint8_t c)
{
	if (s->rx_count >= UART_RX_SIZE)
		return 0;
	s->rx_buf[(s->rx_head + s->rx_count) % UART_RX_SIZE] = c;
	s->rx_count++;
	return 1;
}

static uint64_t uart_read(void *opaque, uint64_t off, int size)
{
	struct uart *u = opaque;
	struct uart_state *s = &u->s;
	uint8_t v = 0;
	if (off > 7)
		return 0;
	switch (off) {
	case RBR:
		if (s->lcr & LCR_DLAB) {
			v = s->dll;
		} else if (s->rx_count) {
			v = s->rx_buf[s->rx_head];
			s->rx_head = (s->rx_head + 1) % UART_RX_SIZE;
			s->rx_count--;
		}
		break;
	case IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case IIR:
		v = iir_id(s);
		if (v == 0x02)
			s->thr_ipending = 0;    /* reading IIR acknowledges THR empty */
		if (s->fcr & FCR_ENABLE)
			v |= 0xc0;
		break;
	case LCR:
		v = s->lcr;
		break;
	case MCR:
		v = s->mcr;
		break;
	case LSR:
		v = LSR_THRE | LSR_TEMT | s->lsr_err | (s->rx_count ? LSR_DR : 0);
		s->lsr_err = 0;
		break;
	case MSR:
		v = msr_lines(s) | s->msr_delta;
		s->msr_delta = 0;
		break;
	case SCR:
		v = s->scr;
		break;
	}
	uart_update(u);
	return v;
}

static void uart_write(void *opaque, uint64_t off, uint64_t val64, int size)
{
	struct uart *u = opaque;
	struct uart_state *s = &u->s;
	uint8_t v = val64, old;
	if (off > 7)
		return;
	switch (off) {
	case RBR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		if (s->mcr & MCR_LOOP) {
			if (!rx_push(s, v))
				s->lsr_err |= 0x02;     /* overrun */
		} else {
			host_serial_write(u->host, u->dev, &v, 1);
		}
		s->thr_ipending = 1;            /* sent at once: THR is empty again */
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		if ((s->ier & IER_THRI) && !(old & IER_THRI))
			s->thr_ipending = 1;    /* THR is always empty */
		else if (!(s->ier & IER_THRI))
			s->thr_ipending = 0;
		break;
	case IIR:                               /* FCR */
		s->fcr = v & 0xc9;
		if (v & FCR_CLR_RX)
			s->rx_count = s->rx_head = 0;
		break;
	case LCR:
		s->lcr = v;
		break;
	case MCR: {
		uint8_t before = msr_lines(s), after;
		s->mcr = v & 0x1f;
		after = msr_lines(s);
		uint8_t ch = before ^ after;
		if (ch & MSR_CTS)
			s->msr_delta |= 0x01;
		if (ch & MSR_DSR)
			s->msr_delta |= 0x02;
		if ((before & MSR_RI) && !(after & MSR_RI))
			s->msr_delta |= 0x04;   /* trailing edge of RI */
		if (ch & MSR_DCD)
			s->msr_delta |= 0x08;
		break;
	}
	case LSR:
	case MSR:
		break;                          /* read-only */
	case SCR:
		s->scr = v;
		break;
	}
	uart_update(u);
}

struct uart *uart_new(struct physmem *pm, uint64_t base, struct irq_line irq,
		      struct emu_host *host, uint32_t dev_index)
{
	struct uart *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->irq = irq;
	u->host = host;
	u->dev = dev_index;
	if (physmem_add_device(pm, base, UART_SIZE, u, uart_read, uart_write, "uart") < 0) {
		free(u);
		return NULL;
	}
	return u;
}

void uart_free(struct uart *u)
{
	free(u);
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t i = 0;
	if (!(u->s.mcr & MCR_LOOP))             /* loopback: the serial input is cut off */
		for (; i < n && rx_push(&u->s, buf[i]); i++)
			;
	u->s.rx_dropped += n - i;
	uart_update(u);
	return i;
}

int uart_rx_room(struct uart *u)
{
	if (u->s.mcr & MCR_LOOP)
		return 0;
	return UART_RX_SIZE - u->s.rx_count;
}

uint64_t uart_rx_dropped(struct uart *u)
{
	return u->s.rx_dropped;
}

void uart_reset(struct uart *u)
{
	uint64_t dropped = u->s.rx_dropped;
	memset(&u->s, 0, sizeof u->s);
	u->s.rx_dropped = dropped;
	irq_set(&u->irq, 0);
}

void *uart_state(struct uart *u, size_t *len)
{
	*len = sizeof u->s;
	return &u->s;
}

void uart_state_loaded(struct uart *u)
{
	struct uart_state *s = &u->s;
	s->rx_head %= UART_RX_SIZE;
	if (s->rx_count > UART_RX_SIZE)
		s->rx_count = UART_RX_SIZE;
	s->irq_level = !(iir_id(s) & 1);
	irq_set(&u->irq, s->irq_level);
}
