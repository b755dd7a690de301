/* snapshot: the machine's whole guest-visible state as a blob, and back.
 *
 * A snapshot is full (every non-zero RAM page, the whole disk overlay) or
 * incremental (the RAM pages and overlay chunks written since the machine's
 * previous snapshot); both carry the complete CPU, scheduler and device state.
 * A chain is a full snapshot followed by the incrementals taken after it, in order;
 * loading a chain gives the state at its last snapshot.
 *
 * Blob layout (version 3), every integer little-endian, whatever the host:
 *   0  "RRSNAP03"
 *   8  u32 flags           bit 0: incremental
 *  12  u32 nharts
 *  16  u64 ram_size        bytes
 *  24  u64 icount          the machine icount when it was taken
 *  32  u64 id              1, 2, ... for the snapshots this machine took
 *  40  u64 base_id         incremental: the id it builds on (id - 1); full: 0
 *  48  sections, in this order, each u32 tag, u32 0, u64 length, length bytes:
 *     'MACH'  the scheduler and CLINT (machine_state_fields below, in order)
 *     'HART'  one per hart, in hart order (hart_state_fields below, in order)
 *     'DEVS'  the devices' plain-data states and the disk overlay
 *             (machine_devices_save: each u64 length + bytes, then the overlay;
 *             an incremental's overlay holds only the chunks written since)
 *     'HOST'  what the devices' host side holds for requests in flight besides
 *             their states (machine_devices_host_save: virtio-blk's writes, u64
 *             count, then count x (u64 id, u64 len, len bytes)); whole in an
 *             incremental too
 *     'PAGE'  u64 count, then count x (u64 page index, 4096 bytes), indices rising
 *     'SUM '  u64 machine_hash_bytes(7, blob[0 .. this section's start))
 * Each field of MACH and HART is written explicitly from a table (name, element
 * size, count), so the blob does not depend on how a compiler lays out the
 * structs. Loading checks everything before it changes anything: sizes, order,
 * the checksum, hart count, indices, privilege modes and CSR values that must be
 * legal, page indices, the chain's ids; on any failure the machine is unchanged.
 * Version 2 ("RRSNAP02", recordings made before 2026-12-03) is the same without
 * HOST; it still loads (writes in flight then take their data from guest RAM).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine_impl.h"

#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define T_MACH TAG('M', 'A', 'C', 'H')
#define T_HART TAG('H', 'A', 'R', 'T')
#define T_DEVS TAG('D', 'E', 'V', 'S')
#define T_HOST TAG('H', 'O', 'S', 'T')
#define T_PAGE TAG('P', 'A', 'G', 'E')
#define T_SUM  TAG('S', 'U', 'M', ' ')
#define HDR 48

static const char snap_magic[8] = "RRSNAP03";
static const char snap_magic_v2[8] = "RRSNAP02";

/* ---- explicit field tables ---- */

struct field {
	const char *name;
	uint16_t off, size, count;   /* element size 1, 4 or 8 */
};
#define F(T, f) { #f, offsetof(T, f), sizeof(((T *)0)->f), 1 }
#define A(T, f) { #f, offsetof(T, f), sizeof(((T *)0)->f[0]), \
		  sizeof(((T *)0)->f) / sizeof(((T *)0)->f[0]) }

static const struct field machine_state_fields[] = {
	F(struct machine_state, icount), F(struct machine_state, quantum_left),
	F(struct machine_state, cur), A(struct machine_state, msip),
	A(struct machine_state, mtimecmp), F(struct machine_state, mtime_offset),
	F(struct machine_state, out_digest), F(struct machine_state, instr_base),
};

#define H(f) F(struct hart_state, f)
static const struct field hart_state_fields[] = {
	H(pc), A(struct hart_state, x), A(struct hart_state, f), H(instret), H(priv), H(wfi),
	H(mip), H(mie), H(mstatus), H(medeleg), H(mideleg), H(mtvec), H(mscratch), H(mepc),
	H(mcause), H(mtval), H(stvec), H(sscratch), H(sepc), H(scause), H(stval), H(satp),
	H(menvcfg), H(senvcfg), H(mcycle_off), H(minstret_off), H(mcycle_frozen),
	H(minstret_frozen), A(struct hart_state, pmpaddr), H(res_addr), H(res_val),
	H(last_exc_instret), H(mcounteren), H(scounteren), H(mcountinhibit), H(fcsr),
	H(res_valid), H(res_size), H(seip_sw), H(seip_ext), H(exc_streak),
	A(struct hart_state, pmpcfg),
};
#undef H
#define NF(t) (sizeof t / sizeof t[0])

static size_t fields_len(const struct field *t, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)t[i].size * t[i].count;
	return len;
}

/* The tables cover their structs (the only bytes left out are the pad0 fields):
 * checked by the tests through machine_snapshot_selftest(). */
int machine_snapshot_selftest(void)
{
	return fields_len(machine_state_fields, NF(machine_state_fields)) + 4 == sizeof(struct machine_state) &&
	       fields_len(hart_state_fields, NF(hart_state_fields)) + 4 == sizeof(struct hart_state);
}

static void put_le(uint8_t *p, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int size)
{
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void fields_put(uint8_t *out, const void *st, const struct field *t, size_t n)
{
	const uint8_t *base = st;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < t[i].count; k++) {
			uint64_t v = 0;
			const uint8_t *src = base + t[i].off + (size_t)k * t[i].size;
			if (t[i].size == 8) v = *(const uint64_t *)src;
			else if (t[i].size == 4) v = *(const uint32_t *)src;
			else v = *src;
			put_le(out, v, t[i].size);
			out += t[i].size;
		}
}

static void fields_get(void *st, const uint8_t *in, const struct field *t, size_t n)
{
	uint8_t *base = st;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < t[i].count; k++) {
			uint8_t *dst = base + t[i].off + (size_t)k * t[i].size;
			uint64_t v = get_le(in, t[i].size);
			if (t[i].size == 8) *(uint64_t *)dst = v;
			else if (t[i].size == 4) *(uint32_t *)dst = (uint32_t)v;
			else *dst = (uint8_t)v;
			in += t[i].size;
		}
}

/* ---- output buffer ---- */

struct sbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static uint8_t *room(struct sbuf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return NULL;
		}
		b->p = np;
		b->cap = cap;
	}
	uint8_t *r = b->p + b->len;
	b->len += n;
	return r;
}

static void put(struct sbuf *b, const void *d, size_t n)
{
	uint8_t *p = room(b, n);
	if (p && n)
		memcpy(p, d, n);
}

static void put_u64(struct sbuf *b, uint64_t v)
{
	uint8_t *p = room(b, 8);
	if (p)
		put_le(p, v, 8);
}

static void put_shdr(struct sbuf *b, uint32_t tag, uint64_t len)
{
	uint8_t *p = room(b, 16);
	if (p) {
		put_le(p, tag, 4);
		put_le(p + 4, 0, 4);
		put_le(p + 8, len, 8);
	}
}

static int page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[4096];
	return memcmp(p, zero, 4096) == 0;
}

/* The pages a snapshot carries: incremental, those written since the last one;
 * full, every page not zero. */
static int snap_page_in(struct machine *m, int incremental, uint64_t i)
{
	if (incremental)
		return m->snap_dirty[i] != 0;
	return !machine_page_known_zero(m, i) && !page_is_zero(m->ram + (i << 12));
}

/* What machine_snapshot_stream hands out: the bytes before SUM are hashed. */
struct snap_out {
	const struct machine_snapshot_sink *sink;
	struct machine_hash_stream hs;
	int rc;
};

static void snap_emit(struct snap_out *o, const void *p, size_t n)
{
	if (o->rc)
		return;
	machine_hash_update(&o->hs, p, n);
	o->rc = o->sink->write(o->sink->ctx, p, n);
}

int machine_snapshot_stream(struct machine *m, int incremental, const struct machine_snapshot_sink *sink)
{
	struct sbuf b = { 0 };
	uint64_t npages = m->cfg.ram_size >> 12;
	if (!m->snap_id)
		incremental = 0; /* nothing to build on (first snapshot, or after a load) */
	machine_collect_dirty(m);
	/* everything before the pages, in memory (small: no RAM) */
	uint8_t *h = room(&b, HDR);
	if (h) {
		memcpy(h, snap_magic, 8);
		put_le(h + 8, incremental ? 1 : 0, 4);
		put_le(h + 12, m->nharts, 4);
		put_le(h + 16, m->cfg.ram_size, 8);
		put_le(h + 24, machine_icount(m), 8);
		put_le(h + 32, m->snap_id + 1, 8);
		put_le(h + 40, incremental ? m->snap_id : 0, 8);
	}
	size_t ml = fields_len(machine_state_fields, NF(machine_state_fields));
	put_shdr(&b, T_MACH, ml);
	uint8_t *p = room(&b, ml);
	if (p)
		fields_put(p, &m->st, machine_state_fields, NF(machine_state_fields));
	size_t hl = fields_len(hart_state_fields, NF(hart_state_fields));
	for (int i = 0; i < m->nharts; i++) {
		put_shdr(&b, T_HART, hl);
		if ((p = room(&b, hl)))
			fields_put(p, &m->harts[i].s, hart_state_fields, NF(hart_state_fields));
	}
	size_t dlen;
	void *devs = machine_devices_save(m, incremental, &dlen);
	if (!devs) {
		free(b.p);
		return -1;
	}
	put_shdr(&b, T_DEVS, dlen);
	put(&b, devs, dlen);
	free(devs);
	void *host = machine_devices_host_save(m, &dlen);
	if (!host) {
		free(b.p);
		return -1;
	}
	put_shdr(&b, T_HOST, dlen);
	put(&b, host, dlen);
	free(host);
	/* PAGE: which pages, first (a full snapshot looks at each page once: in[]) */
	uint8_t *in = malloc(npages ? npages : 1);
	uint64_t count = 0;
	for (uint64_t i = 0; in && i < npages; i++)
		count += in[i] = (uint8_t)snap_page_in(m, incremental, i);
	put_shdr(&b, T_PAGE, 8 + count * (8 + 4096));
	put_u64(&b, count);
	if (b.oom || !in) {
		free(b.p);
		free(in);
		return -1;
	}
	size_t len = b.len + count * (8 + 4096) + 16 + 8;
	struct machine_snapshot_info si;
	machine_snapshot_info(b.p, b.len, &si);
	struct snap_out o = { .sink = sink };
	machine_hash_begin(&o.hs, 7, len - 24);
	o.rc = sink->begin(sink->ctx, len, &si);
	snap_emit(&o, b.p, b.len);
	free(b.p);
	for (uint64_t i = 0; i < npages && !o.rc; i++) {
		if (!in[i])
			continue;
		uint8_t ix[8];
		put_le(ix, i, 8);
		snap_emit(&o, ix, 8);
		snap_emit(&o, m->ram + (i << 12), 4096);
	}
	free(in);
	uint8_t sum[24];
	put_le(sum, T_SUM, 4);
	put_le(sum + 4, 0, 4);
	put_le(sum + 8, 8, 8);
	put_le(sum + 16, machine_hash_end(&o.hs), 8);
	if (!o.rc)
		o.rc = sink->write(sink->ctx, sum, sizeof sum);
	if (o.rc)
		return o.rc;
	memset(m->snap_dirty, 0, npages);
	m->snap_id++;
	return 0;
}

/* machine_snapshot_save's sink: one buffer of the blob's length. */
struct snap_blob {
	uint8_t *p;
	size_t len, cap;
};

static int blob_begin(void *ctx, size_t len, const struct machine_snapshot_info *info)
{
	(void)info;
	struct snap_blob *b = ctx;
	b->cap = len;
	b->p = malloc(len);
	return b->p ? 0 : -1;
}

static int blob_write(void *ctx, const void *p, size_t n)
{
	struct snap_blob *b = ctx;
	if (n > b->cap - b->len)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void *machine_snapshot_save(struct machine *m, int incremental, size_t *len)
{
	struct snap_blob b = { 0 };
	struct machine_snapshot_sink sink = { blob_begin, blob_write, &b };
	if (machine_snapshot_stream(m, incremental, &sink) != 0 || b.len != b.cap) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

int machine_snapshot_renumber(void *blob, size_t len, uint64_t id)
{
	uint8_t *p = blob;
	struct machine_snapshot_info si;
	if (machine_snapshot_info(blob, len, &si) < 0 || si.incremental || len < HDR + 24 || !id)
		return -1;
	put_le(p + 32, id, 8);
	put_le(p + 40, 0, 8);
	put_le(p + len - 8, machine_hash_bytes(7, p, len - 24), 8);
	return 0;
}

int machine_snapshot_info(const void *blob, size_t len, struct machine_snapshot_info *info)
{
	const uint8_t *p = blob;
	if (!blob || len < HDR || (memcmp(p, snap_magic, 8) && memcmp(p, snap_magic_v2, 8)))
		return -1;
	info->version = p[7] - '0';
	info->incremental = get_le(p + 8, 4) & 1;
	info->nharts = (uint32_t)get_le(p + 12, 4);
	info->ram_size = get_le(p + 16, 8);
	info->icount = get_le(p + 24, 8);
	info->id = get_le(p + 32, 8);
	info->base_id = get_le(p + 40, 8);
	return 0;
}

/* ---- loading ---- */

/* One blob, parsed and checked. */
struct parsed {
	struct machine_snapshot_info info;
	const uint8_t *mach, *hart[MACHINE_MAX_HARTS], *devs, *host, *pages;
	uint64_t devs_len, host_len, npages;
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The legal values of a loaded hart state (the interpreter trusts them). */
static const char *hart_state_bad(const struct hart_state *s)
{
	if (s->priv != PRV_U && s->priv != PRV_S && s->priv != PRV_M)
		return "privilege mode";
	if (s->x[0])
		return "x0 is not zero";
	if (s->pc & 1)
		return "pc is odd";
	if (s->wfi > 1 || s->res_valid > 1 || s->seip_sw > 1 || s->seip_ext > 1)
		return "a flag is neither 0 nor 1";
	if (s->res_size != 0 && s->res_size != 4 && s->res_size != 8)
		return "reservation size";
	if (s->fcsr > 0xff)
		return "fcsr";
	uint64_t mode = s->satp >> 60;
	if (mode != 0 && mode != 8 && mode != 9)
		return "satp mode";
	uint64_t mpp = (s->mstatus >> 11) & 3;
	if (mpp == 2)
		return "mstatus.MPP";
	return NULL;
}

static int parse(struct machine *m, const uint8_t *p, size_t len, struct parsed *o,
		 char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (machine_snapshot_info(p, len, &o->info) < 0)
		return fail(err, errlen, "not an rr-run snapshot (or one of another format version)");
	if (o->info.nharts != (uint32_t)m->nharts || o->info.ram_size != m->cfg.ram_size)
		return fail(err, errlen, "a snapshot of a machine with %u harts and %llu bytes of RAM; "
			    "this one has %d and %llu", o->info.nharts, (unsigned long long)o->info.ram_size,
			    m->nharts, (unsigned long long)m->cfg.ram_size);
	if (get_le(p + 8, 4) & ~1ull)
		return fail(err, errlen, "unknown snapshot flags");
	if (!o->info.id || (o->info.incremental ? o->info.base_id + 1 != o->info.id : o->info.base_id != 0))
		return fail(err, errlen, "bad snapshot ids (id %llu, base %llu)",
			    (unsigned long long)o->info.id, (unsigned long long)o->info.base_id);
	size_t ml = fields_len(machine_state_fields, NF(machine_state_fields));
	size_t hl = fields_len(hart_state_fields, NF(hart_state_fields));
	const uint8_t *q = p + HDR, *end = p + len;
	int nsec = 0, nhart = 0;
	uint64_t npages = m->cfg.ram_size >> 12;
	for (;;) {
		if (end - q < 16)
			return fail(err, errlen, "snapshot truncated (section %d header)", nsec);
		uint32_t tag = (uint32_t)get_le(q, 4);
		uint64_t n = get_le(q + 8, 8);
		if (get_le(q + 4, 4) || n > (uint64_t)(end - q - 16))
			return fail(err, errlen, "snapshot section %d: bad header or length %llu", nsec,
				    (unsigned long long)n);
		const uint8_t *d = q + 16;
		int v3 = o->info.version >= 3, at = nsec - m->nharts;  /* 1: DEVS */
		uint32_t want = nsec == 0 ? T_MACH : nhart < m->nharts ? T_HART
			: at == 1 ? T_DEVS : at == 2 && v3 ? T_HOST : at == 2 + v3 ? T_PAGE : T_SUM;
		if (tag != want)
			return fail(err, errlen, "snapshot section %d: tag %08x, expected %08x", nsec, tag, want);
		if (tag == T_MACH) {
			if (n != ml)
				return fail(err, errlen, "snapshot MACH section: %llu bytes, expected %zu",
					    (unsigned long long)n, ml);
			o->mach = d;
		} else if (tag == T_HART) {
			if (n != hl)
				return fail(err, errlen, "snapshot HART section %d: %llu bytes, expected %zu",
					    nhart, (unsigned long long)n, hl);
			o->hart[nhart++] = d;
		} else if (tag == T_DEVS) {
			o->devs = d;
			o->devs_len = n;
		} else if (tag == T_HOST) {
			o->host = d;
			o->host_len = n;
		} else if (tag == T_PAGE) {
			if (n < 8)
				return fail(err, errlen, "snapshot PAGE section too short");
			uint64_t c = get_le(d, 8);
			if (c > npages || (n - 8) / (8 + 4096) != c || (n - 8) % (8 + 4096))
				return fail(err, errlen, "snapshot PAGE section: bad page count %llu",
					    (unsigned long long)c);
			uint64_t prev = 0;
			for (uint64_t i = 0; i < c; i++) {
				uint64_t ix = get_le(d + 8 + i * (8 + 4096), 8);
				if (ix >= npages || (i && ix <= prev))
					return fail(err, errlen, "snapshot page %llu: index %llu out of range or "
						    "out of order", (unsigned long long)i, (unsigned long long)ix);
				prev = ix;
			}
			o->pages = d + 8;
			o->npages = c;
		} else {
			if (n != 8 || d + 8 != end)
				return fail(err, errlen, "snapshot SUM section misplaced");
			if (get_le(d, 8) != machine_hash_bytes(7, p, q - p))
				return fail(err, errlen, "snapshot checksum mismatch (damaged contents)");
			break;
		}
		nsec++;
		q = d + n;
	}
	/* Values the machine and the interpreter rely on. */
	struct machine_state st;
	fields_get(&st, o->mach, machine_state_fields, NF(machine_state_fields));
	if (st.cur >= (uint32_t)m->nharts)
		return fail(err, errlen, "snapshot: current hart %u of %d", st.cur, m->nharts);
	if (st.quantum_left > MACHINE_QUANTUM)
		return fail(err, errlen, "snapshot: quantum %llu over %d", (unsigned long long)st.quantum_left,
			    MACHINE_QUANTUM);
	if (st.icount != o->info.icount)
		return fail(err, errlen, "snapshot: icount %llu in the header, %llu in the state",
			    (unsigned long long)o->info.icount, (unsigned long long)st.icount);
	for (int i = 0; i < MACHINE_MAX_HARTS; i++)
		if (st.msip[i] > 1)
			return fail(err, errlen, "snapshot: msip of hart %d is %u", i, st.msip[i]);
	for (int i = 0; i < m->nharts; i++) {
		struct hart_state hs;
		fields_get(&hs, o->hart[i], hart_state_fields, NF(hart_state_fields));
		const char *bad = hart_state_bad(&hs);
		if (bad)
			return fail(err, errlen, "snapshot: hart %d: illegal %s", i, bad);
	}
	return 0;
}

int machine_snapshot_load(struct machine *m, const void *const *blobs, const size_t *lens, int n,
			  char *err, size_t errlen)
{
	if (n < 1)
		return fail(err, errlen, "no snapshot to load");
	if (m->running)
		return fail(err, errlen, "cannot load a snapshot while the machine runs");
	struct parsed *ps = calloc(n, sizeof *ps);
	if (!ps)
		return fail(err, errlen, "out of memory");
	int rc = -1;
	for (int i = 0; i < n; i++) {
		if (parse(m, blobs[i], lens[i], &ps[i], err, errlen) < 0)
			goto out;
		if (i == 0 && ps[0].info.incremental) {
			fail(err, errlen, "a chain must start with a full snapshot (id %llu is incremental)",
			     (unsigned long long)ps[0].info.id);
			goto out;
		}
		if (i > 0 && (!ps[i].info.incremental || ps[i].info.base_id != ps[i - 1].info.id ||
			      ps[i].info.icount < ps[i - 1].info.icount)) {
			fail(err, errlen, "snapshot %llu does not follow snapshot %llu",
			     (unsigned long long)ps[i].info.id, (unsigned long long)ps[i - 1].info.id);
			goto out;
		}
	}
	/* Devices and the overlay: the last blob's states, the chain's overlays merged;
	 * checked first, then the only step that can still fail (memory). */
	const void *dv[64];
	size_t dl[64];
	if (n > 64) {
		fail(err, errlen, "snapshot chain too long (%d)", n);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		dv[i] = ps[i].devs;
		dl[i] = ps[i].devs_len;
	}
	/* the host side's data of requests in flight: the last blob's (none in version 2) */
	static const uint8_t no_host[8];
	const void *hd = ps[n - 1].host ? ps[n - 1].host : no_host;
	size_t hl = ps[n - 1].host ? ps[n - 1].host_len : sizeof no_host;
	if (machine_devices_load(m, dv, dl, n, 1, err, errlen) < 0 ||
	    machine_devices_host_load(m, hd, hl, 1, err, errlen) < 0)
		goto out;
	if (machine_devices_load(m, dv, dl, n, 0, err, errlen) < 0)
		goto out;
	machine_devices_host_load(m, hd, hl, 0, err, errlen); /* checked above */
	/* From here nothing fails. */
	struct parsed *last = &ps[n - 1];
	fields_get(&m->st, last->mach, machine_state_fields, NF(machine_state_fields));
	for (int i = 0; i < m->nharts; i++) {
		fields_get(&m->harts[i].s, last->hart[i], hart_state_fields, NF(hart_state_fields));
		hart_flush_caches(&m->harts[i]);
	}
	/* RAM: the chain's pages over zeroes. A page the machine knows is zero (its hash
	 * is the zero page's and nothing wrote it since) is not touched, so a fresh
	 * machine's untouched RAM stays unmapped; the pages loaded are rehashed at the
	 * next state hash, the others are zero. */
	uint64_t npages = m->cfg.ram_size >> 12;
	uint8_t *loaded = calloc(npages, 1);
	if (!loaded)
		memset(m->ram, 0, m->cfg.ram_size); /* no memory for the map: zero it all */
	for (int i = 0; i < n; i++)
		for (uint64_t k = 0; k < ps[i].npages; k++) {
			const uint8_t *e = ps[i].pages + k * (8 + 4096);
			uint64_t ix = get_le(e, 8);
			memcpy(m->ram + (ix << 12), e + 8, 4096);
			if (loaded)
				loaded[ix] = 1;
		}
	machine_ram_replaced(m, loaded);
	free(loaded);
	/* Devices last: re-driving interrupt lines writes the harts' mip. */
	machine_devices_loaded(m);
	m->exit = -1;
	rc = 0;
out:
	free(ps);
	return rc;
}

/* ---- differences between two machines (rr-diff --replay) ---- */

static int fields_diff(const char *prefix, const void *a, const void *b, const struct field *t, size_t n,
		       machine_diff_fn *emit, void *ctx)
{
	int count = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < t[i].count; k++) {
			const uint8_t *pa = (const uint8_t *)a + t[i].off + (size_t)k * t[i].size;
			const uint8_t *pb = (const uint8_t *)b + t[i].off + (size_t)k * t[i].size;
			uint64_t va = get_le(pa, t[i].size), vb = get_le(pb, t[i].size);
			if (va == vb)
				continue;
			char what[64];
			if (t[i].count > 1)
				snprintf(what, sizeof what, "%s%s%d", prefix, t[i].name, k);
			else
				snprintf(what, sizeof what, "%s%s", prefix, t[i].name);
			emit(ctx, what, va, vb, NULL, NULL, 0);
			count++;
		}
	return count;
}

int machine_diff(struct machine *a, struct machine *b, machine_diff_fn *emit, void *ctx)
{
	int count = 0;
	if (a->nharts != b->nharts || a->cfg.ram_size != b->cfg.ram_size) {
		emit(ctx, "configuration", (uint64_t)a->nharts, (uint64_t)b->nharts, NULL, NULL, 0);
		return 1;
	}
	count += fields_diff("", &a->st, &b->st, machine_state_fields, NF(machine_state_fields), emit, ctx);
	for (int i = 0; i < a->nharts; i++) {
		char prefix[16];
		snprintf(prefix, sizeof prefix, "hart%d.", i);
		count += fields_diff(prefix, &a->harts[i].s, &b->harts[i].s, hart_state_fields,
				     NF(hart_state_fields), emit, ctx);
	}
	uint64_t npages = a->cfg.ram_size >> 12;
	for (uint64_t p = 0; p < npages; p++) {
		const uint8_t *pa = a->ram + (p << 12), *pb = b->ram + (p << 12);
		if (!memcmp(pa, pb, 4096))
			continue;
		size_t off = 0;
		while (pa[off] == pb[off])
			off++;
		size_t n = 4096 - off < 16 ? 4096 - off : 16;
		char what[64];
		snprintf(what, sizeof what, "ram page 0x%llx",
			 (unsigned long long)(VIRT_DRAM_BASE + (p << 12)));
		emit(ctx, what, VIRT_DRAM_BASE + (p << 12) + off, 0, pa + off, pb + off, n);
		count++;
	}
	const void *sa[3 + VIRT_VIRTIO_SLOTS], *sb[3 + VIRT_VIRTIO_SLOTS];
	size_t la[3 + VIRT_VIRTIO_SLOTS], lb[3 + VIRT_VIRTIO_SLOTS];
	const char *na[3 + VIRT_VIRTIO_SLOTS], *nb[3 + VIRT_VIRTIO_SLOTS];
	int da = machine_device_states(a, sa, la, na), db = machine_device_states(b, sb, lb, nb);
	for (int i = 0; i < da && i < db; i++) {
		if (la[i] == lb[i] && !memcmp(sa[i], sb[i], la[i]))
			continue;
		const uint8_t *pa = sa[i], *pb = sb[i];
		size_t off = 0, m = la[i] < lb[i] ? la[i] : lb[i];
		while (off < m && pa[off] == pb[off])
			off++;
		size_t n = m - off < 16 ? m - off : 16;
		char what[64];
		snprintf(what, sizeof what, "device %s", na[i]);
		emit(ctx, what, off, 0, pa + off, pb + off, n);
		count++;
	}
	return count;
}
