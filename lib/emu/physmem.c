/* physmem: the physical memory map (see physmem.h for the contract). */
#include <string.h>
#include "emu/physmem.h"

void physmem_init(struct physmem *pm)
{
	memset(pm, 0, sizeof *pm);
}

static int overlaps(struct physmem *pm, uint64_t base, uint64_t size)
{
	for (int i = 0; i < pm->nregions; i++) {
		struct physmem_region *r = &pm->r[i];
		if (base < r->base + r->size && r->base < base + size)
			return 1;
	}
	return 0;
}

static struct physmem_region *add_region(struct physmem *pm, uint64_t base, uint64_t size)
{
	if (size == 0 || base + size < base || pm->nregions >= PHYSMEM_MAX_REGIONS ||
	    overlaps(pm, base, size))
		return NULL;
	struct physmem_region *r = &pm->r[pm->nregions++];
	memset(r, 0, sizeof *r);
	r->base = base;
	r->size = size;
	return r;
}

int physmem_add_ram(struct physmem *pm, uint64_t base, uint64_t size, uint8_t *buf,
		    int readonly, const char *name)
{
	struct physmem_region *r = add_region(pm, base, size);
	if (!r)
		return -1;
	r->ram = buf;
	r->readonly = readonly;
	r->name = name;
	if (!readonly && !pm->ram) {
		pm->ram = buf;
		pm->ram_base = base;
		pm->ram_size = size;
	}
	return 0;
}

int physmem_add_device(struct physmem *pm, uint64_t base, uint64_t size, void *opaque,
		       physmem_read_fn read, physmem_write_fn write, const char *name)
{
	struct physmem_region *r = add_region(pm, base, size);
	if (!r)
		return -1;
	r->opaque = opaque;
	r->read = read;
	r->write = write;
	r->name = name;
	return 0;
}

struct physmem_region *physmem_find(struct physmem *pm, uint64_t paddr)
{
	for (int i = 0; i < pm->nregions; i++) {
		struct physmem_region *r = &pm->r[i];
		if (paddr - r->base < r->size)
			return r;
	}
	return NULL;
}

static uint64_t load_le(const uint8_t *p, int size)
{
	uint64_t v = 0;
	memcpy(&v, p, size); /* host is little-endian (x86-64, arm64) */
	return v;
}

int physmem_read(struct physmem *pm, uint64_t paddr, int size, uint64_t *val)
{
	struct physmem_region *r = physmem_find(pm, paddr);
	if (!r || paddr - r->base + size > r->size)
		return -1;
	if (r->ram)
		*val = load_le(r->ram + (paddr - r->base), size);
	else
		*val = r->read ? r->read(r->opaque, paddr - r->base, size) : 0;
	return 0;
}

int physmem_write(struct physmem *pm, uint64_t paddr, int size, uint64_t val)
{
	struct physmem_region *r = physmem_find(pm, paddr);
	if (!r || paddr - r->base + size > r->size)
		return -1;
	if (r->ram) {
		if (!r->readonly) {
			pm->wgen++;
			memcpy(r->ram + (paddr - r->base), &val, size);
			physmem_mark_dirty(pm, paddr, size);
		}
	} else if (r->write) {
		r->write(r->opaque, paddr - r->base, val, size);
	}
	return 0;
}

void *physmem_dma_ptr(struct physmem *pm, uint64_t paddr, uint64_t len, int write)
{
	struct physmem_region *r = physmem_find(pm, paddr);
	if (!r || !r->ram || (write && r->readonly))
		return NULL;
	uint64_t off = paddr - r->base;
	if (len > r->size - off)
		return NULL;
	if (write) {
		pm->wgen++;
		physmem_mark_dirty(pm, paddr, len);
	}
	return r->ram + off;
}

int physmem_dma_read(struct physmem *pm, uint64_t paddr, void *buf, uint64_t len)
{
	void *p = physmem_dma_ptr(pm, paddr, len, 0);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int physmem_dma_write(struct physmem *pm, uint64_t paddr, const void *buf, uint64_t len)
{
	void *p = physmem_dma_ptr(pm, paddr, len, 1);
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}
