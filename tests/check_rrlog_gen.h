/* A deterministic generator of realistic event streams, shared by the librrlog unit
 * tests and bench/rrlog_bench.c.  Header-only; no allocation. */
#ifndef CHECK_RRLOG_GEN_H
#define CHECK_RRLOG_GEN_H
#include <stdint.h>
#include <string.h>
#include "rrlog/rrlog.h"

struct gen {
	uint64_t s;             /* xorshift state */
	uint64_t icount;
	uint64_t clock;         /* virtual real time, ns */
	uint64_t n;             /* events generated */
	int insn_heavy;         /* 1: QEMU-like INSN + checkpoint/clock stream */
	uint8_t buf[1600];
};

static inline void gen_init(struct gen *g, uint64_t seed, int insn_heavy)
{
	memset(g, 0, sizeof *g);
	g->s = seed * 0x9e3779b97f4a7c15ull + 1;
	g->clock = 1700000000000000000ull;
	g->insn_heavy = insn_heavy;
}

static inline uint64_t gen_rand(struct gen *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dull;
}

/* Fills *ev with the next event; ev->data (if any) points into g->buf. */
static inline void gen_next(struct gen *g, struct rrlog_event *ev)
{
	uint64_t r = gen_rand(g);
	unsigned p = r % 1000;
	memset(ev, 0, sizeof *ev);
	g->n++;
	if (g->insn_heavy) {
		/* QEMU-like: INSN before each other event; checkpoints and clock reads. */
		if (g->n & 1) {
			ev->kind = RRLOG_INSN;
			g->icount += 1 + (r >> 20) % 20000;
		} else if (p < 600) {
			ev->kind = RRLOG_CHECKPOINT;
			ev->sub = RRLOG_CP_CLOCK_WARP_ACCOUNT + (p & 1);
		} else if (p < 900) {
			ev->kind = RRLOG_CLOCK_VRT;
			g->clock += 1000 + (r >> 32) % 50000;
			ev->value = g->clock;
		} else {
			ev->kind = RRLOG_INTERRUPT;
			ev->value = 7;
		}
		ev->icount = g->icount;
		return;
	}
	if (p < 450) {
		ev->kind = RRLOG_INSN;
		g->icount += 1 + (r >> 20) % 5000;
	} else if (p < 650) {
		ev->kind = RRLOG_CHECKPOINT;
		ev->sub = (r >> 16) % RRLOG_CP_COUNT;
	} else if (p < 780) {
		ev->kind = RRLOG_CLOCK_VRT;
		g->clock += 1000 + (r >> 32) % 100000;
		ev->value = g->clock;
	} else if (p < 800) {
		ev->kind = RRLOG_CLOCK_HOST;
		ev->value = g->clock + (r >> 40);
	} else if (p < 880) {
		ev->kind = RRLOG_INTERRUPT;
		ev->sub = (r >> 16) & 3;
		ev->value = (r >> 24) & 1 ? 7 : 11;
	} else if (p < 910) {
		ev->kind = RRLOG_EXCEPTION;
		ev->sub = (r >> 16) & 3;
		ev->value = 8 + ((r >> 24) & 7);
	} else if (p < 940) {
		ev->kind = RRLOG_ASYNC_BH;
		ev->value = (r >> 16) & 15;
	} else if (p < 960) {
		ev->kind = RRLOG_CHAR_READ;
		ev->len = 1 + (r >> 16) % 8;
		for (size_t i = 0; i < ev->len; i++) g->buf[i] = 'a' + (r >> (20 + i)) % 26;
		ev->data = g->buf;
	} else if (p < 980) {
		ev->kind = RRLOG_BLOCK;
		ev->sub = 0;
		ev->value = g->n;
	} else if (p < 990) {
		ev->kind = RRLOG_STATE_HASH;
		ev->sub = (r >> 16) & 7;
		ev->value = gen_rand(g);
	} else if (p < 999) {
		ev->kind = RRLOG_RANDOM;
		ev->len = 16;
		for (int i = 0; i < 16; i += 8) { uint64_t x = gen_rand(g); memcpy(g->buf + i, &x, 8); }
		ev->data = g->buf;
	} else {
		/* A network frame (0.1%): fixed-looking header, random payload. */
		ev->kind = RRLOG_NET;
		ev->len = 60 + (r >> 16) % 600;
		memset(g->buf, 0x52, 14);
		for (size_t i = 14; i < ev->len; i += 8) { uint64_t x = gen_rand(g); memcpy(g->buf + i, &x, 8); }
		ev->data = g->buf;
	}
	ev->icount = g->icount;
}
#endif
