/* loader: guest images into guest RAM (ELF64 RISC-V and raw binaries). */
#ifndef EMU_LOADER_H
#define EMU_LOADER_H
#include <stddef.h>
#include <stdint.h>
#include "emu/physmem.h"

/* Read a whole file into a malloc'd buffer. NULL with err set on failure. */
uint8_t *loader_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* True if buf holds an ELF file (magic only). */
int loader_is_elf(const uint8_t *buf, size_t len);

/* Load an ELF64 little-endian RISC-V executable's PT_LOAD segments at their physical
 * addresses. Every segment must lie inside one RAM region of pm. On success returns 0,
 * sets *entry and *end (highest loaded address); else -1 with a message in err naming
 * `path`. */
int loader_load_elf(struct physmem *pm, const char *path, const uint8_t *buf, size_t len,
		    uint64_t *entry, uint64_t *end, char *err, size_t errlen);

/* Copy a raw image to guest physical `addr`; -1 with err if it does not fit in RAM. */
int loader_load_raw(struct physmem *pm, const char *path, const uint8_t *buf, size_t len,
		    uint64_t addr, char *err, size_t errlen);
#endif
