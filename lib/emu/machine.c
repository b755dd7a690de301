/* machine: the QEMU-virt-compatible board and its deterministic run loop.
 *
 * The run loop is the only place that decides when harts run and when inputs
 * arrive. Everything it does is a function of the machine icount and of the inputs
 * the host hands over (host.h), so a replay that hands over the same inputs at the
 * same icounts re-executes bit for bit:
 *
 *   - harts run round-robin, MACHINE_QUANTUM instructions each (a hart that enters
 *     WFI gives up the rest of its quantum); the LR/SC reservation of a hart is
 *     dropped when it is switched out;
 *   - a run slice ends exactly at the next deadline: the stop icount, the icount at
 *     which the host wants to be polled, or the first CLINT timer deadline; MMIO
 *     writes to the CLINT or to sifive_test end the slice early (hart->stop);
 *   - inputs are delivered only between slices, at the icount the host names;
 *   - when every hart waits in WFI the host's idle() decides at which icount to
 *     resume (never later than the next timer deadline): virtual time jumps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine.h"
#include "emu/machine_impl.h"
#include "emu/loader.h"
#include "emu/fdt.h"

#define CLINT_SIZE 0x10000
#define TEST_SIZE  0x1000
#define ROM_SIZE   0xf000

/* ---- time ---- */

/* CLINT mtime (10 MHz) at an icount: virtual ns = icount << shift, 100 ns a tick. */
/* 10 MHz ticks of virtual time at an icount, before the guest-visible offset. */
static uint64_t ticks_at(const struct machine *m, uint64_t icount)
{
	unsigned __int128 ns = (unsigned __int128)icount << m->cfg.icount_shift;
	return (uint64_t)(ns / 100);
}

static uint64_t mtime_at(const struct machine *m, uint64_t icount)
{
	return ticks_at(m, icount) + m->st.mtime_offset;
}

/* The first icount at which mtime >= cmp, or UINT64_MAX if never. */
static uint64_t icount_for_mtime(const struct machine *m, uint64_t cmp)
{
	/* mtime = ticks(icount) + offset, the offset signed (a reset or a guest write
	 * of mtime moves it either way): find the ticks that reach cmp. */
	int64_t off = (int64_t)m->st.mtime_offset;
	uint64_t ticks;
	if (off >= 0) {
		if (cmp <= (uint64_t)off)
			return 0;
		ticks = cmp - (uint64_t)off;
	} else {
		if (cmp > UINT64_MAX - (uint64_t)-off)
			return UINT64_MAX;
		ticks = cmp + (uint64_t)-off;
	}
	unsigned __int128 ns = (unsigned __int128)ticks * 100;
	unsigned __int128 ic = (ns + ((1ull << m->cfg.icount_shift) - 1)) >> m->cfg.icount_shift;
	return ic >= UINT64_MAX ? UINT64_MAX : (uint64_t)ic;
}

uint64_t machine_icount(const struct machine *m)
{
	uint64_t ic = m->st.icount;
	if (m->running)
		ic += m->harts[m->st.cur].s.instret - m->slice_start;
	return ic;
}

uint64_t machine_instructions(const struct machine *m)
{
	uint64_t n = m->st.instr_base;
	for (int i = 0; i < m->nharts; i++)
		n += m->harts[i].s.instret;
	return n;
}

static uint64_t hart_get_mtime(void *opaque)
{
	struct machine *m = opaque;
	return mtime_at(m, machine_icount(m));
}

/* Raise or lower MTIP on every hart from the current mtime. */
static void clint_update_timers(struct machine *m)
{
	uint64_t now = mtime_at(m, machine_icount(m));
	for (int i = 0; i < m->nharts; i++)
		hart_set_mip(&m->harts[i], MIP_MTIP, now >= m->st.mtimecmp[i]);
}

/* End the running slice after the current instruction (an MMIO write changed
 * something the run loop plans with). */
static void stop_current(struct machine *m)
{
	if (m->running)
		m->harts[m->st.cur].stop = 1;
}

/* ---- CLINT (SiFive layout: msip at 0, mtimecmp at 0x4000, mtime at 0xbff8) ---- */

static uint64_t clint_read(void *opaque, uint64_t off, int size)
{
	struct machine *m = opaque;
	uint64_t v = 0;
	int sh = (off & 7) * 8;
	if (off < 0x4000) {
		int h = off / 4;
		if (h < m->nharts && (off & 3) == 0)
			v = m->st.msip[h];
		return v;
	} else if (off >= 0x4000 && off < 0x4000 + 8 * (uint64_t)m->nharts) {
		v = m->st.mtimecmp[(off - 0x4000) / 8];
	} else if (off >= 0xbff8 && off < 0xc000) {
		v = mtime_at(m, machine_icount(m));
	} else {
		return 0;
	}
	v >>= sh;
	return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

/* Merge a write of `size` bytes at byte `sh/8` of a 64-bit register. */
static uint64_t merge64(uint64_t old, uint64_t val, int size, int sh)
{
	uint64_t mask = size == 8 ? ~0ull : ((1ull << (size * 8)) - 1);
	return (old & ~(mask << sh)) | ((val & mask) << sh);
}

static void clint_write(void *opaque, uint64_t off, uint64_t val, int size)
{
	struct machine *m = opaque;
	int sh = (off & 7) * 8;
	if (off < 0x4000) {
		int h = off / 4;
		if (h < m->nharts && (off & 3) == 0) {
			m->st.msip[h] = val & 1;
			hart_set_mip(&m->harts[h], MIP_MSIP, val & 1);
			stop_current(m);
		}
	} else if (off >= 0x4000 && off < 0x4000 + 8 * (uint64_t)m->nharts) {
		int h = (off - 0x4000) / 8;
		m->st.mtimecmp[h] = merge64(m->st.mtimecmp[h], val, size, sh);
		clint_update_timers(m);
		stop_current(m);
	} else if (off >= 0xbff8 && off < 0xc000) {
		uint64_t now = mtime_at(m, machine_icount(m));
		uint64_t want = merge64(now, val, size, sh);
		m->st.mtime_offset += want - now;
		clint_update_timers(m);
		stop_current(m);
	}
}

/* ---- sifive_test: 0x5555 pass, (code << 16) | 0x3333 fail, 0x7777 reset ---- */

static uint64_t test_read(void *opaque, uint64_t off, int size)
{
	return 0;
}

static void test_write(void *opaque, uint64_t off, uint64_t val, int size)
{
	struct machine *m = opaque;
	if (off != 0 || size < 2)
		return;
	switch (val & 0xffff) {
	case 0x5555:
		m->exit = MACHINE_EXIT_POWEROFF;
		m->exit_code = 0;
		break;
	case 0x3333:
		m->exit = MACHINE_EXIT_POWEROFF;
		m->exit_code = (val >> 16) & 0xffff;
		break;
	case 0x7777:
		m->exit = MACHINE_EXIT_RESET;
		m->exit_code = 0;
		break;
	default:
		return;
	}
	stop_current(m);
}

/* ---- boot ---- */

/* The reset vector at 0x1000, as on QEMU virt: a0 = mhartid, a1 = device tree,
 * a2 = fw_dynamic_info, jump to the start address stored after the code. */
static void write_rom(struct machine *m, uint64_t start, uint64_t fdt_addr)
{
	static const uint32_t code[] = {
		0x00000297, /* auipc t0, 0 */
		0x02828613, /* addi  a2, t0, 40   (fw_dynamic_info) */
		0xf1402573, /* csrr  a0, mhartid */
		0x0202b583, /* ld    a1, 32(t0)   (fdt) */
		0x0182b283, /* ld    t0, 24(t0)   (start) */
		0x00028067, /* jr    t0 */
	};
	uint8_t *rom = m->rom;
	memset(rom, 0, ROM_SIZE);
	memcpy(rom, code, sizeof code);
	memcpy(rom + 24, &start, 8);
	memcpy(rom + 32, &fdt_addr, 8);
	/* fw_dynamic_info: magic "OSBI", version 2, next_addr, next_mode S, options, boot_hart */
	uint64_t info[6] = { 0x4942534f, 2, m->kernel_entry, 1, 0, ~0ull };
	memcpy(rom + 40, info, sizeof info);
	/* the device tree follows the ROM code when there is no RAM copy */
}

static int load_images(struct machine *m, char *err, size_t errlen)
{
	const struct machine_config *c = &m->cfg;
	uint8_t *buf;
	size_t len;
	uint64_t entry, end, start;
	int bios_none = !c->bios || strcmp(c->bios, "none") == 0;

	m->kernel_entry = VIRT_DRAM_BASE + 0x200000;
	if (bios_none) {
		if (!c->kernel) {
			snprintf(err, errlen, "--bios none needs a kernel (a bare-metal ELF)");
			return -1;
		}
		start = VIRT_DRAM_BASE;
	} else {
		if (!(buf = loader_read_file(c->bios, &len, err, errlen)))
			return -1;
		int r = loader_is_elf(buf, len)
			? loader_load_elf(&m->pm, c->bios, buf, len, &entry, &end, err, errlen)
			: loader_load_raw(&m->pm, c->bios, buf, len, VIRT_DRAM_BASE, err, errlen);
		if (!loader_is_elf(buf, len))
			entry = VIRT_DRAM_BASE;
		free(buf);
		if (r)
			return -1;
		start = entry;
	}
	if (c->kernel) {
		if (!(buf = loader_read_file(c->kernel, &len, err, errlen)))
			return -1;
		int r;
		if (bios_none && !loader_is_elf(buf, len)) {
			snprintf(err, errlen, "%s: not an ELF file (--bios none runs a bare-metal ELF)",
				 c->kernel);
			free(buf);
			return -1;
		}
		if (loader_is_elf(buf, len)) {
			r = loader_load_elf(&m->pm, c->kernel, buf, len, &entry, &end, err, errlen);
			m->kernel_entry = entry;
		} else {
			r = loader_load_raw(&m->pm, c->kernel, buf, len, m->kernel_entry, err, errlen);
		}
		free(buf);
		if (r)
			return -1;
		if (bios_none)
			start = m->kernel_entry;
	}
	if (c->initrd) {
		if (!(buf = loader_read_file(c->initrd, &len, err, errlen)))
			return -1;
		/* QEMU's placement: past the kernel entry by half the RAM, at most 128 MiB. */
		uint64_t off = c->ram_size / 2;
		if (off > 128ull << 20)
			off = 128ull << 20;
		m->initrd_start = (m->kernel_entry + off) & ~0xfffull;
		m->initrd_end = m->initrd_start + len;
		int r = loader_load_raw(&m->pm, c->initrd, buf, len, m->initrd_start, err, errlen);
		free(buf);
		if (r)
			return -1;
	}
	m->start_pc = start;
	return 0;
}

static int build_fdt(struct machine *m, char *err, size_t errlen)
{
	size_t cap = 64 * 1024;
	m->fdt = calloc(1, cap);
	if (!m->fdt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fdt_build_virt(&m->cfg, m->initrd_start, m->initrd_end, m->fdt, cap, err, errlen) < 0)
		return -1;
	m->fdt_len = fdt_virt_size(m->fdt);
	/* Like QEMU: at the end of RAM (at most 3 GiB up), 2 MiB aligned. */
	uint64_t top = VIRT_DRAM_BASE + (m->cfg.ram_size < (3ull << 30) ? m->cfg.ram_size : (3ull << 30));
	m->fdt_addr = (top - m->fdt_len) & ~((2ull << 20) - 1);
	if (physmem_dma_write(&m->pm, m->fdt_addr, m->fdt, m->fdt_len) < 0) {
		snprintf(err, errlen, "no room for the device tree in guest RAM");
		return -1;
	}
	return 0;
}

/* ---- the devices' view of the host: the machine's host, plus a digest of every
 * byte the guest sends out (console, frames), which is part of the machine state:
 * a replay whose output differs from the recording's fails its next state hash. ---- */

static void digest(struct machine *m, uint64_t tag, const uint8_t *b, size_t n)
{
	m->st.out_digest = machine_hash_bytes(m->st.out_digest ^ tag, b, n);
}

static uint64_t dh_rtc_ns(void *c) { struct machine *m = c; return m->host->ops->rtc_ns(m->host->ctx); }
static void dh_entropy(void *c, void *b, size_t n)
{
	struct machine *m = c;
	m->host->ops->entropy(m->host->ctx, b, n);
}
static void dh_blk_submit(void *c, struct emu_blk_req *r)
{
	struct machine *m = c;
	m->host->ops->blk_submit(m->host->ctx, r);
}
static void dh_net_send(void *c, uint32_t dev, const uint8_t *f, size_t n)
{
	struct machine *m = c;
	digest(m, 0x6e6574 + dev, f, n);
	m->host->ops->net_send(m->host->ctx, dev, f, n);
}
static void dh_serial_write(void *c, uint32_t dev, const uint8_t *b, size_t n)
{
	struct machine *m = c;
	digest(m, 0x636f6e + dev, b, n);
	m->host->ops->serial_write(m->host->ctx, dev, b, n);
}
static const struct emu_host_ops dev_host_ops = {
	.rtc_ns = dh_rtc_ns, .entropy = dh_entropy, .blk_submit = dh_blk_submit,
	.net_send = dh_net_send, .serial_write = dh_serial_write,
};

/* The hash of one 4 KiB RAM page (NULL: a page of zeroes). */
static uint64_t page_hash_of(const uint8_t *page)
{
	static const uint8_t zero[4096];
	return machine_hash_bytes(3, page ? page : zero, 4096);
}

/* ---- reset ---- */

/* Keep a copy of every RAM page the loaders wrote (the dirty ones at power-on). */
static int save_boot_pages(struct machine *m)
{
	uint64_t npages = m->cfg.ram_size >> 12, n = 0;
	for (uint64_t i = 0; i < npages; i++)
		n += m->pm.dirty[i] != 0;
	m->boot_page_index = malloc((n ? n : 1) * sizeof *m->boot_page_index);
	m->boot_pages = malloc(n ? n << 12 : 1);
	if (!m->boot_page_index || !m->boot_pages)
		return -1;
	for (uint64_t i = 0, k = 0; i < npages; i++) {
		if (!m->pm.dirty[i])
			continue;
		m->boot_page_index[k] = i;
		memcpy(m->boot_pages + (k << 12), m->ram + (i << 12), 4096);
		k++;
	}
	m->nboot_pages = n;
	return 0;
}

/* A system reset: RAM as at power-on, harts at the reset vector, devices and the
 * CLINT's registers reset. Virtual time (icount, mtime) and the disk overlay go on,
 * as on QEMU. Deterministic: it happens at the icount of the guest's request. */
static void machine_reset(struct machine *m)
{
	uint64_t npages = m->cfg.ram_size >> 12;
	machine_collect_dirty(m);
	for (uint64_t i = 0; i < npages; i++) {
		if (machine_page_known_zero(m, i))
			continue; /* zero already */
		memset(m->ram + (i << 12), 0, 4096);
		m->pm.dirty[i] = 1;
	}
	for (uint64_t k = 0; k < m->nboot_pages; k++)
		memcpy(m->ram + (m->boot_page_index[k] << 12), m->boot_pages + (k << 12), 4096);
	machine_devices_reset(m);
	m->st.instr_base = machine_instructions(m);
	for (int i = 0; i < m->nharts; i++) {
		hart_reset(&m->harts[i], VIRT_ROM_BASE);
		m->st.msip[i] = 0;
		m->st.mtimecmp[i] = ~0ull;
	}
	/* mtime restarts from 0, as QEMU's CLINT does */
	m->st.mtime_offset = -ticks_at(m, m->st.icount);
	m->st.cur = 0;
	m->st.quantum_left = MACHINE_QUANTUM;
}

/* ---- construction ---- */

struct machine *machine_new(const struct machine_config *cfg, struct emu_host *host,
			    char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->host = host;
	m->dev_host.ops = &dev_host_ops;
	m->dev_host.ctx = m;
	m->exit = -1;
	m->nharts = cfg->nharts;
	if (m->nharts < 1 || m->nharts > MACHINE_MAX_HARTS) {
		snprintf(err, errlen, "--smp %d: must be 1 to %d", m->nharts, MACHINE_MAX_HARTS);
		goto fail;
	}
	if (cfg->ram_size < (16ull << 20) || cfg->ram_size > (16ull << 30)) {
		snprintf(err, errlen, "-m: RAM size must be 16 MiB to 16 GiB");
		goto fail;
	}
	if (cfg->icount_shift < 0 || cfg->icount_shift > 10) {
		snprintf(err, errlen, "--icount-shift %d: must be 0 to 10", cfg->icount_shift);
		goto fail;
	}
	uint64_t npages = cfg->ram_size >> 12;
	m->ram = calloc(1, cfg->ram_size);
	m->rom = calloc(1, ROM_SIZE);
	m->page_hash = malloc(npages * sizeof *m->page_hash);
	m->pm.dirty = calloc(1, npages);
	m->hash_dirty = calloc(1, npages);
	m->snap_dirty = calloc(1, npages);
	if (!m->ram || !m->rom || !m->page_hash || !m->pm.dirty || !m->hash_dirty || !m->snap_dirty) {
		snprintf(err, errlen, "cannot allocate %llu bytes of guest RAM",
			 (unsigned long long)cfg->ram_size);
		goto fail;
	}
	uint8_t *dirty = m->pm.dirty;
	physmem_init(&m->pm);
	m->pm.dirty = dirty;
	m->zero_page_hash = page_hash_of(NULL);
	for (uint64_t i = 0; i < npages; i++)
		m->page_hash[i] = m->zero_page_hash; /* RAM starts zeroed */
	physmem_add_ram(&m->pm, VIRT_DRAM_BASE, cfg->ram_size, m->ram, 0, "dram");
	physmem_add_ram(&m->pm, VIRT_ROM_BASE, ROM_SIZE, m->rom, 1, "rom");
	physmem_add_device(&m->pm, VIRT_TEST_BASE, TEST_SIZE, m, test_read, test_write, "test");
	physmem_add_device(&m->pm, VIRT_CLINT_BASE, CLINT_SIZE, m, clint_read, clint_write, "clint");
	for (int i = 0; i < m->nharts; i++) {
		struct hart *h = &m->harts[i];
		hart_init(h, i, &m->pm);
		h->get_mtime = hart_get_mtime;
		h->cpu = hart_cpu_resolve(cfg->cpu);
		h->opaque = m;
		m->st.mtimecmp[i] = ~0ull;
	}
	if (machine_devices_new(m, err, errlen) < 0)
		goto fail;
	if (load_images(m, err, errlen) < 0 || build_fdt(m, err, errlen) < 0)
		goto fail;
	write_rom(m, m->start_pc, m->fdt_addr);
	if (save_boot_pages(m) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < m->nharts; i++)
		hart_reset(&m->harts[i], VIRT_ROM_BASE);
	m->st.quantum_left = MACHINE_QUANTUM;
	return m;
fail:
	machine_free(m);
	return NULL;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	machine_devices_free(m);
	for (int i = 0; i < m->nharts; i++)
		hart_fini(&m->harts[i]);
	free(m->fdt);
	free(m->page_hash);
	free(m->boot_page_index);
	free(m->boot_pages);
	free(m->pm.dirty);
	free(m->hash_dirty);
	free(m->snap_dirty);
	free(m->ram);
	free(m->rom);
	free(m);
}

/* ---- the run loop ---- */

static uint64_t next_timer_deadline(const struct machine *m, uint64_t now)
{
	uint64_t d = UINT64_MAX;
	for (int i = 0; i < m->nharts; i++) {
		uint64_t t = icount_for_mtime(m, m->st.mtimecmp[i]);
		if (t > now && t < d)
			d = t;
	}
	return d;
}

static void switch_hart(struct machine *m)
{
	hart_clear_reservation(&m->harts[m->st.cur]);
	m->st.cur = (m->st.cur + 1) % m->nharts;
	m->st.quantum_left = MACHINE_QUANTUM;
}

static int hart_runnable(struct hart *h)
{
	if (h->s.wfi && hart_wakeup_pending(h))
		h->s.wfi = 0;
	return !h->s.wfi;
}

void machine_deliver(struct machine *m, const struct emu_input *in)
{
	if (in->kind == EMU_INPUT_SHUTDOWN) {
		m->exit = MACHINE_EXIT_HOST;
		return;
	}
	if (in->kind == EMU_INPUT_RESET) {
		m->exit = MACHINE_EXIT_RESET;
		return;
	}
	machine_devices_deliver(m, in);
}

void machine_room(struct machine *m, struct emu_room *room)
{
	machine_devices_room(m, room);
}

int machine_run(struct machine *m, uint64_t stop_icount)
{
	struct emu_host *host = m->host;
	for (;;) {
		if (m->exit == MACHINE_EXIT_RESET && !m->cfg.no_reboot) {
			m->exit = -1;
			machine_reset(m);
		}
		if (m->exit >= 0) {
			int e = m->exit;
			m->exit = -1;
			return e;
		}
		uint64_t now = m->st.icount;
		if (now >= stop_icount)
			return MACHINE_EXIT_ICOUNT;
		/* The host is told what the machine can take before every call (host.h,
		 * Backpressure): the room changes with each input delivered. */
		struct emu_room room;
		machine_room(m, &room);
		uint64_t next_in = host->ops->next_input(host->ctx, now, &room);
		if (next_in <= now) {
			struct emu_input in;
			while (m->exit < 0 && host->ops->poll(host->ctx, now, &room, &in)) {
				machine_deliver(m, &in);
				machine_room(m, &room);
			}
			if (m->exit >= 0)
				continue;
			next_in = host->ops->next_input(host->ctx, now, &room);
			if (next_in <= now)
				next_in = now + 1;
		}
		clint_update_timers(m);
		uint64_t deadline = next_timer_deadline(m, now);
		if (next_in < deadline)
			deadline = next_in;
		if (stop_icount < deadline)
			deadline = stop_icount;

		/* Pick the hart to run: the current one unless its quantum is spent or it waits. */
		int tries = 0;
		while (tries < m->nharts && (m->st.quantum_left == 0 || !hart_runnable(&m->harts[m->st.cur]))) {
			switch_hart(m);
			tries++;
		}
		if (tries == m->nharts && !hart_runnable(&m->harts[m->st.cur])) {
			/* Every hart waits: virtual time jumps, the host may wait for input. */
			uint64_t t = host->ops->idle(host->ctx, now, deadline, &room);
			if (t < now)
				t = now;
			if (t > deadline)
				t = deadline;
			m->st.icount = t;
			continue;
		}
		struct hart *h = &m->harts[m->st.cur];
		uint64_t budget = deadline - now;
		if (budget > m->st.quantum_left)
			budget = m->st.quantum_left;
		h->stop = 0;
		h->watch_hit = 0;
		m->slice_start = h->s.instret;
		m->running = 1;
		int r = hart_run(h, budget);
		m->running = 0;
		uint64_t done = h->s.instret - m->slice_start;
		m->st.icount += done;
		m->st.quantum_left -= done < m->st.quantum_left ? done : m->st.quantum_left;
		switch (r) {
		case HART_EXIT_WFI:
			m->st.quantum_left = 0;
			break;
		case HART_EXIT_BREAK:
			m->exit = -1;
			return MACHINE_EXIT_BREAK;
		case HART_EXIT_FATAL:
			snprintf(m->errmsg, sizeof m->errmsg, "hart %d: %s", h->hartid, h->fatal_msg);
			return MACHINE_EXIT_ERROR;
		default:
			break;
		}
		/* a watched access, also by the last instruction of the budget (a device
		 * exit it caused is taken at the next call) */
		if (h->watch_hit && m->exit < 0)
			return MACHINE_EXIT_WATCH;
	}
}

void machine_set_host(struct machine *m, struct emu_host *host) { m->host = host; }
struct emu_host *machine_host(const struct machine *m) { return m->host; }

int machine_exit_code(const struct machine *m) { return m->exit_code; }
const char *machine_errmsg(const struct machine *m) { return m->errmsg; }
int machine_nharts(const struct machine *m) { return m->nharts; }
struct hart *machine_hart(struct machine *m, int i) { return &m->harts[i]; }
struct physmem *machine_physmem(struct machine *m) { return &m->pm; }

const void *machine_fdt(const struct machine *m, size_t *len)
{
	*len = m->fdt_len;
	return m->fdt;
}

void machine_request_stop(struct machine *m, int exit, const char *msg)
{
	m->exit = exit;
	if (msg)
		snprintf(m->errmsg, sizeof m->errmsg, "%s", msg);
	stop_current(m);
}

/* ---- state hashes ---- */

/* The hash: four lanes over 32-byte blocks, then the last len % 32 bytes one at a
 * time. */
static const uint64_t hash_k = 0x9e3779b97f4a7c15ull;

static inline uint64_t hash_word(const uint8_t *b)
{
	uint64_t w;
	memcpy(&w, b, 8);
	return w;
}

static inline uint64_t hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * hash_k;
	return h ^ (h >> 31);
}

/* Each lane i takes word i of every block. The lanes are kept in scalar
 * registers (the empty asm): GCC would otherwise vectorize them with SSE2, which
 * has no 64-bit multiply, and its emulation runs at half the speed (512 KiB:
 * 105 us vectorized, 58 us scalar, /tmp microbenchmark on the 2-core Xeon). */
static inline void hash_blocks(uint64_t h[4], const uint8_t *b, size_t nblocks)
{
	uint64_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3];
	for (size_t i = 0; i < nblocks; i++, b += 32) {
		h0 = hash_mix(h0, hash_word(b));
		h1 = hash_mix(h1, hash_word(b + 8));
		h2 = hash_mix(h2, hash_word(b + 16));
		h3 = hash_mix(h3, hash_word(b + 24));
		__asm__("" : "+r"(h0), "+r"(h1), "+r"(h2), "+r"(h3));
	}
	h[0] = h0, h[1] = h1, h[2] = h2, h[3] = h3;
}

static inline uint64_t hash_finish(const uint64_t h[4], const uint8_t *tail, size_t n)
{
	uint64_t r = h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
	for (size_t i = 0; i < n; i++)
		r = (r ^ tail[i]) * 0x100000001b3ull;
	r ^= r >> 33;
	r *= 0xff51afd7ed558ccdull;
	r ^= r >> 33;
	return r;
}

void machine_hash_begin(struct machine_hash_stream *s, uint64_t seed, size_t len)
{
	s->h[0] = seed ^ len;
	s->h[1] = seed + hash_k;
	s->h[2] = seed ^ (hash_k >> 7);
	s->h[3] = ~seed;
	s->ntail = 0;
}

void machine_hash_update(struct machine_hash_stream *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (s->ntail) {
		size_t k = 32 - s->ntail < n ? 32 - s->ntail : n;
		memcpy(s->tail + s->ntail, b, k);
		s->ntail += k;
		b += k;
		n -= k;
		if (s->ntail < 32)
			return;
		hash_blocks(s->h, s->tail, 1);
		s->ntail = 0;
	}
	hash_blocks(s->h, b, n / 32);
	memcpy(s->tail, b + (n & ~(size_t)31), n % 32);
	s->ntail = n % 32;
}

uint64_t machine_hash_end(struct machine_hash_stream *s)
{
	return hash_finish(s->h, s->tail, s->ntail);
}

/* A fast 64-bit hash of a byte range (4 multiply-xorshift lanes); not cryptographic,
 * but any change of a byte changes it with overwhelming probability. */
uint64_t machine_hash_bytes(uint64_t seed, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h[4] = { seed ^ len, seed + hash_k, seed ^ (hash_k >> 7), ~seed };
	hash_blocks(h, b, len / 32);
	return hash_finish(h, b + (len & ~(size_t)31), len % 32);
}

int machine_page_known_zero(const struct machine *m, uint64_t i)
{
	return !m->pm.dirty[i] && !m->hash_dirty[i] && m->page_hash[i] == m->zero_page_hash;
}

/* The next page from i on whose flag in f (one byte a page) is set, or n: eight
 * flags a compare, since most pages of a large RAM are clean between hashes. */
static uint64_t next_flagged(const uint8_t *f, uint64_t i, uint64_t n)
{
	while (i < n && (i & 7))
		if (f[i++])
			return i - 1;
	for (;;) {
		uint64_t w;
		while (i + 8 <= n && (memcpy(&w, f + i, 8), !w))
			i += 8;
		for (uint64_t e = i + 8 < n ? i + 8 : n; i < e; i++)
			if (f[i])
				return i;
		if (i >= n)
			return n;
	}
}

void machine_collect_dirty(struct machine *m)
{
	uint64_t npages = m->cfg.ram_size >> 12;
	int any = 0;
	for (uint64_t i = next_flagged(m->pm.dirty, 0, npages); i < npages;
	     i = next_flagged(m->pm.dirty, i + 1, npages)) {
		m->hash_dirty[i] = m->snap_dirty[i] = 1;
		m->pm.dirty[i] = 0;
		any = 1;
	}
	if (any)        /* the next store to each page must set its flag again */
		for (int i = 0; i < m->nharts; i++)
			hart_forget_writes(&m->harts[i]);
}

void machine_ram_replaced(struct machine *m, const uint8_t *loaded)
{
	uint64_t npages = m->cfg.ram_size >> 12;
	for (uint64_t i = 0; i < npages; i++) {
		if (loaded && !loaded[i]) {
			/* must be zero: clear it unless it is known to be */
			if (!machine_page_known_zero(m, i))
				memset(m->ram + (i << 12), 0, 4096);
			m->page_hash[i] = m->zero_page_hash;
			m->hash_dirty[i] = 0;
		} else {
			m->hash_dirty[i] = 1;
		}
		m->pm.dirty[i] = 0;
		m->snap_dirty[i] = 1;
	}
	m->snap_id = 0;
	for (int i = 0; i < m->nharts; i++)
		hart_flush_caches(&m->harts[i]);
}

/* The RAM's hash: a hash of the per-page hashes, recomputing only pages written
 * since the last one. */
static uint64_t ram_hash(struct machine *m)
{
	uint64_t npages = m->cfg.ram_size >> 12;
	machine_collect_dirty(m);
	for (uint64_t i = next_flagged(m->hash_dirty, 0, npages); i < npages;
	     i = next_flagged(m->hash_dirty, i + 1, npages)) {
		m->page_hash[i] = page_hash_of(m->ram + (i << 12));
		m->hash_dirty[i] = 0;
	}
	return machine_hash_bytes(2, m->page_hash, npages * sizeof *m->page_hash);
}

int machine_hash(struct machine *m, uint64_t *out)
{
	int n = 0;
	struct machine_state st = m->st;
	st.out_digest = 0;
	out[n++] = machine_hash_bytes(1, &st, sizeof st);
	out[n++] = m->st.out_digest;
	out[n++] = ram_hash(m);
	out[n++] = machine_devices_hash(m);
	for (int i = 0; i < m->nharts; i++)
		out[n++] = machine_hash_bytes(4 + i, &m->harts[i].s, sizeof m->harts[i].s);
	return n;
}

const char *machine_hash_name(int i)
{
	static const char *names[] = { "machine", "output", "ram", "devices", "hart0", "hart1", "hart2",
				       "hart3", "hart4", "hart5", "hart6", "hart7" };
	return i >= 0 && i < MACHINE_HASH_MAX ? names[i] : "?";
}

uint64_t machine_state_hash(struct machine *m)
{
	uint64_t h[MACHINE_HASH_MAX];
	int n = machine_hash(m, h);
	return machine_hash_combine(h, n);
}

uint64_t machine_hash_combine(const uint64_t *h, int n)
{
	return machine_hash_bytes(99, h, n * sizeof *h);
}
