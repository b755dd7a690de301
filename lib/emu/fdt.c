/* fdt: the virt board's device tree, built with libfdt the way QEMU 7.2 builds it.
 *
 * Nodes and properties are created in the same order as QEMU's hw/riscv/virt.c does
 * (libfdt's read-write API inserts each new property and subnode first, so the blob
 * lists them in reverse creation order, exactly like QEMU's), and phandles get the
 * same values (cpus from the last hart down: cpu, its interrupt controller; then the
 * PLIC, then sifive_test). For the same configuration `dtc -O dts` of our tree is
 * QEMU's with these differences, all deliberate (tests/dtb-qemu.sh checks the rest):
 *
 *  - /chosen/rng-seed: QEMU puts 32 fresh random bytes there on every run. That is a
 *    nondeterministic input hidden in guest memory, so we leave it out; the guest
 *    gets entropy from virtio-rng (through the host interface) instead.
 *  - /cpus/cpu@N/riscv,isa: QEMU says "rv64imafdch_zicsr_zifencei_zihintpause_zba_
 *    zbb_zbc_zbs_sstc"; our hart is RV64GC without H, B or Sstc: FDT_VIRT_ISA.
 *    mmu-type is "riscv,sv48" in both (the hart implements Sv39 and Sv48).
 *  - /pmu (SBI PMU event map): the hart has no programmable hpm counters. Left out.
 *  - /fw-cfg@10100000, /flash@20000000 (pflash), /platform-bus@4000000 (dynamic
 *    sysbus) and /soc/pci@30000000 (PCIe host): devices we do not emulate. Left out.
 *  - /chosen/linux,initrd-start/end: QEMU writes 32-bit cells (truncating above 4
 *    GiB); we write 32-bit cells when both fit, 64-bit values otherwise.
 * The PLIC node keeps QEMU's values: reg size 0x600000 (room for 512 harts' contexts)
 * and riscv,ndev 0x60 (sources 1..95 usable); M and S contexts per hart, in hart order.
 */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "emu/fdt.h"

/* A tree under construction: the first libfdt error sticks, with what failed.
 * Nodes are named by path, as in QEMU: inserting into a read-write tree moves the
 * offsets of everything after the insertion point. */
struct fdtb {
	void *fdt;
	int err;
	char what[160];
};

/* Record a libfdt result r (< 0 = error) for step what; returns r. */
static int fdtb_check(struct fdtb *b, int r, const char *what)
{
	if (r < 0 && !b->err) {
		b->err = r;
		snprintf(b->what, sizeof b->what, "%s", what);
	}
	return r;
}

/* The node at path, or -1 after an error. */
static int fdtb_find(struct fdtb *b, const char *path)
{
	if (b->err)
		return -1;
	return fdtb_check(b, fdt_path_offset(b->fdt, path), path);
}

/* Add node path (its parent must exist); the last component is its name. */
static void fdtb_node(struct fdtb *b, const char *path)
{
	char parent[128];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (!slash || n >= sizeof parent) {
		fdtb_check(b, -FDT_ERR_BADPATH, path);
		return;
	}
	memcpy(parent, path, n);
	parent[n] = 0;
	int off = fdtb_find(b, n ? parent : "/");
	if (off >= 0)
		fdtb_check(b, fdt_add_subnode(b->fdt, off, slash + 1), path);
}

/* Set property name of node path to len raw bytes. */
static void fdtb_prop(struct fdtb *b, const char *path, const char *name, const void *val,
		      int len)
{
	int off = fdtb_find(b, path);
	if (off >= 0)
		fdtb_check(b, fdt_setprop(b->fdt, off, name, val, len), name);
}

/* Set property name to n big-endian 32-bit cells. */
static void fdtb_cells(struct fdtb *b, const char *path, const char *name, const uint32_t *v,
		       int n)
{
	fdt32_t be[64];
	if (n > 64) {
		fdtb_check(b, -FDT_ERR_INTERNAL, name);
		return;
	}
	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(v[i]);
	fdtb_prop(b, path, name, be, n * 4);
}

static void fdtb_u32(struct fdtb *b, const char *path, const char *name, uint32_t v)
{
	fdtb_cells(b, path, name, &v, 1);
}

static void fdtb_str(struct fdtb *b, const char *path, const char *name, const char *s)
{
	fdtb_prop(b, path, name, s, strlen(s) + 1);
}

/* A string list given as one C literal with embedded NULs: pass sizeof(literal). */
static void fdtb_strs(struct fdtb *b, const char *path, const char *name, const char *s,
		      size_t size)
{
	fdtb_prop(b, path, name, s, size);
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void fdtb_reg(struct fdtb *b, const char *path, uint64_t base, uint64_t size)
{
	uint32_t v[4] = { base >> 32, (uint32_t)base, size >> 32, (uint32_t)size };
	fdtb_cells(b, path, "reg", v, 4);
}

/* Format "dir/base@addr" into buf; returns buf. */
static const char *devpath(char *buf, size_t n, const char *dir, const char *base,
			   uint64_t addr)
{
	snprintf(buf, n, "%s/%s@%llx", dir, base, (unsigned long long)addr);
	return buf;
}

#define CLINT_SIZE   0x10000ull
#define PLIC_SIZE    0x600000ull
#define PLIC_NDEV    0x60
#define UART_CLOCK   0x384000
#define TIMEBASE     10000000
#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11

/* /cpus: one cpu node per hart with its interrupt controller, and the cpu-map. */
static void build_cpus(struct fdtb *b, int nharts, const uint32_t *intc_ph)
{
	char cpu[64], p[96];
	fdtb_node(b, "/cpus");
	fdtb_u32(b, "/cpus", "timebase-frequency", TIMEBASE);
	fdtb_u32(b, "/cpus", "#size-cells", 0);
	fdtb_u32(b, "/cpus", "#address-cells", 1);
	fdtb_node(b, "/cpus/cpu-map");
	fdtb_node(b, "/cpus/cpu-map/cluster0");
	for (int i = nharts - 1; i >= 0; i--) {
		uint32_t ic_ph = intc_ph[i], cpu_ph = ic_ph - 1;
		devpath(cpu, sizeof cpu, "/cpus", "cpu", i);
		fdtb_node(b, cpu);
		fdtb_str(b, cpu, "mmu-type", FDT_VIRT_MMU);
		fdtb_str(b, cpu, "riscv,isa", FDT_VIRT_ISA);
		fdtb_str(b, cpu, "compatible", "riscv");
		fdtb_str(b, cpu, "status", "okay");
		fdtb_u32(b, cpu, "reg", i);
		fdtb_str(b, cpu, "device_type", "cpu");
		snprintf(p, sizeof p, "%s/interrupt-controller", cpu);
		fdtb_node(b, p);
		fdtb_u32(b, p, "phandle", ic_ph);
		fdtb_str(b, p, "compatible", "riscv,cpu-intc");
		fdtb_prop(b, p, "interrupt-controller", NULL, 0);
		fdtb_u32(b, p, "#interrupt-cells", 1);
		fdtb_u32(b, cpu, "phandle", cpu_ph);
		snprintf(p, sizeof p, "/cpus/cpu-map/cluster0/core%d", i);
		fdtb_node(b, p);
		fdtb_u32(b, p, "cpu", cpu_ph);
	}
}

/* A device on the PLIC: compatible, reg, [clock-frequency,] interrupt-parent, interrupts. */
static void plic_dev(struct fdtb *b, const char *base, const char *compat, uint64_t addr,
		     uint64_t size, uint32_t plic_ph, int irq, uint32_t clock)
{
	char p[64];
	devpath(p, sizeof p, "/soc", base, addr);
	fdtb_node(b, p);
	fdtb_str(b, p, "compatible", compat);
	fdtb_reg(b, p, addr, size);
	if (clock)
		fdtb_u32(b, p, "clock-frequency", clock);
	fdtb_u32(b, p, "interrupt-parent", plic_ph);
	fdtb_u32(b, p, "interrupts", irq);
}

/* /soc: CLINT, PLIC, the 8 virtio-mmio slots, sifive_test, UART, RTC. */
static void build_soc(struct fdtb *b, int nharts, const uint32_t *intc_ph, uint32_t plic_ph,
		      uint32_t test_ph)
{
	char p[64];
	uint32_t ext[4 * MACHINE_MAX_HARTS] = { 0 };
	fdtb_node(b, "/soc");
	fdtb_prop(b, "/soc", "ranges", NULL, 0);
	fdtb_str(b, "/soc", "compatible", "simple-bus");
	fdtb_u32(b, "/soc", "#size-cells", 2);
	fdtb_u32(b, "/soc", "#address-cells", 2);

	devpath(p, sizeof p, "/soc", "clint", VIRT_CLINT_BASE);
	fdtb_node(b, p);
	fdtb_strs(b, p, "compatible", "sifive,clint0\0riscv,clint0",
		  sizeof "sifive,clint0\0riscv,clint0");
	fdtb_reg(b, p, VIRT_CLINT_BASE, CLINT_SIZE);
	for (int i = 0; i < nharts; i++) {
		ext[4 * i + 0] = intc_ph[i];
		ext[4 * i + 1] = IRQ_M_SOFT;
		ext[4 * i + 2] = intc_ph[i];
		ext[4 * i + 3] = IRQ_M_TIMER;
	}
	fdtb_cells(b, p, "interrupts-extended", ext, 4 * nharts);

	devpath(p, sizeof p, "/soc", "plic", VIRT_PLIC_BASE);
	fdtb_node(b, p);
	fdtb_u32(b, p, "#interrupt-cells", 1);
	fdtb_u32(b, p, "#address-cells", 0);
	fdtb_strs(b, p, "compatible", "sifive,plic-1.0.0\0riscv,plic0",
		  sizeof "sifive,plic-1.0.0\0riscv,plic0");
	fdtb_prop(b, p, "interrupt-controller", NULL, 0);
	for (int i = 0; i < nharts; i++) {
		ext[4 * i + 1] = IRQ_M_EXT;
		ext[4 * i + 3] = IRQ_S_EXT;
	}
	fdtb_cells(b, p, "interrupts-extended", ext, 4 * nharts);
	fdtb_reg(b, p, VIRT_PLIC_BASE, PLIC_SIZE);
	fdtb_u32(b, p, "riscv,ndev", PLIC_NDEV);
	fdtb_u32(b, p, "phandle", plic_ph);

	for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
		plic_dev(b, "virtio_mmio", "virtio,mmio", VIRT_VIRTIO_BASE + i * 0x1000ull, 0x1000,
			 plic_ph, VIRT_VIRTIO_IRQ + i, 0);

	devpath(p, sizeof p, "/soc", "test", VIRT_TEST_BASE);
	fdtb_node(b, p);
	fdtb_strs(b, p, "compatible", "sifive,test1\0sifive,test0\0syscon",
		  sizeof "sifive,test1\0sifive,test0\0syscon");
	fdtb_reg(b, p, VIRT_TEST_BASE, 0x1000);
	fdtb_u32(b, p, "phandle", test_ph);

	plic_dev(b, "serial", "ns16550a", VIRT_UART_BASE, 0x100, plic_ph, VIRT_UART_IRQ,
		 UART_CLOCK);
	plic_dev(b, "rtc", "google,goldfish-rtc", VIRT_RTC_BASE, 0x1000, plic_ph, VIRT_RTC_IRQ, 0);
}

/* /poweroff or /reboot: a syscon write of value to sifive_test. */
static void build_syscon(struct fdtb *b, const char *path, const char *compat,
			 uint32_t test_ph, uint32_t value)
{
	fdtb_node(b, path);
	fdtb_str(b, path, "compatible", compat);
	fdtb_u32(b, path, "regmap", test_ph);
	fdtb_u32(b, path, "offset", 0);
	fdtb_u32(b, path, "value", value);
}

/* A /chosen initrd bound: one cell, or a 64-bit value when wide. */
static void initrd_prop(struct fdtb *b, const char *name, uint64_t v, int wide)
{
	if (wide) {
		fdt64_t be = cpu_to_fdt64(v);
		fdtb_prop(b, "/chosen", name, &be, sizeof be);
	} else {
		fdtb_u32(b, "/chosen", name, (uint32_t)v);
	}
}

int fdt_build_virt(const struct machine_config *cfg, uint64_t initrd_start,
		   uint64_t initrd_end, void *buf, size_t bufsize, char *err, size_t errlen)
{
	struct fdtb b = { .fdt = buf };
	uint32_t intc_ph[MACHINE_MAX_HARTS];
	char p[64];

	if (cfg->nharts < 1 || cfg->nharts > MACHINE_MAX_HARTS) {
		snprintf(err, errlen, "device tree: %d harts (must be 1..%d)", cfg->nharts,
			 MACHINE_MAX_HARTS);
		return -1;
	}
	if (cfg->ram_size == 0 || cfg->ram_size % 4096) {
		snprintf(err, errlen, "device tree: RAM size %llu is not a positive multiple of 4 KiB",
			 (unsigned long long)cfg->ram_size);
		return -1;
	}
	if (bufsize > INT32_MAX)
		bufsize = INT32_MAX;
	fdtb_check(&b, fdt_create_empty_tree(buf, (int)bufsize), "header");
	/* QEMU's phandles: from the last hart down, cpu then its intc; PLIC; test. */
	for (int i = 0; i < cfg->nharts; i++)
		intc_ph[i] = 2 * (cfg->nharts - 1 - i) + 2;
	uint32_t plic_ph = 2 * cfg->nharts + 1, test_ph = plic_ph + 1;

	fdtb_str(&b, "/", "model", "riscv-virtio,qemu");
	fdtb_str(&b, "/", "compatible", "riscv-virtio");
	fdtb_u32(&b, "/", "#size-cells", 2);
	fdtb_u32(&b, "/", "#address-cells", 2);
	build_soc(&b, cfg->nharts, intc_ph, plic_ph, test_ph);
	build_cpus(&b, cfg->nharts, intc_ph);
	devpath(p, sizeof p, "", "memory", VIRT_DRAM_BASE);
	fdtb_node(&b, p);
	fdtb_reg(&b, p, VIRT_DRAM_BASE, cfg->ram_size);
	fdtb_str(&b, p, "device_type", "memory");
	build_syscon(&b, "/reboot", "syscon-reboot", test_ph, 0x7777);
	build_syscon(&b, "/poweroff", "syscon-poweroff", test_ph, 0x5555);

	fdtb_node(&b, "/chosen");
	fdtb_str(&b, "/chosen", "stdout-path", devpath(p, sizeof p, "/soc", "serial", VIRT_UART_BASE));
	if (cfg->append && cfg->append[0])
		fdtb_str(&b, "/chosen", "bootargs", cfg->append);
	if (initrd_end > initrd_start) {
		int wide = initrd_end > UINT32_MAX;
		initrd_prop(&b, "linux,initrd-start", initrd_start, wide);
		initrd_prop(&b, "linux,initrd-end", initrd_end, wide);
	}
	if (!b.err)
		fdtb_check(&b, fdt_pack(buf), "pack");
	if (b.err) {
		snprintf(err, errlen, "device tree: %s: %s%s", b.what, fdt_strerror(b.err),
			 b.err == -FDT_ERR_NOSPACE ? " (buffer too small)" : "");
		return -1;
	}
	return 0;
}

size_t fdt_virt_size(const void *buf)
{
	return fdt_totalsize(buf);
}
