/* goldfish_rtc: Goldfish RTC (see goldfish_rtc.h for the contract). */
#include <stdlib.h>
#include <string.h>
#include "emu/goldfish_rtc.h"

enum {
	TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c,
	IRQ_ENABLED = 0x10, CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c,
};

struct goldfish_rtc {
	struct goldfish_rtc_state s;
	struct irq_line irq;
	struct emu_host *host;
};

static uint64_t rtc_now(struct goldfish_rtc *r)
{
	return host_rtc_ns(r->host) + (uint64_t)r->s.offset;
}

static void rtc_update(struct goldfish_rtc *r)
{
	irq_set(&r->irq, r->s.irq_pending && r->s.irq_enabled);
}

static uint64_t rtc_read(void *opaque, uint64_t off, int size)
{
	struct goldfish_rtc *r = opaque;
	if (size != 4 || (off & 3))
		return 0;
	switch (off) {
	case TIME_LOW: {
		uint64_t t = rtc_now(r);
		r->s.time_high = t >> 32;
		return (uint32_t)t;
	}
	case TIME_HIGH:
		return r->s.time_high;
	case ALARM_LOW:
		return (uint32_t)r->s.alarm;
	case ALARM_HIGH:
		return r->s.alarm >> 32;
	case IRQ_ENABLED:
		return r->s.irq_enabled;
	case ALARM_STATUS:
		return r->s.alarm_armed;
	}
	return 0;
}

static void rtc_write(void *opaque, uint64_t off, uint64_t val64, int size)
{
	struct goldfish_rtc *r = opaque;
	uint32_t v = val64;
	if (size != 4 || (off & 3))
		return;
	switch (off) {
	case TIME_LOW: {
		uint64_t t = (uint64_t)r->s.set_high << 32 | v;
		r->s.offset = (int64_t)(t - host_rtc_ns(r->host));
		break;
	}
	case TIME_HIGH:
		r->s.set_high = v;
		break;
	case ALARM_LOW:
		r->s.alarm = (uint64_t)r->s.alarm_high << 32 | v;
		r->s.alarm_armed = 1;
		if (r->s.alarm <= rtc_now(r)) {
			r->s.alarm_armed = 0;
			r->s.irq_pending = 1;
		}
		break;
	case ALARM_HIGH:
		r->s.alarm_high = v;
		break;
	case IRQ_ENABLED:
		r->s.irq_enabled = v & 1;
		break;
	case CLEAR_ALARM:
		r->s.alarm_armed = 0;
		break;
	case CLEAR_INTERRUPT:
		r->s.irq_pending = 0;
		break;
	}
	rtc_update(r);
}

struct goldfish_rtc *goldfish_rtc_new(struct physmem *pm, uint64_t base, struct irq_line irq,
				      struct emu_host *host)
{
	struct goldfish_rtc *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->irq = irq;
	r->host = host;
	if (physmem_add_device(pm, base, GOLDFISH_RTC_SIZE, r, rtc_read, rtc_write, "rtc") < 0) {
		free(r);
		return NULL;
	}
	return r;
}

void goldfish_rtc_free(struct goldfish_rtc *r)
{
	free(r);
}

void goldfish_rtc_reset(struct goldfish_rtc *r)
{
	int64_t offset = r->s.offset;
	memset(&r->s, 0, sizeof r->s);
	r->s.offset = offset;
	rtc_update(r);
}

void *goldfish_rtc_state(struct goldfish_rtc *r, size_t *len)
{
	*len = sizeof r->s;
	return &r->s;
}

void goldfish_rtc_state_loaded(struct goldfish_rtc *r)
{
	rtc_update(r);
}
