/* hart_pmp: physical memory protection (16 entries, grain 4 bytes; see hart.h for
 * the choices). The TLB only caches pages PMP allows as a whole, so every change
 * of a PMP register flushes it. */
#include "emu/hart_priv.h"

#define PMPADDR_MASK  ((1ull << 54) - 1)
#define PMP_R 1
#define PMP_W 2
#define PMP_X 4
#define PMP_L 0x80

static int pmp_locked_entry(const struct hart *h, int i)
{
	return (h->s.pmpcfg[i] & PMP_L) != 0;
}

/* Address range [lo, hi) of entry i; 0 if the entry is off or empty. */
static int pmp_range(const struct hart *h, int i, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = h->s.pmpaddr[i];
	switch ((h->s.pmpcfg[i] >> 3) & 3) {
	case 1: /* TOR */
		*lo = i ? h->s.pmpaddr[i - 1] << 2 : 0;
		*hi = a << 2;
		return *lo < *hi;
	case 2: /* NA4 */
		*lo = a << 2;
		*hi = *lo + 4;
		return 1;
	case 3: { /* NAPOT */
		int t = __builtin_ctzll(~a);   /* a < 2^54, so ~a != 0 */
		*lo = (a & ~((1ull << t) - 1)) << 2;
		*hi = *lo + (1ull << (t + 3));
		return 1;
	}
	}
	return 0;
}

/* Recompute the derived flags and the decoded ranges (struct hart_cache) after a
 * PMP register changed or the state was loaded; flushes the TLB. */
void hart_pmp_update(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	h->pmp_active = h->pmp_locked = 0;
	c->npmp = 0;
	for (int i = 0; i < HART_NPMP; i++) {
		if (h->s.pmpcfg[i] & 0x18)
			h->pmp_active = 1;
		if (h->s.pmpcfg[i] & PMP_L)
			h->pmp_locked = 1;
		uint64_t lo, hi;
		if (pmp_range(h, i, &lo, &hi))
			c->pmp[c->npmp++] = (struct hart_pmp_range){ lo, hi, h->s.pmpcfg[i] };
	}
	hart_tlb_flush(h);
}

int hart_pmp_ok(struct hart *h, uint64_t pa, uint64_t len, int acc, int priv)
{
	if (!h->pmp_active || (priv == PRV_M && !h->pmp_locked))
		return 1;
	const struct hart_cache *c = hart_cache(h);
	for (int i = 0; i < c->npmp; i++) {
		uint64_t lo = c->pmp[i].lo, hi = c->pmp[i].hi;
		if (pa + len <= lo || pa >= hi)
			continue;
		if (pa < lo || pa + len > hi)
			return 0;       /* partial match fails */
		uint8_t cfg = c->pmp[i].cfg;
		if (priv == PRV_M && !(cfg & PMP_L))
			return 1;
		int need = acc == ACC_R ? PMP_R : acc == ACC_W ? PMP_W : acc == ACC_X ? PMP_X
			   : PMP_R | PMP_W;
		return (cfg & need) == need;
	}
	return priv == PRV_M;
}

void hart_pmpcfg_write(struct hart *h, int reg, uint64_t val)
{
	for (int b = 0; b < 8; b++) {
		int i = reg * 4 + b;
		if (i >= HART_NPMP || pmp_locked_entry(h, i))
			continue;
		h->s.pmpcfg[i] = (val >> (8 * b)) & 0x9f;
	}
	hart_pmp_update(h);
}

void hart_pmpaddr_write(struct hart *h, int i, uint64_t val)
{
	if (pmp_locked_entry(h, i))
		return;
	if (i + 1 < HART_NPMP && pmp_locked_entry(h, i + 1) &&
	    ((h->s.pmpcfg[i + 1] >> 3) & 3) == 1)
		return;
	h->s.pmpaddr[i] = val & PMPADDR_MASK;
	hart_pmp_update(h);
}
