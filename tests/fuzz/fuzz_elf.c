/* libFuzzer target for the ELF loader (lib/emu/loader.c; make fuzz): any bytes are
 * loaded into a 1 MiB RAM at 0x80000000 beside a 4 KiB ROM at 0x1000. The loader
 * either refuses with a message or loads segments that lie inside RAM, with an entry
 * and an end it reports; it never writes outside the RAM buffer (guard bytes around
 * it, and ASan), never crashes, hangs or leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "emu/loader.h"
#include "emu/physmem.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define GUARD 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem, rom[4096];
	if (!mem && !(mem = malloc(RAM_SIZE + 2 * GUARD))) return 0;
	memset(mem, 0xa5, GUARD);
	memset(mem + GUARD, 0, RAM_SIZE);
	memset(mem + GUARD + RAM_SIZE, 0xa5, GUARD);
	memset(rom, 0x5a, sizeof rom);
	struct physmem pm;
	physmem_init(&pm);
	if (physmem_add_ram(&pm, 0x1000, sizeof rom, rom, 1, "rom") < 0 ||
	    physmem_add_ram(&pm, RAM_BASE, RAM_SIZE, mem + GUARD, 0, "ram") < 0)
		abort();
	uint64_t entry = 0, end = 0;
	char err[512] = "";
	int elf = loader_is_elf(data, size);
	int rc = loader_load_elf(&pm, "fuzz.elf", data, size, &entry, &end, err, sizeof err);
	if (rc < 0 && !err[0]) abort(); /* a refusal says why */
	if (rc == 0 && !elf) abort();   /* loaded something that is not an ELF file */
	if (rc == 0 && end > RAM_BASE + RAM_SIZE) abort(); /* past RAM */
	for (size_t i = 0; i < GUARD; i++)
		if (mem[i] != 0xa5 || mem[GUARD + RAM_SIZE + i] != 0xa5) abort();
	for (size_t i = 0; i < sizeof rom; i++)
		if (rom[i] != 0x5a) abort(); /* wrote a read-only region */
	err[0] = 0;
	rc = loader_load_raw(&pm, "fuzz.bin", data, size, RAM_BASE + (size & 0xfffff), err, sizeof err);
	if (rc < 0 && !err[0]) abort();
	if (rc == 0 && (size & 0xfffff) + size > RAM_SIZE) abort();
	for (size_t i = 0; i < GUARD; i++)
		if (mem[i] != 0xa5 || mem[GUARD + RAM_SIZE + i] != 0xa5) abort();
	return 0;
}
