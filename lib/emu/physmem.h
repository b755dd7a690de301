/* physmem: the machine's physical memory map.
 *
 * RAM and ROM regions are flat host buffers the hart reads directly; every other
 * region is a device that registers read/write callbacks (TinyEMU style). A device
 * callback is only ever called with an offset inside its region and a size of
 * 1, 2, 4 or 8 bytes; it must accept any offset and size (ignore writes and return
 * 0 for reads it does not implement) and never touch memory outside its own state.
 * DMA from devices goes through physmem_dma_ptr(), which refuses any range that is
 * not entirely inside one RAM region, so a hostile guest cannot make a device read
 * or write host memory outside guest RAM.
 */
#ifndef EMU_PHYSMEM_H
#define EMU_PHYSMEM_H
#include <stddef.h>
#include <stdint.h>

typedef uint64_t (*physmem_read_fn)(void *opaque, uint64_t offset, int size);
typedef void (*physmem_write_fn)(void *opaque, uint64_t offset, uint64_t val, int size);

#define PHYSMEM_MAX_REGIONS 32

struct physmem_region {
	uint64_t base, size;
	uint8_t *ram;           /* host buffer for RAM/ROM, NULL for a device */
	int readonly;           /* ROM: guest writes are ignored */
	void *opaque;           /* device state passed to the callbacks */
	physmem_read_fn read;
	physmem_write_fn write;
	const char *name;
};

struct physmem {
	int nregions;
	struct physmem_region r[PHYSMEM_MAX_REGIONS];
	/* The main DRAM, for the hart's fast path and for DMA. */
	uint8_t *ram;
	uint64_t ram_base, ram_size;
	/* Dirty tracking of the main DRAM, one byte a 4 KiB page (NULL: off). A page
	 * is marked when a hart maps it for writing, or takes back a write mapping
	 * it parked (so a hart's cached write mappings must be dropped or parked
	 * whenever the marks are cleared: hart_forget_writes), on every
	 * physmem_write to it, and for every writable DMA pointer handed out. */
	uint8_t *dirty;
	/* RAM write generation: bumped by every write to RAM that does not come from a
	 * hart's own load/store paths (physmem_write, writable DMA pointers,
	 * physmem_ram_changed()). With `runner` (the hart that ran last, set by the
	 * hart) it lets a hart trust its decoded code across runs when nothing else
	 * wrote memory in between (hart.c). */
	uint64_t wgen;
	const void *runner;
};

/* RAM was changed behind physmem's back (a plain memcpy into a RAM buffer): code
 * the harts decoded from it is checked again before it runs. Writes through
 * physmem_write() and DMA pointers need no call. */
static inline void physmem_ram_changed(struct physmem *pm)
{
	pm->wgen++;
}

/* Mark [paddr, paddr+len) of the main DRAM dirty (no-op outside it or when off). */
static inline void physmem_mark_dirty(struct physmem *pm, uint64_t paddr, uint64_t len)
{
	if (!pm->dirty || paddr - pm->ram_base >= pm->ram_size || !len)
		return;
	uint64_t first = (paddr - pm->ram_base) >> 12;
	uint64_t end = paddr - pm->ram_base + len;
	if (end > pm->ram_size)
		end = pm->ram_size;
	for (uint64_t p = first; p < (end + 4095) >> 12; p++)
		pm->dirty[p] = 1;
}

/* Initialise an empty map. */
void physmem_init(struct physmem *pm);

/* Map a host buffer of `size` bytes at guest physical `base`. The first RAM region
 * added with readonly=0 becomes pm->ram. Returns 0, or -1 if the range overlaps
 * another region or the table is full. The buffer stays owned by the caller. */
int physmem_add_ram(struct physmem *pm, uint64_t base, uint64_t size, uint8_t *buf,
		    int readonly, const char *name);

/* Map a device at [base, base+size). Returns 0 or -1 as physmem_add_ram(). */
int physmem_add_device(struct physmem *pm, uint64_t base, uint64_t size, void *opaque,
		       physmem_read_fn read, physmem_write_fn write, const char *name);

/* The region holding `paddr`, or NULL if nothing is mapped there. */
struct physmem_region *physmem_find(struct physmem *pm, uint64_t paddr);

/* Read/write `size` (1,2,4,8) bytes, little-endian, at `paddr`. An access that
 * straddles the end of a region or hits nothing returns -1 (an access fault for the
 * hart); otherwise 0. Reads of unmapped memory leave *val untouched. */
int physmem_read(struct physmem *pm, uint64_t paddr, int size, uint64_t *val);
int physmem_write(struct physmem *pm, uint64_t paddr, int size, uint64_t val);

/* A host pointer to guest RAM [paddr, paddr+len) if that whole range lies inside
 * one RAM/ROM region (writable RAM if `write`), else NULL. len 0 is allowed. Use it
 * for every device DMA access. */
void *physmem_dma_ptr(struct physmem *pm, uint64_t paddr, uint64_t len, int write);

/* Copy between guest RAM and a host buffer with the same checks; 0 or -1. */
int physmem_dma_read(struct physmem *pm, uint64_t paddr, void *buf, uint64_t len);
int physmem_dma_write(struct physmem *pm, uint64_t paddr, const void *buf, uint64_t len);

#endif
