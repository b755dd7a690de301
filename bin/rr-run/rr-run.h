/* rr-run: the emulator's command-line program (live, record, replay). */
#ifndef RR_RUN_H
#define RR_RUN_H
#include <stdint.h>
#include <stdio.h>
#include "emu/machine.h"
#include "emu/host_live.h"

#define RR_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

/* Exit statuses besides the guest's own code. */
#define RR_EXIT_ERROR      1
#define RR_EXIT_USAGE      2
#define RR_EXIT_LOG_END    3   /* replay: the log ended before the guest stopped */
#define RR_EXIT_DIVERGED   4   /* replay: the guest did not do what the log says */

struct rr_options {
	struct machine_config cfg;
	const char *record, *replay, *dumpdtb, *bundle;
	char *drive, *hostfwd;
	int live, help, version, quiet, icount_sleep, stats;
	int cmdline_machine;       /* a machine option was given */
	uint64_t hash_interval;
};

void rr_usage(FILE *f);
/* Parse argv into o (defaults filled in). -1 after printing a message on bad usage. */
int rr_parse_options(int argc, char **argv, struct rr_options *o);
/* The exit status for a machine exit (guest code on power-off), with a message on
 * stderr where the user must know why. */
int rr_exit_status(struct machine *m, int e);
/* With --stats: "rr-run: stats: icount=N host_seconds=S mips=M" on stderr. */
void rr_print_stats(const struct rr_options *o, struct machine *m, double t0);
double rr_now(void);
/* The live host for o: console on stdin and console_fd, user networking if net_user,
 * SIGINT/SIGTERM/SIGHUP as shutdown requests. NULL with a message in err. */
struct host_live *rr_live_host_new(const struct rr_options *o, int console_fd, int net_user,
				   char *err, size_t errlen);
#endif
