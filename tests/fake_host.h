/* fake_host: the one stand-in for the real world in the unit tests (a host.h
 * implementation with no threads, no clock and no terminal).
 *
 *   rtc_ns       returns f->rtc, then adds f->rtc_step (counts calls)
 *   entropy      f->ent_byte, +1, +2, ... (counts bytes)
 *   serial out   captured in f->serial (NUL-terminated)
 *   net out      the last frame in f->frame, counted
 *   blk_submit   hold: kept in f->blk[] for the test to complete by hand;
 *                auto: performed, and completed as an EMU_INPUT_BLOCK at the next poll
 *   inputs       a script of up to 64 inputs, each due at an icount (fake_add_input);
 *                a serial input is handed over in pieces as the UART has room
 *                (host.h, Backpressure), f->serial_pieces counts the pieces
 *   idle         jumps to the next scripted input or the deadline
 */
#ifndef TESTS_FAKE_HOST_H
#define TESTS_FAKE_HOST_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "emu/host.h"

struct fake_host {
	struct emu_host host;
	uint64_t rtc, rtc_step;
	int rtc_calls;
	uint8_t ent_byte;
	size_t ent_total;
	char serial[65536];
	size_t nserial;
	uint8_t frame[70000];
	size_t frame_len;
	int nframes;
	int blk_auto;
	struct emu_blk_req *blk[512];
	uint64_t blk_id[512];
	int nblk;                     /* hold mode: submitted; auto: waiting to complete */
	struct { uint64_t icount; struct emu_input in; uint8_t data[256]; } script[64];
	int nscript, next_script;
	uint32_t script_off;          /* bytes of the next serial input already handed over */
	int serial_pieces;
};

/* The next scripted input waits for room in the UART. */
static int fh_blocked(struct fake_host *f, const struct emu_room *room)
{
	return f->next_script < f->nscript && f->script[f->next_script].in.kind == EMU_INPUT_SERIAL &&
	       room->serial == 0;
}

static uint64_t fh_rtc(void *ctx)
{
	struct fake_host *f = ctx;
	f->rtc_calls++;
	uint64_t v = f->rtc;
	f->rtc += f->rtc_step;
	return v;
}
static void fh_entropy(void *ctx, void *buf, size_t len)
{
	struct fake_host *f = ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = f->ent_byte++;
	f->ent_total += len;
}
static uint64_t fh_next(void *ctx, uint64_t ic, const struct emu_room *room)
{
	struct fake_host *f = ctx;
	if (f->blk_auto && f->nblk)
		return ic;
	if (fh_blocked(f, room))
		return ic + 4096; /* look again later: the guest may read meanwhile */
	if (f->next_script < f->nscript)
		return f->script[f->next_script].icount > ic ? f->script[f->next_script].icount : ic;
	return UINT64_MAX;
}
static int fh_poll(void *ctx, uint64_t ic, const struct emu_room *room, struct emu_input *in)
{
	struct fake_host *f = ctx;
	if (f->blk_auto && f->nblk) {
		struct emu_blk_req *r = f->blk[0];
		memmove(f->blk, f->blk + 1, --f->nblk * sizeof f->blk[0]);
		r->work(r);
		memset(in, 0, sizeof *in);
		in->kind = EMU_INPUT_BLOCK;
		in->dev = r->dev;
		in->id = r->id;
		return 1;
	}
	if (f->next_script < f->nscript && f->script[f->next_script].icount <= ic) {
		*in = f->script[f->next_script].in;
		in->data = f->script[f->next_script].data;
		if (in->kind == EMU_INPUT_SERIAL) {
			uint32_t left = in->len - f->script_off;
			if (!room->serial)
				return 0;
			in->data += f->script_off;
			in->len = left < room->serial ? left : room->serial;
			f->script_off += in->len;
			f->serial_pieces++;
			if (f->script_off < f->script[f->next_script].in.len)
				return 1;
			f->script_off = 0;
		}
		f->next_script++;
		return 1;
	}
	return 0;
}
static uint64_t fh_idle(void *ctx, uint64_t ic, uint64_t dl, const struct emu_room *room)
{
	if (fh_blocked(ctx, room))
		return dl == UINT64_MAX ? ic : dl;
	uint64_t n = fh_next(ctx, ic, room);
	if (n < dl)
		return n;
	return dl == UINT64_MAX ? ic : dl;
}
static void fh_blk(void *ctx, struct emu_blk_req *r)
{
	struct fake_host *f = ctx;
	if (f->nblk >= 512)
		abort();
	f->blk_id[f->nblk] = r->id;
	f->blk[f->nblk++] = r;
}
static void fh_net(void *ctx, uint32_t dev, const uint8_t *frame, size_t len)
{
	struct fake_host *f = ctx;
	if (len > sizeof f->frame)
		abort();
	memcpy(f->frame, frame, len);
	f->frame_len = len;
	f->nframes++;
}
static void fh_serial(void *ctx, uint32_t dev, const uint8_t *buf, size_t len)
{
	struct fake_host *f = ctx;
	for (size_t i = 0; i < len && f->nserial + 1 < sizeof f->serial; i++)
		f->serial[f->nserial++] = buf[i];
	f->serial[f->nserial] = 0;
}
static const struct emu_host_ops fh_ops = {
	fh_rtc, fh_entropy, fh_next, fh_poll, fh_idle, fh_blk, fh_net, fh_serial,
};

/* Reset f to a host with no inputs (blk_auto: complete block requests itself). */
static inline void fake_init(struct fake_host *f, int blk_auto)
{
	memset(f, 0, sizeof *f);
	f->host.ops = &fh_ops;
	f->host.ctx = f;
	f->blk_auto = blk_auto;
	f->rtc = 1700000000ull * 1000000000ull;
}

static inline struct fake_host *fake_new(void)
{
	struct fake_host *f = malloc(sizeof *f);
	fake_init(f, 1);
	return f;
}

/* Script an input of kind at icount (data copied, at most 256 bytes). */
static inline void fake_add_input(struct fake_host *f, uint64_t icount, int kind, uint32_t dev,
				  uint64_t id, const void *data, uint32_t len)
{
	if (f->nscript >= 64 || len > 256)
		abort();
	f->script[f->nscript].icount = icount;
	memset(&f->script[f->nscript].in, 0, sizeof f->script[0].in);
	f->script[f->nscript].in.kind = kind;
	f->script[f->nscript].in.dev = dev;
	f->script[f->nscript].in.id = id;
	f->script[f->nscript].in.len = len;
	if (len)
		memcpy(f->script[f->nscript].data, data, len);
	f->nscript++;
}
#endif
