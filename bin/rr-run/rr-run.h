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
};

void rr_usage(FILE *f);
/* "rr-run: " + the message + a newline on stderr. */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);
/* monitor.c: -r LOG --monitor: serve the replay monitor until quit or the end of
 * its input. *mp is the monitor while it runs (for the console's muting). */
#include "replay/replay.h"
int monitor_main(const struct rr_options *o, const char *log, rr_session *s, rr_monitor **mp);
/* Parse argv into o (defaults filled in). -1 after printing a message on bad usage. */
int rr_parse_options(int argc, char **argv, struct rr_options *o);
#endif
