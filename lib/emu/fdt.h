/* fdt: the flattened device tree handed to the guest (a1 at reset), built with libfdt
 * to match what QEMU 7.2's `-M virt` generates for the same configuration. The
 * differences from QEMU's tree are listed at the top of fdt.c. */
#ifndef EMU_FDT_H
#define EMU_FDT_H
#include <stddef.h>
#include <stdint.h>
#include "emu/machine.h"

/* The ISA string and MMU type every cpu node advertises. */
#define FDT_VIRT_ISA "rv64imafdc_zicsr_zifencei"
#define FDT_VIRT_MMU "riscv,sv48"

/* Build the virt board's device tree for cfg (ram_size, nharts, append) into buf
 * (bufsize bytes; 64 KiB is plenty for 8 harts). initrd_end > initrd_start adds
 * /chosen linux,initrd-start/end; pass 0, 0 for none. The tree is packed: its size
 * is fdt_totalsize(buf) (big-endian u32 at offset 4). Deterministic: the same
 * arguments give the same bytes. Returns 0, or -1 with a message in err. */
int fdt_build_virt(const struct machine_config *cfg, uint64_t initrd_start,
		   uint64_t initrd_end, void *buf, size_t bufsize, char *err, size_t errlen);

/* Size in bytes of the device tree blob at buf (its header's totalsize). */
size_t fdt_virt_size(const void *buf);

#endif
