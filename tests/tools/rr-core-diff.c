/* rr-core-diff: the JIT against the interpreter, in lockstep.
 *
 *   rr-core-diff [-s SEED] [-n MAXSTOPS] [-j HOT] [-c BITS] [--smp N] [-b BIOS]
 *                [-i INITRD] [-a APPEND] [-m MiB] [-o CONSOLE]
 *                [-t ICOUNT:LINE]... KERNEL
 *
 * Builds the same machine twice (the fake host of the unit tests: no clock, no
 * threads, the same answers to both), one with HART_CPU_INTERP, one with
 * HART_CPU_JIT (blocks compiled at their HOT-th entry, default 1), and runs both
 * to the same icounts, chosen at random (1 to 2^BITS instructions apart, BITS 17
 * by default, so budget ends fall inside blocks); at every stop the exit, icount,
 * every hart's architectural state, the machine's state hashes (RAM, devices) and
 * the console output so far must be the same. -o writes the console output to
 * CONSOLE at the end; -t types LINE and a newline on the console of both at
 * ICOUNT (up to 16 lines, 254 bytes each). Exit 0 when the guest stopped the same way on both, 1 at the first
 * difference (printed), 2 on bad usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/hart.h"
#include "emu/machine.h"
#include "../fake_host.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *hart_diff(const struct hart_state *a, const struct hart_state *b, char *buf, size_t n)
{
	for (int r = 0; r < 32; r++)
		if (a->x[r] != b->x[r])
			return snprintf(buf, n, "x%d 0x%llx / 0x%llx (pc 0x%llx / 0x%llx)", r,
					(unsigned long long)a->x[r], (unsigned long long)b->x[r],
					(unsigned long long)a->pc, (unsigned long long)b->pc), buf;
	if (a->pc != b->pc)
		return snprintf(buf, n, "pc 0x%llx / 0x%llx", (unsigned long long)a->pc,
				(unsigned long long)b->pc), buf;
	if (a->instret != b->instret)
		return snprintf(buf, n, "instret %llu / %llu", (unsigned long long)a->instret,
				(unsigned long long)b->instret), buf;
	if (memcmp(a, b, sizeof *a))
		return "other state (CSRs, F registers)";
	return NULL;
}

int main(int argc, char **argv)
{
	struct machine_config cfg = { .ram_size = 128ull << 20, .nharts = 1, .bios = "none",
				      .rng = 1 };
	uint64_t seed = 1, maxstops = 100000;
	int hot = 1, bits = 17;
	const char *console = NULL;
	struct { uint64_t icount; char line[256]; } typed[16];
	int ntyped = 0;
	static const struct option lo[] = { { "smp", required_argument, 0, 'p' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "s:n:j:c:b:i:a:m:o:t:", lo, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': maxstops = strtoull(optarg, NULL, 0); break;
		case 'j': hot = atoi(optarg); break;
		case 'c': bits = atoi(optarg); break;
		case 'p': cfg.nharts = atoi(optarg); break;
		case 'b': cfg.bios = optarg; break;
		case 'i': cfg.initrd = optarg; break;
		case 'a': cfg.append = optarg; break;
		case 'm': cfg.ram_size = strtoull(optarg, NULL, 0) << 20; break;
		case 'o': console = optarg; break;
		case 't': {
			char *e;
			if (ntyped >= 16) return 2;
			typed[ntyped].icount = strtoull(optarg, &e, 0);
			if (*e != ':' || strlen(e + 1) > 254) return 2;
			snprintf(typed[ntyped++].line, 256, "%s\n", e + 1);
			break;
		}
		default: return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: rr-core-diff [-s SEED] [-n MAXSTOPS] [-j HOT] [--smp N] "
			"[-c BITS] [-b BIOS] [-i INITRD] [-a APPEND] [-m MiB] [-o CONSOLE] "
			"[-t ICOUNT:LINE]... KERNEL\n");
		return 2;
	}
	cfg.kernel = argv[optind];
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	if (!hart_jit_available())
		fprintf(stderr, "rr-core-diff: no JIT on this host: both run the interpreter\n");
	struct fake_host *fh[2] = { fake_new(), fake_new() };
	struct machine *m[2];
	char err[256];
	for (int i = 0; i < 2; i++) {
		fake_init(fh[i], 1);
		for (int k = 0; k < ntyped; k++)
			fake_add_input(fh[i], typed[k].icount, EMU_INPUT_SERIAL, 0, 0, typed[k].line,
				       (uint32_t)strlen(typed[k].line));
		cfg.cpu = i ? HART_CPU_JIT : HART_CPU_INTERP;
		m[i] = machine_new(&cfg, &fh[i]->host, err, sizeof err);
		if (!m[i]) {
			fprintf(stderr, "rr-core-diff: %s\n", err);
			return 2;
		}
		for (int k = 0; k < machine_nharts(m[i]); k++)
			machine_hart(m[i], k)->jit_hot = hot;
	}
	uint64_t stops = 0;
	for (;;) {
		uint64_t to = machine_icount(m[0]) + 1 + (bits == 0 ? 0 : rnd() & ((1ull << (1 + rnd() % bits)) - 1));
		int e0 = machine_run(m[0], to), e1 = machine_run(m[1], to);
		stops++;
		uint64_t h0[MACHINE_HASH_MAX], h1[MACHINE_HASH_MAX];
		int n0 = machine_hash(m[0], h0), n1 = machine_hash(m[1], h1);
		char buf[160];
		const char *why = NULL;
		if (e0 != e1)
			snprintf(buf, sizeof buf, "exit %d / %d", e0, e1), why = buf;
		else if (machine_icount(m[0]) != machine_icount(m[1]))
			snprintf(buf, sizeof buf, "icount %llu / %llu",
				 (unsigned long long)machine_icount(m[0]),
				 (unsigned long long)machine_icount(m[1])), why = buf;
		for (int k = 0; !why && k < machine_nharts(m[0]); k++) {
			why = hart_diff(&machine_hart(m[0], k)->s, &machine_hart(m[1], k)->s, buf, sizeof buf);
			if (why && why != buf) {
				snprintf(buf, sizeof buf, "hart%d: %s", k, why);
				why = buf;
			}
		}
		for (int k = 0; !why && k < n0; k++)
			if (n0 != n1 || h0[k] != h1[k])
				snprintf(buf, sizeof buf, "hash %s", machine_hash_name(k)), why = buf;
		if (!why && (fh[0]->nserial != fh[1]->nserial ||
			     memcmp(fh[0]->serial, fh[1]->serial, fh[0]->nserial)))
			snprintf(buf, sizeof buf, "console output (%zu / %zu bytes)", fh[0]->nserial,
				 fh[1]->nserial), why = buf;
		if (why) {
			printf("DIFF at stop %llu (icount %llu): %s (interp / jit)\n",
			       (unsigned long long)stops, (unsigned long long)machine_icount(m[0]), why);
			return 1;
		}
		if (e0 != MACHINE_EXIT_ICOUNT)
			break;
		if (stops >= maxstops)
			break;
	}
	printf("same: %llu stops, icount %llu, exit code %d, console %zu bytes\n",
	       (unsigned long long)stops, (unsigned long long)machine_icount(m[0]),
	       machine_exit_code(m[0]), fh[0]->nserial);
	if (console) {
		FILE *f = fopen(console, "w");
		if (!f || fwrite(fh[0]->serial, 1, fh[0]->nserial, f) != fh[0]->nserial || fclose(f)) {
			fprintf(stderr, "rr-core-diff: %s: cannot write\n", console);
			return 2;
		}
	}
	for (int i = 0; i < 2; i++)
		machine_free(m[i]);
	free(fh[0]);
	free(fh[1]);
	return 0;
}
