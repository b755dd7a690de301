/* plic: SiFive PLIC as on QEMU virt (see plic.h for the contract). */
#include <stdlib.h>
#include <string.h>
#include "emu/plic.h"
#include "emu/hart.h"

#define PLIC_PENDING_BASE   0x1000
#define PLIC_ENABLE_BASE    0x2000
#define PLIC_ENABLE_STRIDE  0x80
#define PLIC_CONTEXT_BASE   0x200000
#define PLIC_CONTEXT_STRIDE 0x1000

struct plic {
	struct plic_state s;
	struct hart *harts[PLIC_MAX_HARTS];
	int nharts, nctx;
	uint32_t out;           /* cache: bit ctx = the level last driven for ctx */
};

/* Bits of word w that name real sources (1..PLIC_NUM_SOURCES). */
static uint32_t valid_mask(int w)
{
	uint32_t m = ~0u;
	if (w == 0)
		m &= ~1u;                       /* source 0 does not exist */
	int hi = PLIC_NUM_SOURCES - 32 * w;     /* highest valid bit in this word */
	if (hi < 0)
		return 0;
	if (hi < 31)
		m &= (2u << hi) - 1;
	return m;
}

/* The best claimable source for ctx: pending, enabled, not claimed, priority above
 * the threshold; ties go to the lowest id. 0 if none. */
static int best_source(const struct plic *p, int ctx)
{
	const struct plic_state *s = &p->s;
	uint32_t best_prio = s->threshold[ctx];
	int best = 0;
	for (int w = 0; w < PLIC_WORDS; w++) {
		uint32_t bits = s->pending[w] & ~s->claimed[w] & s->enable[ctx][w];
		while (bits) {
			int b = __builtin_ctz(bits);
			bits &= bits - 1;
			int src = 32 * w + b;
			if (src <= PLIC_NUM_SOURCES && s->priority[src] > best_prio) {
				best_prio = s->priority[src];
				best = src;
			}
		}
	}
	return best;
}

/* Drive every context's interrupt output onto its hart's MEIP or SEIP. With
 * force, drive all of them; else only those that changed, and ask those harts to
 * stop so the machine re-plans at once. */
static void plic_drive(struct plic *p, int force)
{
	for (int ctx = 0; ctx < p->nctx; ctx++) {
		struct hart *h = p->harts[ctx / 2];
		uint64_t bit = (ctx & 1) ? MIP_SEIP : MIP_MEIP;
		uint32_t level = best_source(p, ctx) != 0;
		if (force || ((p->out >> ctx) & 1) != level) {
			p->out = (p->out & ~(1u << ctx)) | (level << ctx);
			hart_set_mip(h, bit, level);
			if (!force)
				h->stop = 1;
		}
	}
}

static void plic_update(struct plic *p)
{
	plic_drive(p, 0);
}

void plic_set_irq(void *opaque, int irq, int level)
{
	struct plic *p = opaque;
	if (irq < 1 || irq > PLIC_NUM_SOURCES)
		return;
	int w = irq / 32;
	uint32_t bit = 1u << (irq % 32);
	if (level)
		p->s.level[w] |= bit;
	else
		p->s.level[w] &= ~bit;
	/* Gateway: pending follows the line while the source is not claimed. */
	if (level && !(p->s.claimed[w] & bit))
		p->s.pending[w] |= bit;
	else if (!level)
		p->s.pending[w] &= ~bit;
	plic_update(p);
}

static uint32_t plic_claim(struct plic *p, int ctx)
{
	int src = best_source(p, ctx);
	if (src) {
		p->s.pending[src / 32] &= ~(1u << (src % 32));
		p->s.claimed[src / 32] |= 1u << (src % 32);
		plic_update(p);
	}
	return src;
}

static void plic_complete(struct plic *p, int ctx, uint32_t src)
{
	if (src < 1 || src > PLIC_NUM_SOURCES)
		return;
	uint32_t bit = 1u << (src % 32);
	int w = src / 32;
	/* As QEMU: completion of a source not enabled for the context is ignored. */
	if (!(p->s.enable[ctx][w] & bit) || !(p->s.claimed[w] & bit))
		return;
	p->s.claimed[w] &= ~bit;
	if (p->s.level[w] & bit)
		p->s.pending[w] |= bit;
	plic_update(p);
}

static uint64_t plic_read(void *opaque, uint64_t off, int size)
{
	struct plic *p = opaque;
	if (size != 4 || (off & 3))
		return 0;
	if (off < PLIC_PENDING_BASE) {
		uint64_t src = off / 4;
		return src <= PLIC_NUM_SOURCES ? p->s.priority[src] : 0;
	}
	if (off < PLIC_ENABLE_BASE) {
		uint64_t w = (off - PLIC_PENDING_BASE) / 4;
		return w < PLIC_WORDS ? p->s.pending[w] : 0;
	}
	if (off < PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		uint64_t w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
		return ctx < (uint64_t)p->nctx && w < PLIC_WORDS ? p->s.enable[ctx][w] : 0;
	}
	uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
	if (ctx >= (uint64_t)p->nctx)
		return 0;
	if (reg == 0)
		return p->s.threshold[ctx];
	if (reg == 4)
		return plic_claim(p, ctx);
	return 0;
}

static void plic_write(void *opaque, uint64_t off, uint64_t val64, int size)
{
	struct plic *p = opaque;
	uint32_t val = val64;
	if (size != 4 || (off & 3))
		return;
	if (off < PLIC_PENDING_BASE) {
		uint64_t src = off / 4;
		if (src >= 1 && src <= PLIC_NUM_SOURCES) {
			p->s.priority[src] = val & PLIC_PRIO_MAX;
			plic_update(p);
		}
		return;
	}
	if (off < PLIC_ENABLE_BASE)
		return;                         /* pending bits are read-only */
	if (off < PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		uint64_t w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
		if (ctx < (uint64_t)p->nctx && w < PLIC_WORDS) {
			p->s.enable[ctx][w] = val & valid_mask(w);
			plic_update(p);
		}
		return;
	}
	uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
	if (ctx >= (uint64_t)p->nctx)
		return;
	if (reg == 0) {
		p->s.threshold[ctx] = val & PLIC_PRIO_MAX;   /* WARL, as QEMU 7.2 */
		plic_update(p);
	} else if (reg == 4) {
		plic_complete(p, ctx, val);
	}
}

struct plic *plic_new(struct physmem *pm, uint64_t base, struct hart **harts, int nharts)
{
	if (nharts < 1 || nharts > PLIC_MAX_HARTS)
		return NULL;
	struct plic *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	for (int i = 0; i < nharts; i++)
		p->harts[i] = harts[i];
	p->nharts = nharts;
	p->nctx = 2 * nharts;
	if (physmem_add_device(pm, base, PLIC_SIZE, p, plic_read, plic_write, "plic") < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void plic_free(struct plic *p)
{
	free(p);
}

void plic_reset(struct plic *p)
{
	uint32_t level[PLIC_WORDS];
	memcpy(level, p->s.level, sizeof level);
	memset(&p->s, 0, sizeof p->s);
	memcpy(p->s.level, level, sizeof level);
	memcpy(p->s.pending, level, sizeof level);
	plic_update(p);
}

void *plic_state(struct plic *p, size_t *len)
{
	*len = sizeof p->s;
	return &p->s;
}

void plic_state_loaded(struct plic *p)
{
	/* Sanitise what a snapshot may have carried, then drive the outputs. */
	for (int w = 0; w < PLIC_WORDS; w++) {
		uint32_t m = valid_mask(w);
		p->s.level[w] &= m;
		p->s.pending[w] &= m;
		p->s.claimed[w] &= m;
		for (int c = 0; c < PLIC_MAX_CTX; c++)
			p->s.enable[c][w] &= m;
	}
	plic_drive(p, 1);
}
