/* snapshot: the machine's whole guest-visible state as one blob, and back.
 *
 * Layout (little-endian):
 *   "RRSNAP01"  u32 nharts  u32 0  u64 ram_size
 *   then sections until the end: u32 tag, u32 0, u64 len, len bytes
 *     'MACH'  struct machine_state (scheduler, CLINT)
 *     'HART'  struct hart_state, one section per hart in order
 *     'DEVS'  the devices' states (machine_devices_save)
 *     'RAM '  the guest RAM, ram_size bytes
 * A blob is only loaded into a machine of the same configuration (same harts and RAM
 * size, same devices: the section sizes must match exactly), built by the same
 * rr-run: the structs are stored as they are in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine_impl.h"

#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

struct sbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void put(struct sbuf *b, const void *d, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_section(struct sbuf *b, uint32_t tag, const void *d, uint64_t n)
{
	uint32_t h[2] = { tag, 0 };
	put(b, h, 8);
	put(b, &n, 8);
	put(b, d, n);
}

void *machine_snapshot_save(struct machine *m, size_t *len)
{
	struct sbuf b = { 0 };
	uint32_t h[2] = { m->nharts, 0 };
	uint64_t ram = m->cfg.ram_size;
	put(&b, "RRSNAP01", 8);
	put(&b, h, 8);
	put(&b, &ram, 8);
	put_section(&b, TAG('M', 'A', 'C', 'H'), &m->st, sizeof m->st);
	for (int i = 0; i < m->nharts; i++)
		put_section(&b, TAG('H', 'A', 'R', 'T'), &m->harts[i].s, sizeof m->harts[i].s);
	size_t dlen;
	void *devs = machine_devices_save(m, &dlen);
	if (!devs) {
		free(b.p);
		return NULL;
	}
	put_section(&b, TAG('D', 'E', 'V', 'S'), devs, dlen);
	free(devs);
	put_section(&b, TAG('R', 'A', 'M', ' '), m->ram, ram);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

int machine_snapshot_load(struct machine *m, const void *blob, size_t len, char *err, size_t errlen)
{
	const uint8_t *p = blob, *end = p + len;
	uint32_t h[2];
	uint64_t ram;
	if (len < 24 || memcmp(p, "RRSNAP01", 8)) {
		snprintf(err, errlen, "not an rr-run snapshot");
		return -1;
	}
	memcpy(h, p + 8, 8);
	memcpy(&ram, p + 16, 8);
	if ((int)h[0] != m->nharts || ram != m->cfg.ram_size) {
		snprintf(err, errlen, "snapshot of a machine with %u harts and %llu bytes of RAM; this one has "
			 "%d and %llu", h[0], (unsigned long long)ram, m->nharts,
			 (unsigned long long)m->cfg.ram_size);
		return -1;
	}
	/* Validate every section before touching the machine. */
	const uint8_t *sec[4 + MACHINE_MAX_HARTS];
	uint64_t seclen[4 + MACHINE_MAX_HARTS];
	int nsec = 0, harts = 0;
	for (const uint8_t *q = p + 24; q < end;) {
		uint32_t sh[2];
		uint64_t n;
		if (end - q < 16 || nsec >= 3 + MACHINE_MAX_HARTS)
			goto corrupt;
		memcpy(sh, q, 8);
		memcpy(&n, q + 8, 8);
		if (n > (uint64_t)(end - q - 16))
			goto corrupt;
		sec[nsec] = q + 16;
		seclen[nsec] = n;
		uint64_t want = sh[0] == TAG('M', 'A', 'C', 'H') ? sizeof m->st
			: sh[0] == TAG('H', 'A', 'R', 'T') ? sizeof m->harts[0].s
			: sh[0] == TAG('R', 'A', 'M', ' ') ? ram : n;
		int expect_tag = nsec == 0 ? TAG('M', 'A', 'C', 'H')
			: nsec <= m->nharts ? TAG('H', 'A', 'R', 'T')
			: nsec == m->nharts + 1 ? TAG('D', 'E', 'V', 'S') : TAG('R', 'A', 'M', ' ');
		if (sh[0] != (uint32_t)expect_tag || n != want)
			goto corrupt;
		harts += sh[0] == TAG('H', 'A', 'R', 'T');
		nsec++;
		q += 16 + n;
	}
	if (nsec != m->nharts + 3 || harts != m->nharts)
		goto corrupt;
	if (machine_devices_load(m, sec[m->nharts + 1], seclen[m->nharts + 1], 1, err, errlen) < 0)
		return -1;
	memcpy(&m->st, sec[0], sizeof m->st);
	for (int i = 0; i < m->nharts; i++) {
		memcpy(&m->harts[i].s, sec[1 + i], sizeof m->harts[i].s);
		hart_flush_caches(&m->harts[i]);
	}
	memcpy(m->ram, sec[m->nharts + 2], ram);
	memset(m->pm.dirty, 1, ram >> 12);
	/* Devices last: loading re-drives interrupt lines into the harts' mip. */
	machine_devices_load(m, sec[m->nharts + 1], seclen[m->nharts + 1], 0, err, errlen);
	m->exit = -1;
	return 0;
corrupt:
	snprintf(err, errlen, "snapshot is corrupt or from another rr-run build (section layout differs)");
	return -1;
}
