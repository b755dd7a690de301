/* uart16550: the NS16550A serial port of QEMU's virt board (reg-shift 0, IRQ 10).
 *
 * Registers at offsets 0..7 (any access size; the low byte is used): RBR/THR/DLL,
 * IER/DLM, IIR/FCR, LCR, MCR, LSR, MSR, SCR. Transmission is instant: a THR write
 * goes straight out through host_serial_write() (or, in loopback, into the RX
 * buffer) and the THR-empty interrupt follows at once. Received bytes come from the
 * machine through uart_receive() into a bounded RX buffer (UART_RX_SIZE bytes; the
 * guest sees it as the receive FIFO, trigger level 1). The machine offers the host
 * only uart_rx_room() bytes (host.h, Backpressure), so nothing is lost; bytes that
 * do not fit anyway are dropped and counted. In loopback (MCR bit 4) the serial
 * input is cut off, as on a real 16550: the room is 0 and host bytes wait. Interrupts per 16550: line status (never raised: no errors
 * are modelled), RX data, THR empty, modem status (loopback only). Nothing depends
 * on time, so the device is deterministic.
 */
#ifndef EMU_UART16550_H
#define EMU_UART16550_H
#include <stddef.h>
#include <stdint.h>
#include "emu/physmem.h"
#include "emu/host.h"
#include "emu/irq.h"

#define UART_SIZE    0x100
#define UART_RX_SIZE 65536  /* a pasted or piped script of 64 KiB arrives whole */

/* Guest-visible state: plain data. */
struct uart_state {
	uint8_t ier, lcr, mcr, lsr_err, msr_delta, scr, dll, dlm;
	uint8_t fcr;            /* last FCR write (bit 0: FIFOs enabled) */
	uint8_t thr_ipending;   /* THR-empty interrupt pending */
	uint8_t irq_level;      /* level last driven on the irq line */
	uint8_t pad[5];
	uint32_t rx_head, rx_count;
	uint64_t rx_dropped;    /* bytes refused by uart_receive (not guest-visible) */
	uint8_t rx_buf[UART_RX_SIZE];
};

struct uart;

/* Map a UART of UART_SIZE bytes at base raising `irq`; output goes to
 * host_serial_write(host, dev_index, ...). NULL if the range is taken or no memory. */
struct uart *uart_new(struct physmem *pm, uint64_t base, struct irq_line irq,
		      struct emu_host *host, uint32_t dev_index);
void uart_free(struct uart *u);
/* Deliver up to n received bytes; returns how many were taken (the rest are
 * dropped and counted; all of them in loopback). */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n);
/* How many received bytes the port can take now: the free room of the RX buffer,
 * 0 in loopback. A function of guest state (what the machine offers the host). */
int uart_rx_room(struct uart *u);
/* Bytes dropped because the RX buffer was full. */
uint64_t uart_rx_dropped(struct uart *u);
/* Power-on reset (the RX buffer is emptied). */
void uart_reset(struct uart *u);
void *uart_state(struct uart *u, size_t *len);
/* After the state was overwritten: sanitise it and re-drive the irq line. */
void uart_state_loaded(struct uart *u);

#endif
