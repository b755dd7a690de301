/* hart_mmu: Sv39/Sv48 translation with hardware A/D updates, PMP checks, the
 * software TLB and the slow paths of loads, stores, fetches and AMOs.
 *
 * The TLB caches 4 KiB slices of translations whose target is RAM and whose whole
 * physical page passes PMP; one set per effective privilege and access kind, so a
 * privilege change needs no flush, and one group of sets per address space (satp
 * value, HART_TLB_SPACES of them), so a satp write needs none either: only
 * sfence.vma, PMP changes and hart_flush_caches() drop translations. A read entry exists only once the PTE has A set,
 * a write entry only once it has D set, so the fast paths never need to update a
 * PTE. Everything else (MMIO, partial PMP pages, page-crossing accesses) takes the
 * slow path here on every access. */
#include <string.h>
#include "emu/hart_priv.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PPN_MASK ((1ull << 44) - 1)
#define PAGE_MASK 0xfffull

/* Memory accesses of the slow paths. Whatever could change bytes that a block
 * trusted in this epoch was checked against starts a new epoch (hart.c): a write
 * to a page marked as code, and any access to something other than the main RAM
 * (a device may DMA from its callback). */
static int code_page(struct hart *h, uint64_t pa)
{
	uint64_t pg = (pa - h->pm->ram_base) >> 12;
	return (hart_cache(h)->code[pg >> 6] >> (pg & 63)) & 1;
}

static int mem_read(struct hart *h, uint64_t pa, int size, uint64_t *val)
{
	if (pa - h->pm->ram_base >= h->pm->ram_size)
		hart_new_epoch(h);
	return physmem_read(h->pm, pa, size, val);
}

static int mem_write(struct hart *h, uint64_t pa, int size, uint64_t val)
{
	if (pa - h->pm->ram_base >= h->pm->ram_size || code_page(h, pa))
		hart_new_epoch(h);
	return physmem_write(h->pm, pa, size, val);
}

/* Data watchpoints (hart.h): a page holding a watched range gets no data TLB
 * entry, so every load, store and AMO to it comes through here. The first hit of
 * an instruction is kept; the run ends after that instruction (h->stop). */
static int watched(const struct hart *h, uint64_t pa, uint64_t len, int kind)
{
	for (int i = 0; i < h->nwatch; i++) {
		const struct hart_watch *w = &h->watch[i];
		if ((w->kind & kind) && pa < w->pa + w->len && w->pa < pa + len)
			return i;
	}
	return -1;
}

static void watch_note(struct hart *h, uint64_t pa, int size, int kind)
{
	int i = watched(h, pa, (uint64_t)size, kind);
	if (i < 0)
		return;
	if (!h->watch_hit) {
		h->watch_hit = kind;
		h->watch_pa = h->watch[i].pa;
		h->watch_access = pa;
	} else if (h->watch_pa == h->watch[i].pa) {
		h->watch_hit |= kind;   /* an AMO reads and writes */
	}
	h->stop = 1;
}

static int data_read(struct hart *h, uint64_t pa, int size, uint64_t *val)
{
	int rc = mem_read(h, pa, size, val);
	if (!rc && h->nwatch)
		watch_note(h, pa, size, HART_WATCH_READ);
	return rc;
}

static int data_write(struct hart *h, uint64_t pa, int size, uint64_t val)
{
	int rc = mem_write(h, pa, size, val);
	if (!rc && h->nwatch)
		watch_note(h, pa, size, HART_WATCH_WRITE);
	return rc;
}

static int fault(int acc, int page)
{
	if (page)
		return acc == ACC_X ? EXC_INSN_PAGE : acc == ACC_R ? EXC_LOAD_PAGE : EXC_STORE_PAGE;
	return acc == ACC_X ? EXC_INSN_ACCESS : acc == ACC_R ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS;
}

/* The privilege an access of kind acc is made with (MPRV applies to data only). */
static int eff_priv(const struct hart *h, int acc)
{
	if (acc != ACC_X && h->s.priv == PRV_M && (h->s.mstatus & MSTATUS_MPRV))
		return (h->s.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
	return h->s.priv;
}

static void tlb_clear(struct hart_tlb_entry *e, int n)
{
	for (int i = 0; i < n; i++)
		e[i].tag = HART_TLB_EMPTY;
}

/* Drop every translation: M's sets and the current space are emptied now, the
 * other spaces lose their satp (emptied when claimed again). */
void hart_tlb_flush(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	tlb_clear(&c->tlb_m[0][0], 3 * HART_TLB_SIZE);
	for (int i = 0; i < HART_TLB_SPACES; i++) {
		c->space_tlb[i].valid = 0;
		c->space_tlb[i].dirty = 1;
	}
	struct hart_tlb_space *sp = &c->space_tlb[c->space];
	tlb_clear(&sp->tlb[0][0][0], 9 * HART_TLB_SIZE);
	sp->valid = 1;
	sp->dirty = 0;
	sp->satp = h->s.satp;
	sp->last_use = ++c->space_clock;
	c->nsuper = 0;
	hart_new_epoch(h);      /* a fetch must translate again */
}

void hart_tlb_switch(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	int k = -1;
	for (int i = 0; i < HART_TLB_SPACES; i++)
		if (c->space_tlb[i].valid && c->space_tlb[i].satp == h->s.satp)
			k = i;
	if (k < 0) {            /* claim the least recently used space */
		k = 0;
		for (int i = 1; i < HART_TLB_SPACES; i++)
			if (c->space_tlb[i].last_use < c->space_tlb[k].last_use)
				k = i;
		struct hart_tlb_space *sp = &c->space_tlb[k];
		if (sp->dirty || sp->valid)
			tlb_clear(&sp->tlb[0][0][0], 9 * HART_TLB_SIZE);
		sp->valid = 1;
		sp->dirty = 0;
		sp->satp = h->s.satp;
		hart_new_epoch(h);      /* blocks stamped in this space were another satp's */
	}
	c->space_tlb[k].last_use = ++c->space_clock;
	c->space = k;
	hart_update_mode(h);
}

/* Drop the write entries (parked or not) that map the host page `page`. */
static void drop_writes_in(struct hart_tlb_entry *e, const uint8_t *page)
{
	for (int i = 0; i < HART_TLB_SIZE; i++)
		if (e[i].tag != HART_TLB_EMPTY && e[i].addend + (e[i].tag & ~HART_TLB_PARKED) == (uintptr_t)page)
			e[i].tag = HART_TLB_EMPTY;
}

/* The write sets that can be used: M's and every valid space's. */
void hart_tlb_drop_writes(struct hart *h, const uint8_t *page)
{
	struct hart_cache *c = hart_cache(h);
	drop_writes_in(c->tlb_m[ACC_W], page);
	for (int k = 0; k < HART_TLB_SPACES; k++) {
		struct hart_tlb_space *sp = &c->space_tlb[k];
		if (!sp->valid)         /* emptied before it is used again */
			continue;
		for (int p = 0; p < 3; p++)
			drop_writes_in(sp->tlb[p][ACC_W], page);
	}
}

static void park_writes_in(struct hart_tlb_entry *e)
{
	for (int i = 0; i < HART_TLB_SIZE; i++)
		if (e[i].tag != HART_TLB_EMPTY)
			e[i].tag |= HART_TLB_PARKED;
}

/* The write entries are parked, not dropped: the next store to a page takes its
 * entry back without a walk (unpark_write), as a run without state hashes would
 * have used it, and marks the page dirty again. */
void hart_forget_writes(struct hart *h)
{
	struct hart_cache *c = hart_cache(h);
	park_writes_in(c->tlb_m[ACC_W]);
	for (int k = 0; k < HART_TLB_SPACES; k++)
		if (c->space_tlb[k].valid)
			for (int p = 0; p < 3; p++)
				park_writes_in(c->space_tlb[k].tlb[p][ACC_W]);
}

/* Remember that slices of the superpage [base, base + mask] may be cached. */
static void note_super(struct hart *h, uint64_t va, uint64_t mask)
{
	struct hart_cache *c = hart_cache(h);
	uint64_t base = va & ~mask;
	if (c->nsuper < 0)
		return;
	for (int i = 0; i < c->nsuper; i++)
		if (c->super_base[i] == base && c->super_mask[i] == mask)
			return;
	if (c->nsuper == HART_MAX_SUPER) {
		c->nsuper = -1;
		return;
	}
	c->super_base[c->nsuper] = base;
	c->super_mask[c->nsuper++] = mask;
}

/* Drop the entries for one virtual page in every set. */
static void tlb_flush_page(struct hart *h, uint64_t va)
{
	struct hart_cache *c = hart_cache(h);
	uint64_t tag = va & ~PAGE_MASK;
	int i = (va >> 12) & (HART_TLB_SIZE - 1);
	for (int k = 0; k < 3; k++)
		if ((c->tlb_m[k][i].tag & ~HART_TLB_PARKED) == tag)
			c->tlb_m[k][i].tag = HART_TLB_EMPTY;
	for (int n = 0; n < HART_TLB_SPACES; n++)
		for (int p = 0; p < 3; p++)
			for (int k = 0; k < 3; k++)
				if ((c->space_tlb[n].tlb[p][k][i].tag & ~HART_TLB_PARKED) == tag)
					c->space_tlb[n].tlb[p][k][i].tag = HART_TLB_EMPTY;
	hart_new_epoch(h);
}

/* sfence.vma: va_valid says rs1 != x0 (then only va's translation must go: its 4 KiB
 * slice, or everything if va lies in a superpage whose slices may be cached). */
void hart_sfence_vma(struct hart *h, int va_valid, uint64_t va)
{
	struct hart_cache *c = hart_cache(h);
	int all = !va_valid || c->nsuper < 0;
	for (int i = 0; !all && i < c->nsuper; i++)
		if ((va & ~c->super_mask[i]) == c->super_base[i])
			all = 1;
	if (all)
		hart_tlb_flush(h);
	else
		tlb_flush_page(h, va);
}

/* Translate va for access kind acc at privilege priv. Returns -1 with *pa set, or
 * an exception cause. *super is the leaf's page mask beyond 4 KiB (0 for a 4 KiB
 * page, 0x1fffff for 2 MiB, ...). */
static int walk(struct hart *h, uint64_t va, int acc, int priv, uint64_t *pa, uint64_t *super)
{
	uint64_t satp = h->s.satp;
	int mode = satp >> 60;

	*super = 0;
	if (priv == PRV_M || mode == 0) {
		*pa = va;
		return -1;
	}
	int levels = mode == 9 ? 4 : 3;
	int vabits = 12 + 9 * levels;
	if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
		return fault(acc, 1);
	uint64_t base = (satp & PPN_MASK) << 12;
	for (int lvl = levels - 1; lvl >= 0; lvl--) {
		uint64_t pte_addr = base + ((va >> (12 + 9 * lvl)) & 511) * 8, pte;
		if (!hart_pmp_ok(h, pte_addr, 8, ACC_R, PRV_S) ||
		    mem_read(h, pte_addr, 8, &pte))
			return fault(acc, 0);
		if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte >> 54))
			return fault(acc, 1);
		uint64_t ppn = (pte >> 10) & PPN_MASK;
		if (!(pte & (PTE_R | PTE_X))) {
			base = ppn << 12;
			continue;
		}
		/* a leaf */
		if (priv == PRV_U && !(pte & PTE_U))
			return fault(acc, 1);
		if (priv == PRV_S && (pte & PTE_U) &&
		    (acc == ACC_X || !(h->s.mstatus & MSTATUS_SUM)))
			return fault(acc, 1);
		int ok;
		switch (acc) {
		case ACC_X: ok = (pte & PTE_X) != 0; break;
		case ACC_R: ok = (pte & PTE_R) || ((h->s.mstatus & MSTATUS_MXR) && (pte & PTE_X)); break;
		case ACC_W: ok = (pte & PTE_W) != 0; break;
		default: ok = (pte & PTE_R) && (pte & PTE_W); break;
		}
		if (!ok)
			return fault(acc, 1);
		if (lvl > 0 && (ppn & ((1ull << (9 * lvl)) - 1)))
			return fault(acc, 1);       /* misaligned superpage */
		int store = acc == ACC_W || acc == ACC_AMO;
		if (!(pte & PTE_A) || (store && !(pte & PTE_D))) {
			uint64_t npte = pte | PTE_A | (store ? PTE_D : 0);
			if (!hart_pmp_ok(h, pte_addr, 8, ACC_W, PRV_S) ||
			    mem_write(h, pte_addr, 8, npte))
				return fault(acc, 0);
		}
		uint64_t mask = (1ull << (12 + 9 * lvl)) - 1;
		*pa = ((ppn << 12) & ~mask) | (va & mask);
		*super = lvl > 0 ? mask : 0;
		return -1;
	}
	return fault(acc, 1);
}

static int raise(struct hart *h, int cause, uint64_t tval)
{
	h->exc_cause = cause;
	h->exc_tval = tval;
	return 1;
}

/* The RAM page at host gets a write mapping: it may change from now on, so its
 * blocks are checked again (a new epoch) and it is marked dirty. */
static void write_mapped(struct hart *h, uint8_t *host)
{
	struct hart_cache *c = hart_cache(h);
	int64_t cp = hart_ram_page(h, host);
	if (cp < 0)
		return;         /* not the main RAM: neither tracked nor holding blocks */
	if ((c->code[cp >> 6] >> (cp & 63)) & 1) {
		c->code[cp >> 6] &= ~(1ull << (cp & 63));
		hart_new_epoch(h);
	}
	physmem_mark_dirty(h->pm, h->pm->ram_base + ((uint64_t)cp << 12), 4096);
}

/* A store of size bytes at va (aligned, as the fast path takes them) whose entry in
 * the current write set was parked by hart_forget_writes: the entry is live again
 * and returned, or NULL if there is none for va's page. */
static struct hart_tlb_entry *unpark_write(struct hart *h, uint64_t va, int size)
{
	struct hart_tlb_entry *e = &hart_cache(h)->tlb_w[(va >> 12) & (HART_TLB_SIZE - 1)];
	if ((va & (size - 1)) || e->tag != ((va & ~PAGE_MASK) | HART_TLB_PARKED))
		return NULL;
	e->tag = va & ~PAGE_MASK;
	write_mapped(h, (uint8_t *)(e->addend + e->tag));
	return e;
}

/* Translate and check [va, va+len) (inside one page) for access kind acc: walk,
 * physical region, and PMP over [pa, pa+pmp_len) (pmp_len >= len: QEMU checks a
 * page-crossing access's whole size on its first page). Fills the TLB when the
 * page qualifies. Returns 0 with *pa, or 1 with the exception recorded (tval = va). */
static int translate(struct hart *h, uint64_t va, int len, int pmp_len, int acc, uint64_t *pa)
{
	int priv = eff_priv(h, acc);
	uint64_t super;
	int c = walk(h, va, acc, priv, pa, &super);
	if (c >= 0)
		return raise(h, c, va);
	struct physmem_region *r = physmem_find(h->pm, *pa);
	if (!r || *pa - r->base + len > r->size || !hart_pmp_ok(h, *pa, pmp_len, acc, priv))
		return raise(h, fault(acc, 0), va);
	if (r->ram && !(acc != ACC_R && acc != ACC_X && r->readonly)) {
		uint64_t pg = *pa & ~PAGE_MASK;
		if (pg >= r->base && pg + 4096 <= r->base + r->size &&
		    hart_pmp_ok(h, pg, 4096, acc, priv) &&
		    !(acc != ACC_X && h->nwatch && watched(h, pg, 4096, HART_WATCH_READ | HART_WATCH_WRITE) >= 0)) {
			int k = acc == ACC_X ? 2 : acc == ACC_R ? 0 : 1;
			struct hart_cache *c = hart_cache(h);
			struct hart_tlb_entry *e =
				&hart_tlb_sel(c, k == 2 ? hart_tlb_xset(priv) : hart_tlb_set(h, priv), k)
				       [(va >> 12) & (HART_TLB_SIZE - 1)];
			uint8_t *host = r->ram + (pg - r->base);
			e->tag = va & ~PAGE_MASK;
			e->addend = (uintptr_t)host - (va & ~PAGE_MASK);
			if (k == 1)
				write_mapped(h, host);
			if (super)
				note_super(h, va, super);
		}
	}
	return 0;
}

/* Bytewise access to [va, va+size) that crosses a page boundary. Both pages are
 * translated and checked before any byte moves, so a fault has no side effect.
 * Fault order and PMP ranges follow QEMU 7.2: the first page is checked for the
 * whole size (tval = va), then the second page (tval = its start), for a load with
 * the whole size again, for a store with the bytes that fall in it. */
static int access_split(struct hart *h, uint64_t va, int size, int acc, uint64_t *val,
			int store)
{
	int n1 = 0x1000 - (va & PAGE_MASK);
	uint64_t pa1, pa2, v = 0;
	if (translate(h, va, n1, size, acc, &pa1) ||
	    translate(h, va + n1, size - n1, store ? size - n1 : size, acc, &pa2))
		return 1;
	for (int i = 0; i < size; i++) {
		uint64_t pa = i < n1 ? pa1 + i : pa2 + (i - n1), b = (*val >> (8 * i)) & 0xff;
		if (store ? data_write(h, pa, 1, b) : data_read(h, pa, 1, &b))
			return raise(h, fault(acc, 0), va);
		v |= b << (8 * i);
	}
	if (!store)
		*val = v;
	return 0;
}

int hart_load_slow(struct hart *h, uint64_t va, int size, uint64_t *val)
{
	uint64_t pa;
	if ((va & PAGE_MASK) + size > 0x1000)
		return access_split(h, va, size, ACC_R, val, 0);
	if (translate(h, va, size, size, ACC_R, &pa))
		return 1;
	if (data_read(h, pa, size, val))
		return raise(h, EXC_LOAD_ACCESS, va);
	return 0;
}

int hart_store_slow(struct hart *h, uint64_t va, int size, uint64_t val)
{
	uint64_t pa;
	if ((va & PAGE_MASK) + size > 0x1000)
		return access_split(h, va, size, ACC_W, &val, 1);
	const struct hart_tlb_entry *e = unpark_write(h, va, size);
	if (e) {
		uint8_t *p = (uint8_t *)(e->addend + va);
		for (int i = 0; i < size; i++)  /* little-endian, as the guest */
			p[i] = (uint8_t)(val >> (8 * i));
		return 0;
	}
	if (translate(h, va, size, size, ACC_W, &pa))
		return 1;
	if (data_write(h, pa, size, val))
		return raise(h, EXC_STORE_ACCESS, va);
	return 0;
}

/* Fetch the 16-bit parcel at va. If its page is fetchable RAM as a whole, report
 * the page for the fast path in *page_va / *page_host (else *page_va = 1). */
static int fetch_parcel(struct hart *h, uint64_t va, uint16_t *p, uint64_t *page_va,
			uint8_t **page_host)
{
	struct hart_tlb_entry *e = &hart_cache(h)->tlb_x[(va >> 12) & (HART_TLB_SIZE - 1)];
	uint64_t pa, v;
	*page_va = 1;
	if (e->tag != (va & ~PAGE_MASK)) {
		if (translate(h, va, 2, 2, ACC_X, &pa))
			return 1;
		struct physmem_region *r = physmem_find(h->pm, pa);
		if (!r->ram)            /* no execution from devices */
			return raise(h, EXC_INSN_ACCESS, va);
		if (e->tag != (va & ~PAGE_MASK)) {  /* not cacheable: read it directly */
			mem_read(h, pa, 2, &v);
			*p = (uint16_t)v;
			return 0;
		}
	}
	*page_va = va & ~PAGE_MASK;
	*page_host = (uint8_t *)(e->addend + *page_va);
	memcpy(p, *page_host + (va & PAGE_MASK), 2);
	return 0;
}

int hart_fetch_slow(struct hart *h, uint64_t pc, uint32_t *raw, uint64_t *page_va,
		    uint8_t **page_host)
{
	uint16_t lo, hi;
	if (fetch_parcel(h, pc, &lo, page_va, page_host))
		return 1;
	if ((pc & PAGE_MASK) <= 0xffc && *page_va != 1) {
		memcpy(raw, *page_host + (pc & PAGE_MASK), 4);   /* what the fast path reads */
		return 0;
	}
	if ((lo & 3) != 3) {
		*raw = lo;
		return 0;
	}
	uint64_t va2;
	uint8_t *host2;
	if (fetch_parcel(h, pc + 2, &hi, &va2, &host2))
		return 1;
	*raw = lo | (uint32_t)hi << 16;
	return 0;
}

static uint64_t sext_size(uint64_t v, int size)
{
	return size == 4 ? (uint64_t)(int64_t)(int32_t)v : v;
}

/* Where an aligned LR/SC/AMO operand lives: a host pointer when the TLB (read set
 * for LR, write set otherwise: a write entry implies a readable RAM page) maps it,
 * else a checked physical address. Returns 0, or 1 with the exception recorded. */
static int amo_target(struct hart *h, uint64_t va, int size, int acc, uint8_t **host,
		      uint64_t *pa)
{
	const struct hart_tlb_entry *e = (acc == ACC_R ? hart_cache(h)->tlb_r : hart_cache(h)->tlb_w) +
					 ((va >> 12) & (HART_TLB_SIZE - 1));
	if (e->tag == (va & ~PAGE_MASK) || (acc == ACC_W && (e = unpark_write(h, va, size)))) {
		*host = (uint8_t *)(e->addend + va);
		return 0;
	}
	*host = NULL;
	return translate(h, va, size, size, acc, pa);
}

static int amo_read(struct hart *h, uint8_t *host, uint64_t pa, int size, uint64_t *v,
		    int cause, uint64_t va)
{
	if (host) {
		*v = 0;
		memcpy(v, host, size);
		return 0;
	}
	return data_read(h, pa, size, v) ? raise(h, cause, va) : 0;
}

static int amo_write(struct hart *h, uint8_t *host, uint64_t pa, int size, uint64_t v,
		     uint64_t va)
{
	if (host) {
		memcpy(host, &v, size);
		return 0;
	}
	return data_write(h, pa, size, v) ? raise(h, EXC_STORE_ACCESS, va) : 0;
}

int hart_amo(struct hart *h, const hart_dinsn *d, uint64_t *rd_val)
{
	struct hart_state *s = &h->s;
	uint64_t va = s->x[d->rs1], src = s->x[d->rs2], pa = 0, old, nv;
	int size = d->imm, op = d->op;
	uint8_t *host;

	if (op == OP_SC) {      /* no reservation: fail without touching memory (QEMU) */
		int held = s->res_valid && s->res_addr == va && s->res_size == (uint32_t)size;
		s->res_valid = 0;
		if (!held) {
			*rd_val = 1;
			return 0;
		}
	}
	if (va & (size - 1))
		return raise(h, op == OP_LR ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
	if (op == OP_SC) {
		if (amo_target(h, va, size, ACC_W, &host, &pa) ||
		    amo_read(h, host, pa, size, &old, EXC_STORE_ACCESS, va))
			return 1;
		if (sext_size(old, size) != sext_size(s->res_val, size)) {
			*rd_val = 1;
			return 0;
		}
		if (amo_write(h, host, pa, size, src, va))
			return 1;
		*rd_val = 0;
		return 0;
	}
	int acc = op == OP_LR ? ACC_R : ACC_AMO;
	if (amo_target(h, va, size, acc, &host, &pa) ||
	    amo_read(h, host, pa, size, &old, fault(acc, 0), va))
		return 1;
	old = sext_size(old, size);
	if (op == OP_LR) {
		s->res_valid = 1;
		s->res_addr = va;
		s->res_size = size;
		s->res_val = old;
		*rd_val = old;
		return 0;
	}
	int64_t a = (int64_t)old, b = (int64_t)sext_size(src, size);
	uint64_t ua = size == 4 ? (uint32_t)old : old, ub = size == 4 ? (uint32_t)src : src;
	switch (op) {
	case OP_AMOSWAP: nv = src; break;
	case OP_AMOADD: nv = old + src; break;
	case OP_AMOXOR: nv = old ^ src; break;
	case OP_AMOAND: nv = old & src; break;
	case OP_AMOOR: nv = old | src; break;
	case OP_AMOMIN: nv = a < b ? old : src; break;
	case OP_AMOMAX: nv = a > b ? old : src; break;
	case OP_AMOMINU: nv = ua < ub ? old : src; break;
	default: nv = ua > ub ? old : src; break;   /* OP_AMOMAXU */
	}
	if (amo_write(h, host, pa, size, nv, va))
		return 1;
	*rd_val = old;
	return 0;
}
