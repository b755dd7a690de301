/* goldfish_rtc: the Goldfish real-time clock of QEMU's virt board (IRQ 11).
 *
 * 32-bit registers (other sizes and offsets read 0, writes ignored):
 *   0x00 TIME_LOW   read: latch the time (host_rtc_ns() + offset), return bits 0..31
 *   0x04 TIME_HIGH  read: bits 32..63 of the latched time
 *        writes of TIME_HIGH then TIME_LOW set the clock (kept as an offset from
 *        host time, as QEMU does)
 *   0x08 ALARM_LOW  write: arm the alarm at (ALARM_HIGH << 32 | value)
 *   0x0c ALARM_HIGH
 *   0x10 IRQ_ENABLED, 0x14 CLEAR_ALARM, 0x18 ALARM_STATUS, 0x1c CLEAR_INTERRUPT
 * The host time is a nondeterministic input: it is read only through host_rtc_ns(),
 * once per TIME_LOW read, TIME_LOW write or ALARM_LOW write.
 * Alarms: an alarm set at or before the current time fires at once (interrupt if
 * enabled); an alarm in the future stays armed and never fires (no host timer:
 * firing later would need a deterministic notion of wall time the board lacks).
 */
#ifndef EMU_GOLDFISH_RTC_H
#define EMU_GOLDFISH_RTC_H
#include <stddef.h>
#include <stdint.h>
#include "emu/physmem.h"
#include "emu/host.h"
#include "emu/irq.h"

#define GOLDFISH_RTC_SIZE 0x1000

/* Guest-visible state: plain data. */
struct goldfish_rtc_state {
	int64_t offset;         /* guest time - host time, ns */
	uint64_t alarm;         /* alarm time, ns */
	uint32_t time_high;     /* latched by the last TIME_LOW read */
	uint32_t set_high;      /* TIME_HIGH written, for the next TIME_LOW write */
	uint32_t alarm_high;    /* ALARM_HIGH written */
	uint32_t alarm_armed;
	uint32_t irq_enabled;
	uint32_t irq_pending;
};

struct goldfish_rtc;

/* Map the RTC at base (GOLDFISH_RTC_SIZE bytes). NULL if the range is taken. */
struct goldfish_rtc *goldfish_rtc_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				      struct emu_host *host);
void goldfish_rtc_free(struct goldfish_rtc *r);
/* Power-on reset: the clock offset survives (a reset does not change the time). */
void goldfish_rtc_reset(struct goldfish_rtc *r);
void *goldfish_rtc_state(struct goldfish_rtc *r, size_t *len);
void goldfish_rtc_state_loaded(struct goldfish_rtc *r);
#endif
