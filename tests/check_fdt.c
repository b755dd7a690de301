/* check_fdt: the virt device tree built by lib/emu/fdt.c.
 *
 * Checks the tree's content through libfdt, and writes our blob for a few
 * configurations into $BUILD/fixtures/fdt-NAME.dtb with fdt-NAME.cfg (the same
 * configuration in QEMU's terms) for tests/dtb-qemu.sh, which compares them with
 * what qemu-system-riscv64 -M virt,dumpdtb= generates. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libfdt.h>
#include "emu/fdt.h"

#define MiB (1024ull * 1024)
static uint8_t blob[64 * 1024];

static struct machine_config cfg_make(uint64_t ram, int nharts, const char *append)
{
	struct machine_config c;
	memset(&c, 0, sizeof c);
	c.ram_size = ram;
	c.nharts = nharts;
	c.append = append;
	return c;
}

static void build_ok(const struct machine_config *c, uint64_t rd0, uint64_t rd1)
{
	char err[200] = "";
	int r = fdt_build_virt(c, rd0, rd1, blob, sizeof blob, err, sizeof err);
	ck_assert_msg(r == 0, "fdt_build_virt: %s", err);
	ck_assert_int_eq(fdt_check_header(blob), 0);
	ck_assert_uint_eq(fdt_virt_size(blob), fdt_totalsize(blob));
	ck_assert_uint_le(fdt_totalsize(blob), sizeof blob);
}

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);
	ck_assert_msg(off >= 0, "node %s: %s", path, fdt_strerror(off));
	return off;
}

/* The property's value and length; fails the test if it is missing. */
static const void *prop(const char *path, const char *name, int *len)
{
	int l = -1;
	const void *v = fdt_getprop(blob, node(path), name, &l);
	ck_assert_msg(v != NULL, "%s: no property %s", path, name);
	if (len)
		*len = l;
	return v;
}

static uint32_t cell(const char *path, const char *name, int i)
{
	int len;
	const fdt32_t *v = prop(path, name, &len);
	ck_assert_msg(len >= 4 * (i + 1), "%s/%s: %d bytes, want cell %d", path, name, len, i);
	return fdt32_to_cpu(v[i]);
}

static void str_is(const char *path, const char *name, const char *want, int wantlen)
{
	int len;
	const char *v = prop(path, name, &len);
	ck_assert_int_eq(len, wantlen);
	ck_assert_msg(memcmp(v, want, len) == 0, "%s/%s differs", path, name);
}
#define STR_IS(path, name, lit) str_is(path, name, lit, sizeof lit)

/* The node a phandle designates, as an offset. */
static int by_phandle(uint32_t ph)
{
	int off = fdt_node_offset_by_phandle(blob, ph);
	ck_assert_msg(off >= 0, "phandle %u: %s", ph, fdt_strerror(off));
	return off;
}

START_TEST(test_virt_smp2)
{
	struct machine_config c = cfg_make(128 * MiB, 2, "console=ttyS0");
	build_ok(&c, 0, 0);
	STR_IS("/", "compatible", "riscv-virtio");
	STR_IS("/", "model", "riscv-virtio,qemu");
	ck_assert_uint_eq(cell("/", "#address-cells", 0), 2);
	ck_assert_uint_eq(cell("/memory@80000000", "reg", 1), 0x80000000u);
	ck_assert_uint_eq(cell("/memory@80000000", "reg", 3), 128 * MiB);
	STR_IS("/memory@80000000", "device_type", "memory");
	ck_assert_uint_eq(cell("/cpus", "timebase-frequency", 0), 10000000);
	for (int i = 0; i < 2; i++) {
		char p[64];
		snprintf(p, sizeof p, "/cpus/cpu@%d", i);
		ck_assert_uint_eq(cell(p, "reg", 0), i);
		STR_IS(p, "riscv,isa", FDT_VIRT_ISA);
		STR_IS(p, "mmu-type", "riscv,sv48");
		STR_IS(p, "device_type", "cpu");
		snprintf(p, sizeof p, "/cpus/cpu@%d/interrupt-controller", i);
		STR_IS(p, "compatible", "riscv,cpu-intc");
		prop(p, "interrupt-controller", NULL);
		/* cpu-map core i points at cpu@i */
		snprintf(p, sizeof p, "/cpus/cpu-map/cluster0/core%d", i);
		char want[32];
		snprintf(want, sizeof want, "cpu@%d", i);
		ck_assert_str_eq(fdt_get_name(blob, by_phandle(cell(p, "cpu", 0)), NULL), want);
	}
	ck_assert_int_eq(fdt_path_offset(blob, "/cpus/cpu@2"), -FDT_ERR_NOTFOUND);
	/* PLIC: M (11) and S (9) external contexts of hart 0 then hart 1 */
	int len;
	const fdt32_t *ie = prop("/soc/plic@c000000", "interrupts-extended", &len);
	ck_assert_int_eq(len, 8 * 4);
	static const uint32_t want_irq[4] = { 11, 9, 11, 9 };
	for (int k = 0; k < 4; k++) {
		int ic = by_phandle(fdt32_to_cpu(ie[2 * k]));
		int cpu = fdt_parent_offset(blob, ic);
		ck_assert_str_eq(fdt_get_name(blob, ic, NULL), "interrupt-controller");
		ck_assert_uint_eq(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(blob, cpu, "reg", NULL)),
				  k / 2);
		ck_assert_uint_eq(fdt32_to_cpu(ie[2 * k + 1]), want_irq[k]);
	}
	STR_IS("/soc/plic@c000000", "compatible", "sifive,plic-1.0.0\0riscv,plic0");
	ck_assert_uint_eq(cell("/soc/plic@c000000", "riscv,ndev", 0), 0x60);
	ck_assert_uint_eq(cell("/soc/clint@2000000", "interrupts-extended", 1), 3);
	ck_assert_uint_eq(cell("/soc/clint@2000000", "interrupts-extended", 3), 7);
	STR_IS("/soc/clint@2000000", "compatible", "sifive,clint0\0riscv,clint0");
	uint32_t plic = cell("/soc/plic@c000000", "phandle", 0);
	/* every PLIC device, with its IRQ */
	for (int i = 0; i < 8; i++) {
		char p[64];
		snprintf(p, sizeof p, "/soc/virtio_mmio@%x", 0x10001000 + i * 0x1000);
		STR_IS(p, "compatible", "virtio,mmio");
		ck_assert_uint_eq(cell(p, "interrupts", 0), 1 + i);
		ck_assert_uint_eq(cell(p, "interrupt-parent", 0), plic);
		ck_assert_uint_eq(cell(p, "reg", 1), 0x10001000 + i * 0x1000);
	}
	ck_assert_int_eq(fdt_path_offset(blob, "/soc/virtio_mmio@10009000"), -FDT_ERR_NOTFOUND);
	STR_IS("/soc/serial@10000000", "compatible", "ns16550a");
	ck_assert_uint_eq(cell("/soc/serial@10000000", "clock-frequency", 0), 0x384000);
	ck_assert_uint_eq(cell("/soc/serial@10000000", "interrupts", 0), 10);
	STR_IS("/soc/rtc@101000", "compatible", "google,goldfish-rtc");
	ck_assert_uint_eq(cell("/soc/rtc@101000", "interrupts", 0), 11);
	STR_IS("/soc/test@100000", "compatible", "sifive,test1\0sifive,test0\0syscon");
	uint32_t test = cell("/soc/test@100000", "phandle", 0);
	ck_assert_uint_eq(cell("/poweroff", "regmap", 0), test);
	ck_assert_uint_eq(cell("/poweroff", "value", 0), 0x5555);
	ck_assert_uint_eq(cell("/reboot", "value", 0), 0x7777);
	STR_IS("/chosen", "bootargs", "console=ttyS0");
	STR_IS("/chosen", "stdout-path", "/soc/serial@10000000");
	ck_assert_ptr_null(fdt_getprop(blob, node("/chosen"), "rng-seed", NULL));
	ck_assert_ptr_null(fdt_getprop(blob, node("/chosen"), "linux,initrd-start", NULL));
}
END_TEST

START_TEST(test_initrd_and_no_append)
{
	struct machine_config c = cfg_make(256 * MiB, 1, NULL);
	build_ok(&c, 0x88200000, 0x88201000);
	ck_assert_uint_eq(cell("/chosen", "linux,initrd-start", 0), 0x88200000);
	ck_assert_uint_eq(cell("/chosen", "linux,initrd-end", 0), 0x88201000);
	ck_assert_ptr_null(fdt_getprop(blob, node("/chosen"), "bootargs", NULL));
	c.append = "";
	build_ok(&c, 0, 0);
	ck_assert_ptr_null(fdt_getprop(blob, node("/chosen"), "bootargs", NULL));
	/* above 4 GiB: 64-bit values */
	c.ram_size = 8192 * MiB;
	build_ok(&c, 0x200000000ull, 0x200001000ull);
	int len;
	fdt64_t v;
	memcpy(&v, prop("/chosen", "linux,initrd-end", &len), sizeof v);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt64_to_cpu(v), 0x200001000ull);
	ck_assert_uint_eq(cell("/memory@80000000", "reg", 2), 2);
	ck_assert_uint_eq(cell("/memory@80000000", "reg", 3), 0);
}
END_TEST

START_TEST(test_smp8_deterministic)
{
	static uint8_t first[sizeof blob];
	struct machine_config c = cfg_make(1024 * MiB, 8, "a b c");
	build_ok(&c, 0, 0);
	size_t n = fdt_totalsize(blob);
	memcpy(first, blob, n);
	memset(blob, 0xa5, sizeof blob);
	build_ok(&c, 0, 0);
	ck_assert_uint_eq(fdt_totalsize(blob), n);
	ck_assert_int_eq(memcmp(first, blob, n), 0);
	int len;
	prop("/soc/plic@c000000", "interrupts-extended", &len);
	ck_assert_int_eq(len, 8 * 4 * 4);
	prop("/soc/clint@2000000", "interrupts-extended", &len);
	ck_assert_int_eq(len, 8 * 4 * 4);
	node("/cpus/cpu@7");
	node("/cpus/cpu-map/cluster0/core7");
}
END_TEST

START_TEST(test_errors)
{
	char err[200] = "";
	struct machine_config c = cfg_make(128 * MiB, 2, "console=ttyS0");
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, 512, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "too small") != NULL, "err: %s", err);
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, 16, err, sizeof err), -1);
	c.nharts = 0;
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, sizeof blob, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "harts") != NULL, "err: %s", err);
	c.nharts = 9;
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, sizeof blob, err, sizeof err), -1);
	c.nharts = 1;
	c.ram_size = 0;
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, sizeof blob, err, sizeof err), -1);
	/* a command line longer than the buffer */
	static char big[70000];
	memset(big, 'x', sizeof big - 1);
	c.ram_size = 128 * MiB;
	c.append = big;
	ck_assert_int_eq(fdt_build_virt(&c, 0, 0, blob, sizeof blob, err, sizeof err), -1);
}
END_TEST

/* The configurations tests/dtb-qemu.sh replays on QEMU. The initrd goes where
 * QEMU 7.2 puts it: kernel entry (0x80200000 with fw_jump) + min(RAM / 2, 128 MiB). */
static const struct fixture {
	const char *name;
	uint64_t ram;
	int nharts;
	const char *append;
	uint64_t initrd_size;
} fixtures[] = {
	{ "smp2-128M", 128 * MiB, 2, "console=ttyS0", 0 },
	{ "smp1-256M-initrd", 256 * MiB, 1, "console=ttyS0 root=/dev/vda rw", 4096 },
	{ "smp8-2G-noappend", 2048 * MiB, 8, NULL, 0 },
	{ "smp3-64M-initrd", 64 * MiB, 3, "earlycon=sbi quiet", 12345 },
};

START_TEST(test_write_fixtures)
{
	const char *build = getenv("BUILD");
	if (!build || !*build)
		return; /* run by hand: nothing to write */
	char dir[4096], path[4200];
	snprintf(dir, sizeof dir, "%s/fixtures", build);
	ck_assert_msg(mkdir(dir, 0777) == 0 || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *f = &fixtures[i];
		struct machine_config c = cfg_make(f->ram, f->nharts, f->append);
		uint64_t half = f->ram / 2 < 128 * MiB ? f->ram / 2 : 128 * MiB;
		uint64_t rd0 = f->initrd_size ? 0x80200000ull + half : 0;
		build_ok(&c, rd0, rd0 + f->initrd_size);
		snprintf(path, sizeof path, "%s/fdt-%s.dtb", dir, f->name);
		FILE *fp = fopen(path, "wb");
		ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
		ck_assert_uint_eq(fwrite(blob, 1, fdt_totalsize(blob), fp), fdt_totalsize(blob));
		ck_assert_int_eq(fclose(fp), 0);
		snprintf(path, sizeof path, "%s/fdt-%s.cfg", dir, f->name);
		fp = fopen(path, "w");
		ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
		fprintf(fp, "mem=%lluM\nsmp=%d\ninitrd=%llu\n", (unsigned long long)(f->ram / MiB),
			f->nharts, (unsigned long long)f->initrd_size);
		if (f->append)
			fprintf(fp, "append=%s\n", f->append);
		ck_assert_int_eq(fclose(fp), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("fdt");
	tcase_add_test(tc, test_virt_smp2);
	tcase_add_test(tc, test_initrd_and_no_append);
	tcase_add_test(tc, test_smp8_deterministic);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_write_fixtures);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
