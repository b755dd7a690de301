/* rr-run: run a RISC-V virt machine live, record it, or replay a recording. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rr-run.h"
#include "emu/fdt.h"
#include "emu/host_live.h"
#include "record.h"

static int dump_dtb(const struct rr_options *o)
{
	static uint8_t buf[64 * 1024];
	char err[256];
	if (fdt_build_virt(&o->cfg, 0, 0, buf, sizeof buf, err, sizeof err) < 0) {
		fprintf(stderr, "rr-run: device tree: %s\n", err);
		return RR_EXIT_ERROR;
	}
	FILE *f = fopen(o->dumpdtb, "wb");
	if (!f || fwrite(buf, 1, fdt_virt_size(buf), f) != fdt_virt_size(buf) || fclose(f)) {
		fprintf(stderr, "rr-run: %s: %s\n", o->dumpdtb, strerror(errno));
		return RR_EXIT_ERROR;
	}
	return 0;
}

/* Map a machine exit to rr-run's exit status, printing what the user must know. */
int rr_exit_status(struct machine *m, int r)
{
	switch (r) {
	case MACHINE_EXIT_POWEROFF:
		return machine_exit_code(m) & 0xff;
	case MACHINE_EXIT_RESET:
		fprintf(stderr, "rr-run: the guest asked for a reset (--no-reboot)\n");
		return 0;
	case MACHINE_EXIT_HOST:
		return 0;
	case MACHINE_EXIT_ERROR:
		fprintf(stderr, "rr-run: %s\n", machine_errmsg(m));
		return RR_EXIT_ERROR;
	default:
		return 0;
	}
}

double rr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void rr_print_stats(const struct rr_options *o, struct machine *m, double t0)
{
	if (!o->stats)
		return;
	double dt = rr_now() - t0;
	uint64_t n = machine_icount(m);
	fprintf(stderr, "rr-run: stats: icount=%llu host_seconds=%.3f mips=%.1f\n",
		(unsigned long long)n, dt, dt > 0 ? n / dt / 1e6 : 0.0);
}

struct host_live *rr_live_host_new(const struct rr_options *o, int console_fd, int net_user,
				   char *err, size_t errlen)
{
	struct host_live_config hc = {
		.stdin_fd = 0, .console_fd = console_fd, .raw_terminal = 1, .escape = 1,
		.net_user = net_user, .hostfwd = o->cfg.hostfwd,
		.icount_shift = o->cfg.icount_shift, .icount_sleep = o->icount_sleep,
		.handle_signals = 1,
	};
	return host_live_new(&hc, err, errlen);
}

static int run_live(const struct rr_options *o)
{
	char err[512];
	struct host_live *hl = rr_live_host_new(o, 1, o->cfg.net_user, err, sizeof err);
	if (!hl) {
		fprintf(stderr, "rr-run: %s\n", err);
		return RR_EXIT_ERROR;
	}
	struct machine *m = machine_new(&o->cfg, host_live_host(hl), err, sizeof err);
	if (!m) {
		fprintf(stderr, "rr-run: %s\n", err);
		host_live_free(hl);
		return RR_EXIT_ERROR;
	}
	double t0 = rr_now();
	int r = machine_run(m, UINT64_MAX);
	rr_print_stats(o, m, t0);
	int st = rr_exit_status(m, r);
	machine_free(m);
	host_live_free(hl);
	return st;
}

int main(int argc, char **argv)
{
	struct rr_options o;
	if (rr_parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "Try 'rr-run --help'.\n");
		return RR_EXIT_USAGE;
	}
	if (o.help) {
		rr_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("rr-run (rrkit) %s\n", RRKIT_VERSION);
		return 0;
	}
	if (o.dumpdtb)
		return dump_dtb(&o);
	int st = o.record || o.replay ? rr_run_recorded(&o) : run_live(&o);
	free(o.drive);
	free(o.hostfwd);
	rr_own_free();
	return st;
}
