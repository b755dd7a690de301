/* rr-run: the emulator's command-line program (live, record, replay). */
#ifndef RR_RUN_H
#define RR_RUN_H
#include <stdint.h>
#include <stdio.h>
#include "emu/machine.h"
#include "host/host_live.h"
#include "replay/replay.h"

#define RR_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

/* Exit statuses besides the guest's own code. */
#define RR_EXIT_ERROR      1
#define RR_EXIT_USAGE      2
#define RR_EXIT_LOG_END    3   /* replay: the log ended before the guest stopped */
#define RR_EXIT_DIVERGED   4   /* replay: the guest did not do what the log says */

/* What QEMU's spellings define and reference (qemu.c), checked once the whole
 * command line is read. */
struct rr_qemu {
	char *drive_id;            /* -drive if=none,id= */
	int drive_attached;        /* -drive if=virtio */
	char *netdev_id;           /* -netdev user,id= */
	char *nic_netdev;          /* -device virtio-net-device,netdev= */
	char *blk_drive;           /* -device virtio-blk-device,drive= */
	char *rng_id, *rng_ref;    /* -object rng-*,id=  -device virtio-rng-device,rng= */
	int nic, serial, wait_gdb;
	int replay;                /* -icount ...,rr=replay: machine options allowed, checked */
	char *rrfile;              /* -icount ...,rrfile= */
};

struct rr_options {
	struct machine_config cfg;
	const char *record, *replay, *dumpdtb, *bundle;
	const char *gdb;           /* -r --gdb PORT|unix:PATH */
	const char *monitor;       /* -r --monitor [stdio|unix:PATH] */
	char *drive, *hostfwd;
	int live, help, version, quiet, icount_sleep, stats;
	int cmdline_machine;       /* a machine option was given */
	uint64_t hash_interval, snapshot_interval;
	uint64_t stop_at;          /* -r --stop-at N (UINT64_MAX: none) */
	int json;
	int q_snapshot;            /* QEMU's -snapshot */
	struct rr_qemu q;
};

void rr_usage(FILE *f);
/* "rr-run: " + the message + a newline on stderr. */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);
/* monitor.c: --monitor: serve the monitor until quit (*quit = 1) or the end of its
 * input. *mp is the monitor while it runs (for the console's muting). */
#include "replay/replay.h"
int monitor_main(const struct rr_options *o, const char *log, rr_session *s, rr_monitor **mp, int *quit);
/* Parse argv into o (defaults filled in). -1 after printing a message on bad usage. */
int rr_parse_options(int argc, char **argv, struct rr_options *o);
void rr_free_options(struct rr_options *o);

/* qemu.c: QEMU's spellings. Each returns 0, or -1 after printing why. */
int rr_parse_drive(struct rr_options *o, const char *arg);
int rr_parse_mem(struct rr_options *o, const char *arg, uint64_t (*size)(const char *));
int rr_parse_smp(struct rr_options *o, const char *arg);
int rr_parse_gdb(struct rr_options *o, const char *arg);
/* -machine, -display, -serial, -netdev, -nic, -device, -object, -icount, -cpu, -accel,
 * -global */
int rr_qemu_option(struct rr_options *o, const char *opt, const char *arg);
int rr_qemu_finish(struct rr_options *o);
void rr_qemu_free(struct rr_options *o);
/* rr=replay: the machine options given must be the recording's. */
int rr_qemu_check_replay(const struct rr_options *o, const struct machine_config *rec,
			 const struct rrlog_header_info *h, char *err, size_t n);
#endif
