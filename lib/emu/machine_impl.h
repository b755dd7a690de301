/* machine_impl: the board's insides, shared by machine*.c (and snapshots). */
#ifndef EMU_MACHINE_IMPL_H
#define EMU_MACHINE_IMPL_H
#include "emu/machine.h"
#include "emu/hart.h"
#include "emu/physmem.h"

/* Harts switch every MACHINE_QUANTUM instructions (SMP round-robin). */
#define MACHINE_QUANTUM 10000

/* The run loop's and the CLINT's guest-visible state: plain data. */
struct machine_state {
	uint64_t icount;
	uint64_t quantum_left;
	uint32_t cur;
	uint32_t msip[MACHINE_MAX_HARTS];
	uint64_t mtimecmp[MACHINE_MAX_HARTS];
	uint64_t mtime_offset;
	uint64_t out_digest;     /* running hash of every byte the guest sent out */
	uint64_t instr_base;     /* instructions executed before the last reset */
};

struct machine_devices;

struct machine {
	struct machine_config cfg;
	struct emu_host *host;
	struct emu_host dev_host; /* what devices talk to: host + output digest */
	struct machine_state st;
	struct physmem pm;
	uint8_t *ram, *rom;
	uint64_t *page_hash;     /* per 4 KiB page of RAM, valid where not dirty */
	/* RAM pages as the images left them at power-on, for a reset */
	uint64_t nboot_pages;
	uint64_t *boot_page_index;
	uint8_t *boot_pages;
	int nharts;
	struct hart harts[MACHINE_MAX_HARTS];
	struct machine_devices *dev;
	/* boot */
	uint64_t start_pc, kernel_entry, initrd_start, initrd_end, fdt_addr;
	uint8_t *fdt;
	size_t fdt_len;
	/* run loop */
	int running;             /* inside hart_run */
	uint64_t slice_start;    /* running hart's instret when the slice began */
	int exit;                /* pending enum machine_exit, or -1 */
	int exit_code;
	char errmsg[256];
};

/* machine_devices.c: the PLIC, UART, RTC and virtio devices. */
int machine_devices_new(struct machine *m, char *err, size_t errlen);
void machine_devices_free(struct machine *m);
void machine_devices_deliver(struct machine *m, const struct emu_input *in);
/* Hash of every device's guest-visible state (and the disk overlay). */
uint64_t machine_devices_hash(struct machine *m);
/* Reset every device to its power-on state (a machine reset). */
void machine_devices_reset(struct machine *m);
/* The devices' states (and the disk overlay) as one malloc'd buffer; NULL if out of
 * memory. Call only while no block request is being performed by a host thread. */
void *machine_devices_save(struct machine *m, size_t *len);
/* Load what machine_devices_save made. check_only: validate, change nothing.
 * 0, or -1 with a reason (sizes differ: another configuration or build). */
int machine_devices_load(struct machine *m, const void *buf, size_t len, int check_only,
			 char *err, size_t errlen);
/* machine.c */
uint64_t machine_hash_bytes(uint64_t seed, const void *p, size_t len);
#endif
