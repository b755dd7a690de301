/* machine: the QEMU-virt-compatible board: harts, memory map, devices, boot, and the
 * deterministic run loop (DESIGN.md "The machine", "Determinism").
 *
 * Memory map (QEMU virt):
 *   0x00001000 boot ROM        0x00100000 sifive_test     0x00101000 goldfish RTC (IRQ 11)
 *   0x02000000 CLINT           0x0c000000 PLIC            0x10000000 UART 16550 (IRQ 10)
 *   0x10001000 + n*0x1000 virtio-mmio slot n (IRQ 1 + n), n = 0..7
 *   0x80000000 DRAM
 * Time: the machine icount is the sum of instructions executed by all harts plus the
 * instructions skipped while every hart idles; virtual ns = icount << icount_shift;
 * CLINT mtime = virtual ns / 100 (10 MHz).
 */
#ifndef EMU_MACHINE_H
#define EMU_MACHINE_H
#include <stddef.h>
#include <stdint.h>
#include "emu/host.h"

#define MACHINE_MAX_HARTS 8
#define VIRT_ROM_BASE     0x1000ull
#define VIRT_TEST_BASE    0x100000ull
#define VIRT_RTC_BASE     0x101000ull
#define VIRT_CLINT_BASE   0x2000000ull
#define VIRT_PLIC_BASE    0xc000000ull
#define VIRT_UART_BASE    0x10000000ull
#define VIRT_VIRTIO_BASE  0x10001000ull
#define VIRT_VIRTIO_SLOTS 8
#define VIRT_DRAM_BASE    0x80000000ull
#define VIRT_UART_IRQ     10
#define VIRT_RTC_IRQ      11
#define VIRT_VIRTIO_IRQ   1   /* slot n uses IRQ 1 + n */

struct machine_config {
	uint64_t ram_size;       /* bytes (default 128 MiB) */
	int nharts;              /* 1..MACHINE_MAX_HARTS */
	const char *bios;        /* firmware ELF/bin path, or "none": the kernel ELF runs at DRAM */
	const char *kernel;      /* kernel Image/ELF (or the bare-metal ELF with bios none) */
	const char *initrd;
	const char *append;      /* kernel command line */
	const char *drive;       /* virtio-blk disk image, or NULL */
	int drive_persist;       /* write guest writes back to the image (live only) */
	int net_user;            /* virtio-net with libslirp user networking */
	const char *hostfwd;     /* slirp port forwards, "tcp:HOSTPORT-:GUESTPORT[,...]", or NULL */
	int rng;                 /* virtio-rng present */
	int input;               /* virtio-input keyboard present */
	int icount_shift;        /* virtual ns per instruction = 1 << shift */
	int no_reboot;           /* a guest reset ends the run (MACHINE_EXIT_RESET) */
	int cpu;                 /* HART_CPU_DEFAULT (0), HART_CPU_INTERP or HART_CPU_JIT:
				    how the harts run, not guest-visible, not in a
				    recording's configuration */
};

struct machine;

enum machine_exit {
	MACHINE_EXIT_POWEROFF = 0, /* guest wrote sifive_test: exit_code holds its code */
	MACHINE_EXIT_RESET,        /* guest asked for a reset and cfg.no_reboot is set (else
	                            * the machine resets itself and runs on) */
	MACHINE_EXIT_ICOUNT,       /* reached the requested stop icount */
	MACHINE_EXIT_BREAK,        /* a hart hit a breakpoint */
	MACHINE_EXIT_WATCH,        /* a hart made a watched access (its watch_hit says
	                            * which); the run ended just after that instruction */
	MACHINE_EXIT_HOST,         /* the host asked to stop (EMU_INPUT_SHUTDOWN) */
	MACHINE_EXIT_ERROR,        /* fatal guest or host error: machine_errmsg() says what */
};


/* Create the board for cfg: RAM, boot ROM, devices, images loaded, device tree built.
 * The host is borrowed and must outlive the machine. NULL with a message in err
 * (naming the file, e.g. "kernel.elf: segment 1 at 0x... is outside guest RAM"). */
struct machine *machine_new(const struct machine_config *cfg, struct emu_host *host,
			    char *err, size_t errlen);
void machine_free(struct machine *m);
/* Swap the host the machine talks to (replay -> live hand-over, a recorder taking
 * over): between runs only; the new host is borrowed like the first. */
void machine_set_host(struct machine *m, struct emu_host *host);
struct emu_host *machine_host(const struct machine *m);
/* Block requests handed to the host and not completed yet (0: the disk is quiet). */
int machine_io_inflight(struct machine *m);

/* Run until stop_icount (UINT64_MAX: no limit) or an exit. Returns enum machine_exit.
 * Stopping at an icount is exact: machine_icount() == stop_icount afterwards. */
int machine_run(struct machine *m, uint64_t stop_icount);

uint64_t machine_icount(const struct machine *m);
/* Instructions actually executed by all harts (the icount without idle jumps). */
uint64_t machine_instructions(const struct machine *m);
int machine_exit_code(const struct machine *m);       /* sifive_test code after POWEROFF */
const char *machine_errmsg(const struct machine *m);  /* after MACHINE_EXIT_ERROR */
int machine_nharts(const struct machine *m);
struct hart *machine_hart(struct machine *m, int i);
struct physmem *machine_physmem(struct machine *m);

/* The flattened device tree handed to the guest (valid for the machine's life). */
const void *machine_fdt(const struct machine *m, size_t *len);

/* Deliver one asynchronous input now (the run loop does this for inputs it polls;
 * exposed for the monitor and tests). */
void machine_deliver(struct machine *m, const struct emu_input *in);
/* What the machine can take now (host.h, Backpressure): what the run loop tells the
 * host before each next_input(), poll() and idle(). A function of guest state. */
void machine_room(struct machine *m, struct emu_room *room);

/* Ask the machine to stop at the end of the current instruction (or at once between
 * runs) with the given exit; msg (may be NULL) becomes machine_errmsg(). For hosts:
 * a replayer that found a divergence, a log that ran out. */
void machine_request_stop(struct machine *m, int exit, const char *msg);

/* State hashes for replay checking (DESIGN.md rule 5): one 64-bit hash per
 * component, MACHINE_HASH_MAX at most; returns the number filled. Component i is
 * named by machine_hash_name(i): "machine" (icount, scheduler, CLINT), "output" (a
 * digest of every byte the guest sent out: console, frames), "ram", "devices",
 * then "hart0".. */
#define MACHINE_HASH_MAX (4 + MACHINE_MAX_HARTS)
int machine_hash(struct machine *m, uint64_t *out);
const char *machine_hash_name(int i);
struct machine_snapshot_info {
	int version;                    /* 3 (this build's) or 2 (still loaded) */
	int incremental;
	uint32_t nharts;
	uint64_t ram_size, icount, id, base_id;
};
/* Snapshots (snapshot.c, format in its top comment and in rrlog.5): the whole
 * guest-visible state as one malloc'd blob (NULL if out of memory). incremental:
 * only the RAM pages and disk chunks written since this machine's previous snapshot
 * (a full one is made instead when there is none to build on). Take them between
 * runs, with no block request in the hands of a host thread. */
void *machine_snapshot_save(struct machine *m, int incremental, size_t *len);
/* The same snapshot handed out in pieces instead of built in memory (a recorder
 * writes it to the log as it comes: no copy of RAM is held). begin() gets the
 * blob's length and what machine_snapshot_info() would say of it, write() its
 * bytes in order; a nonzero return from either ends the snapshot with that value.
 * 0 once all of it went out; -1 out of memory (nothing was handed out); the
 * machine counts the snapshot as taken only on 0. */
struct machine_snapshot_sink {
	int (*begin)(void *ctx, size_t len, const struct machine_snapshot_info *info);
	int (*write)(void *ctx, const void *p, size_t n);
	void *ctx;
};
int machine_snapshot_stream(struct machine *m, int incremental, const struct machine_snapshot_sink *sink);
/* Load a chain (a full snapshot, then the incrementals taken after it, in order)
 * into a machine of the same configuration: 0, or -1 with a reason in err; every
 * blob is checked before anything changes, so on error the machine is unchanged.
 * Block requests in flight in the snapshot are handed to the host again. */
int machine_snapshot_load(struct machine *m, const void *const *blobs, const size_t *lens, int n,
			  char *err, size_t errlen);
/* Parse a blob's header: 0, or -1 if it is not a snapshot of a format this build
 * loads (version 2 or 3). */
int machine_snapshot_info(const void *blob, size_t len, struct machine_snapshot_info *info);
/* Give a full snapshot another id (and a new checksum): a full snapshot taken at a
 * point between the log's snapshots id and id+1 stands in for snapshot id, since
 * the incremental id+1 (every page written since id) applies to any state between
 * the two. 0, or -1 for an incremental or a blob that is not a snapshot. */
int machine_snapshot_renumber(void *blob, size_t len, uint64_t id);
/* Every difference between the guest-visible states of two machines of the same
 * configuration, field by field: emit(ctx, what, a, b, NULL, NULL, 0) for a
 * scheduler, CLINT or hart field ("mtimecmp0", "hart1.x10", "hart0.pc"), and
 * emit(ctx, "ram page 0x...", address of the first differing byte, 0, bytes of a,
 * bytes of b, n) for a RAM page or emit(ctx, "device NAME", offset, 0, ...) for a
 * device's state, n <= 16 bytes from the first difference. Returns the count. */
typedef void machine_diff_fn(void *ctx, const char *what, uint64_t a, uint64_t b,
			     const uint8_t *bytes_a, const uint8_t *bytes_b, size_t n);
int machine_diff(struct machine *a, struct machine *b, machine_diff_fn *emit, void *ctx);
/* 1 if the snapshot field tables cover the state structs (for the tests). */
int machine_snapshot_selftest(void);

/* Combine component hashes into one. */
uint64_t machine_hash_combine(const uint64_t *h, int n);
/* The combined state hash (the value of a STATE_HASH event). */
uint64_t machine_state_hash(struct machine *m);
#endif
