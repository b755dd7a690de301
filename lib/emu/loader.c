/* loader: guest images into guest RAM. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/loader.h"

uint8_t *loader_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			snprintf(err, errlen, "%s: out of memory", path);
			fclose(f);
			return NULL;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int loader_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

int loader_load_elf(struct physmem *pm, const char *path, const uint8_t *buf, size_t len,
		    uint64_t *entry, uint64_t *end, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	if (len < sizeof *eh || !loader_is_elf(buf, len)) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		return -1;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "%s: not a 64-bit little-endian ELF (class %d)", path,
			 eh->e_ident[EI_CLASS]);
		return -1;
	}
	if (eh->e_machine != EM_RISCV) {
		snprintf(err, errlen, "%s: ELF for machine %u, not RISC-V (%u)", path,
			 eh->e_machine, EM_RISCV);
		return -1;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff) {
		snprintf(err, errlen, "%s: corrupt ELF program headers", path);
		return -1;
	}
	uint64_t hi = 0;
	int loaded = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh->e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
			snprintf(err, errlen, "%s: segment %d extends past the end of the file", path, i);
			return -1;
		}
		uint8_t *dst = physmem_dma_ptr(pm, ph.p_paddr, ph.p_memsz, 1);
		if (!dst) {
			snprintf(err, errlen,
				 "%s: segment %d at 0x%llx..0x%llx is outside guest RAM", path, i,
				 (unsigned long long)ph.p_paddr,
				 (unsigned long long)(ph.p_paddr + ph.p_memsz));
			return -1;
		}
		memcpy(dst, buf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > hi)
			hi = ph.p_paddr + ph.p_memsz;
		loaded++;
	}
	if (!loaded) {
		snprintf(err, errlen, "%s: ELF has no loadable segment", path);
		return -1;
	}
	*entry = eh->e_entry;
	*end = hi;
	return 0;
}

int loader_load_raw(struct physmem *pm, const char *path, const uint8_t *buf, size_t len,
		    uint64_t addr, char *err, size_t errlen)
{
	uint8_t *dst = physmem_dma_ptr(pm, addr, len, 1);
	if (!dst) {
		snprintf(err, errlen, "%s: %zu bytes at 0x%llx do not fit in guest RAM", path, len,
			 (unsigned long long)addr);
		return -1;
	}
	memcpy(dst, buf, len);
	return 0;
}
