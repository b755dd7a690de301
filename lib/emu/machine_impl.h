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
	uint32_t pad0;           /* always 0: no hole in the hashed bytes */
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
	uint64_t *page_hash;     /* per 4 KiB page of RAM, valid where not hash_dirty */
	uint64_t zero_page_hash; /* the hash of a page of zeroes */
	uint8_t *hash_dirty;     /* per page: written since page_hash was computed */
	uint8_t *snap_dirty;     /* per page: written since the previous snapshot */
	uint64_t snap_id;        /* id of the previous snapshot taken (0: none since a load) */
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
/* The free room of the devices' input buffers (the UART's receive buffer). */
void machine_devices_room(struct machine *m, struct emu_room *room);
/* Hash of every device's guest-visible state (and the disk overlay). */
uint64_t machine_devices_hash(struct machine *m);
/* Reset every device to its power-on state (a machine reset). */
void machine_devices_reset(struct machine *m);
/* The devices' states and the disk overlay (changed_only: the overlay chunks
 * written since the previous save) as one malloc'd buffer; NULL if out of memory.
 * Call only while no block request is being performed by a host thread. */
void *machine_devices_save(struct machine *m, int changed_only, size_t *len);
/* Load n buffers machine_devices_save made, in order: the last one's device states
 * and the overlays applied one after another. check_only: validate, change nothing.
 * 0, or -1 with a reason (sizes differ: another configuration or build; memory).
 * The devices' state_loaded hooks run later, in machine_devices_loaded(), once RAM
 * and the harts are in place. */
int machine_devices_load(struct machine *m, const void *const *bufs, const size_t *lens, int n,
			 int check_only, char *err, size_t errlen);
/* The data the devices' host side holds for requests in flight that guest RAM may
 * no longer hold (the writes' bounce buffers), as one malloc'd buffer; NULL if out
 * of memory. Same calling rule as machine_devices_save. */
void *machine_devices_host_save(struct machine *m, size_t *len);
/* Check (check_only) or keep a buffer machine_devices_host_save made for the next
 * machine_devices_loaded(). 0, or -1 with a reason. */
int machine_devices_host_load(struct machine *m, const void *buf, size_t len, int check_only,
			      char *err, size_t errlen);
void machine_devices_loaded(struct machine *m);
/* The devices' plain-data states in the board's order, with names; returns n. */
int machine_device_states(struct machine *m, const void **st, size_t *len, const char **names);
/* Move the RAM dirty marks into every consumer's own map (hashes, snapshots) and
 * clear them; drops the harts' cached write mappings if any page was marked, so
 * the next write to a page marks it again. */
void machine_collect_dirty(struct machine *m);
/* Page i holds zeroes, known without reading it: its last hash is the zero page's
 * and nothing wrote it since. */
int machine_page_known_zero(const struct machine *m, uint64_t i);
/* RAM was rewritten behind the dirty tracking (a snapshot load): loaded[i] marks
 * the pages written; every other page is made zero (NULL: every page may have
 * changed). The next snapshot must be a full one. */
void machine_ram_replaced(struct machine *m, const uint8_t *loaded);
/* machine.c */
uint64_t machine_hash_bytes(uint64_t seed, const void *p, size_t len);
/* The same hash over bytes given in pieces (the total, len, known at the start):
 * begin, update with pieces summing to len, end gives machine_hash_bytes(seed, all
 * of them, len). */
struct machine_hash_stream {
	uint64_t h[4];
	uint8_t tail[32];
	size_t ntail;
};
void machine_hash_begin(struct machine_hash_stream *s, uint64_t seed, size_t len);
void machine_hash_update(struct machine_hash_stream *s, const void *p, size_t n);
uint64_t machine_hash_end(struct machine_hash_stream *s);
#endif
