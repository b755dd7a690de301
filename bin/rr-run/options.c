/* rr-run options: parsing the command line (QEMU spellings accepted) and turning a
 * machine configuration into the canonical text stored in a recording's header and
 * back. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rr-run.h"

enum {
	OPT_SMP = 1000, OPT_BIOS, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_DRIVE, OPT_NET,
	OPT_SHIFT, OPT_SLEEP, OPT_GDB, OPT_MONITOR, OPT_DUMPDTB, OPT_VERSION, OPT_LIVE,
	OPT_IGNORE, OPT_IGNORE_ARG, OPT_MACHINE, OPT_NORNG, OPT_HASH, OPT_QUIET, OPT_INPUT,
	OPT_BUNDLE, OPT_STATS, OPT_NOREBOOT, OPT_STOPAT, OPT_JSON, OPT_SNAPEVERY,
};

static const struct option longopts[] = {
	{ "w", required_argument, 0, 'w' },
	{ "r", required_argument, 0, 'r' },
	{ "m", required_argument, 0, 'm' },
	{ "h", no_argument, 0, 'h' },
	{ "q", no_argument, 0, 'q' },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ "smp", required_argument, 0, OPT_SMP },
	{ "bios", required_argument, 0, OPT_BIOS },
	{ "kernel", required_argument, 0, OPT_KERNEL },
	{ "initrd", required_argument, 0, OPT_INITRD },
	{ "append", required_argument, 0, OPT_APPEND },
	{ "drive", required_argument, 0, OPT_DRIVE },
	{ "net", required_argument, 0, OPT_NET },
	{ "icount-shift", required_argument, 0, OPT_SHIFT },
	{ "icount-sleep", required_argument, 0, OPT_SLEEP },
	{ "hash-interval", required_argument, 0, OPT_HASH },
	{ "gdb", required_argument, 0, OPT_GDB },
	{ "monitor", optional_argument, 0, OPT_MONITOR },
	{ "dumpdtb", required_argument, 0, OPT_DUMPDTB },
	{ "live", no_argument, 0, OPT_LIVE },
	{ "no-rng", no_argument, 0, OPT_NORNG },
	{ "quiet", no_argument, 0, OPT_QUIET },
	{ "bundle", required_argument, 0, OPT_BUNDLE },
	{ "input", no_argument, 0, OPT_INPUT },
	{ "stats", no_argument, 0, OPT_STATS },
	{ "no-reboot", no_argument, 0, OPT_NOREBOOT },
	{ "stop-at", required_argument, 0, OPT_STOPAT },
	{ "json", no_argument, 0, OPT_JSON },
	{ "snapshot-every", required_argument, 0, OPT_SNAPEVERY },
	/* QEMU spellings that mean what rr-run does anyway */
	{ "nographic", no_argument, 0, OPT_IGNORE },
	{ "M", required_argument, 0, OPT_MACHINE },
	{ "machine", required_argument, 0, OPT_MACHINE },
	{ 0, 0, 0, 0 },
};

void rr_usage(FILE *f)
{
	fprintf(f,
"usage: rr-run [-w FILE | -r FILE] [options] [KERNEL]\n"
"Run a RISC-V virt machine live, record it (-w) or replay a recording (-r).\n"
"  -w FILE             record every nondeterministic input into FILE (- = stdout)\n"
"  -r FILE             replay FILE (- = stdin); the machine comes from its header\n"
"  --live              with -r: replay to the end of the log, then continue live\n"
"  -m SIZE             guest RAM (default 128M; K/M/G suffixes, plain = MiB)\n"
"  --smp N             harts, 1 to 8 (default 1)\n"
"  --bios FILE|none    firmware (default Debian's OpenSBI fw_jump.elf); none runs\n"
"                      KERNEL as a bare-metal ELF at 0x80000000\n"
"  --kernel FILE       kernel Image or ELF (or KERNEL as the last argument)\n"
"  --initrd FILE       initial ramdisk\n"
"  --append STR        kernel command line\n"
"  --drive FILE[,persist]  virtio-blk disk; writes go to a copy-on-write overlay\n"
"                      unless persist (live runs only)\n"
"  --net user[,hostfwd=tcp:[ADDR]:HPORT-:GPORT]|none  virtio-net through libslirp\n"
"  --no-rng            no virtio-rng device\n"
"  --no-reboot         a guest reset ends the run (default: the machine reboots)\n"
"  --input             add a virtio-input keyboard\n"
"  --icount-shift N    virtual ns per instruction = 2^N (default 0)\n"
"  --icount-sleep on|off  pace idle virtual time to real time (default on)\n"
"  --hash-interval N   with -w: a state hash every N instructions (default 10000000)\n"
"  --snapshot-every N  with -w: a snapshot every N instructions (default 100000000;\n"
"                      0: only the first), so a replay can seek anywhere fast\n"
"  --stop-at N         with -r: go to icount N (through the snapshots) and print\n"
"                      the machine state as key=value lines (--json: JSON Lines)\n"
"  --bundle FILE.tar   with -w: also write a portable bundle (log + images)\n"
"  --dumpdtb FILE      write the device tree blob and exit\n"
"  --gdb PORT|unix:PATH  with -r: wait for gdb on 127.0.0.1:PORT (or a unix socket,\n"
"                      mode 0600) before the first instruction; reverse-stepi and\n"
"                      reverse-continue and watchpoints work\n"
"  --monitor [stdio|unix:PATH]  with -r: the replay monitor on the terminal\n"
"                      (readline) or a unix socket (mode 0600); `help` lists its\n"
"                      commands\n"
"  --stats             at exit, print instructions executed and MIPS on stderr\n"
"  -q, --quiet         no status messages on stderr\n"
"  -h, --help          this help;  --version  print the version\n"
"Console: stdin/stdout; on a terminal Ctrl-A x quits. Long options also take one dash.\n"
"Exit status: the guest's sifive_test code when it powers off; 1 error; 2 usage;\n"
"3 replay reached the end of a log that has no shutdown; 4 replay divergence.\n");
}

/* Parse a size: plain numbers are MiB (QEMU), K/M/G/T suffixes. 0 on error. */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (toupper((unsigned char)*end)) {
	case 0: return v << 20;
	case 'K': v <<= 10; break;
	case 'M': v <<= 20; break;
	case 'G': v <<= 30; break;
	case 'T': v <<= 40; break;
	default: return 0;
	}
	if (end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]) &&
	    !(toupper((unsigned char)end[1]) == 'I' && toupper((unsigned char)end[2]) == 'B' && !end[3]))
		return 0;
	return v;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* --drive FILE[,persist] and QEMU's file=FILE[,...] */
static int parse_drive(struct rr_options *o, const char *arg)
{
	char *s = strdup(arg), *save = NULL;
	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "file=", 5) == 0)
			o->drive = strdup(tok + 5);
		else if (strcmp(tok, "persist") == 0)
			o->cfg.drive_persist = 1;
		else if (strchr(tok, '='))
			; /* QEMU's if=, format=, id=: the virt disk is always raw virtio */
		else if (!o->drive)
			o->drive = strdup(tok);
		else {
			fprintf(stderr, "rr-run: --drive: unknown option '%s'\n", tok);
			free(s);
			return -1;
		}
	}
	free(s);
	if (!o->drive) {
		fprintf(stderr, "rr-run: --drive: no file given\n");
		return -1;
	}
	o->cfg.drive = o->drive;
	return 0;
}

static int parse_net(struct rr_options *o, const char *arg)
{
	if (strcmp(arg, "none") == 0) {
		o->cfg.net_user = 0;
		return 0;
	}
	if (strncmp(arg, "user", 4) != 0 || (arg[4] && arg[4] != ',')) {
		fprintf(stderr, "rr-run: --net %s: only 'user' and 'none' are supported\n", arg);
		return -1;
	}
	o->cfg.net_user = 1;
	if (arg[4] == ',') {
		const char *p = arg + 5;
		if (strncmp(p, "hostfwd=", 8) != 0) {
			fprintf(stderr, "rr-run: --net %s: expected hostfwd=...\n", arg);
			return -1;
		}
		o->hostfwd = strdup(p + 8);
		o->cfg.hostfwd = o->hostfwd;
	}
	return 0;
}

int rr_parse_options(int argc, char **argv, struct rr_options *o)
{
	memset(o, 0, sizeof *o);
	o->cfg.ram_size = 128ull << 20;
	o->cfg.nharts = 1;
	o->cfg.bios = RR_DEFAULT_BIOS;
	o->cfg.rng = 1;
	o->icount_sleep = 1;
	o->hash_interval = RR_DEFAULT_HASH_INTERVAL;
	o->snapshot_interval = RR_DEFAULT_SNAPSHOT_INTERVAL;
	o->stop_at = UINT64_MAX;
	int c, idx;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+w:r:m:hq", longopts, &idx)) != -1) {
		switch (c) {
		case 'w': o->record = optarg; break;
		case 'r': o->replay = optarg; break;
		case 'm':
			if (!(o->cfg.ram_size = parse_size(optarg))) {
				fprintf(stderr, "rr-run: -m %s: not a size\n", optarg);
				return -1;
			}
			o->cmdline_machine = 1;
			break;
		case 'h': o->help = 1; break;
		case 'q': case OPT_QUIET: o->quiet = 1; break;
		case OPT_VERSION: o->version = 1; break;
		case OPT_SMP:
			if (parse_int(optarg, 1, 8, &o->cfg.nharts)) {
				fprintf(stderr, "rr-run: --smp %s: must be 1 to 8\n", optarg);
				return -1;
			}
			o->cmdline_machine = 1;
			break;
		case OPT_BIOS: o->cfg.bios = optarg; o->cmdline_machine = 1; break;
		case OPT_KERNEL: o->cfg.kernel = optarg; o->cmdline_machine = 1; break;
		case OPT_INITRD: o->cfg.initrd = optarg; o->cmdline_machine = 1; break;
		case OPT_APPEND: o->cfg.append = optarg; o->cmdline_machine = 1; break;
		case OPT_DRIVE:
			if (parse_drive(o, optarg))
				return -1;
			o->cmdline_machine = 1;
			break;
		case OPT_NET:
			if (parse_net(o, optarg))
				return -1;
			o->cmdline_machine = 1;
			break;
		case OPT_NORNG: o->cfg.rng = 0; o->cmdline_machine = 1; break;
		case OPT_INPUT: o->cfg.input = 1; o->cmdline_machine = 1; break;
		case OPT_SHIFT:
			if (parse_int(optarg, 0, 10, &o->cfg.icount_shift)) {
				fprintf(stderr, "rr-run: --icount-shift %s: must be 0 to 10\n", optarg);
				return -1;
			}
			o->cmdline_machine = 1;
			break;
		case OPT_SLEEP:
			if (strcmp(optarg, "on") == 0)
				o->icount_sleep = 1;
			else if (strcmp(optarg, "off") == 0)
				o->icount_sleep = 0;
			else {
				fprintf(stderr, "rr-run: --icount-sleep %s: on or off\n", optarg);
				return -1;
			}
			break;
		case OPT_HASH: {
			char *end;
			o->hash_interval = strtoull(optarg, &end, 10);
			if (*end || o->hash_interval == 0) {
				fprintf(stderr, "rr-run: --hash-interval %s: not a positive number\n", optarg);
				return -1;
			}
			break;
		}
		case OPT_STOPAT:
		case OPT_SNAPEVERY: {
			uint64_t v;
			if (rr_parse_icount(optarg, &v) < 0) {
				fprintf(stderr, "rr-run: --%s %s: not an instruction count\n",
					c == OPT_STOPAT ? "stop-at" : "snapshot-every", optarg);
				return -1;
			}
			if (c == OPT_STOPAT)
				o->stop_at = v;
			else
				o->snapshot_interval = v ? v : UINT64_MAX;
			break;
		}
		case OPT_JSON: o->json = 1; break;
		case OPT_GDB: o->gdb = optarg; break;
		case OPT_MONITOR:
			/* --monitor, --monitor=SPEC, or --monitor SPEC when SPEC looks like one */
			o->monitor = optarg;
			if (!optarg && optind < argc && (strcmp(argv[optind], "stdio") == 0 ||
							 strncmp(argv[optind], "unix:", 5) == 0))
				o->monitor = argv[optind++];
			if (!o->monitor)
				o->monitor = "stdio";
			if (strcmp(o->monitor, "stdio") && (strncmp(o->monitor, "unix:", 5) || !o->monitor[5])) {
				fprintf(stderr, "rr-run: --monitor %s: the monitor is on stdio (the terminal) "
					"or on unix:PATH\n", o->monitor);
				return -1;
			}
			break;
		case OPT_DUMPDTB: o->dumpdtb = optarg; break;
		case OPT_LIVE: o->live = 1; break;
		case OPT_BUNDLE: o->bundle = optarg; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_NOREBOOT: o->cfg.no_reboot = 1; o->cmdline_machine = 1; break;
		case OPT_MACHINE:
			if (strncmp(optarg, "virt", 4) != 0) {
				fprintf(stderr, "rr-run: -M %s: only the virt board exists\n", optarg);
				return -1;
			}
			break;
		case OPT_IGNORE: break;
		default:
			fprintf(stderr, "rr-run: unknown or incomplete option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		if (optind + 1 < argc || o->cfg.kernel) {
			fprintf(stderr, "rr-run: unexpected argument '%s'\n", argv[optind]);
			return -1;
		}
		o->cfg.kernel = argv[optind];
		o->cmdline_machine = 1;
	}
	if (o->record && o->replay && !o->live) {
		fprintf(stderr, "rr-run: -w with -r needs --live (record the live continuation)\n");
		return -1;
	}
	if (o->replay && o->live && strcmp(o->replay, "-") == 0) {
		fprintf(stderr, "rr-run: -r - with --live: standard input cannot be both the log and the console\n");
		return -1;
	}
	if (o->stop_at != UINT64_MAX && (!o->replay || o->live)) {
		fprintf(stderr, "rr-run: --stop-at needs -r FILE (and no --live)\n");
		return -1;
	}
	if ((o->gdb || o->monitor) && (!o->replay || o->live || o->stop_at != UINT64_MAX)) {
		fprintf(stderr, "rr-run: %s needs -r FILE (and no --live or --stop-at): live runs and "
			"recordings cannot be debugged in this version\n", o->gdb ? "--gdb" : "--monitor");
		return -1;
	}
	if (o->gdb && o->monitor) {
		fprintf(stderr, "rr-run: --gdb and --monitor: choose one (gdb's `monitor CMD` runs the "
			"monitor's commands)\n");
		return -1;
	}
	if (o->monitor && o->replay && strcmp(o->replay, "-") == 0 && strcmp(o->monitor, "stdio") == 0) {
		fprintf(stderr, "rr-run: -r - with --monitor on stdio: standard input cannot be both\n");
		return -1;
	}
	if (o->live && !o->replay) {
		fprintf(stderr, "rr-run: --live needs -r FILE\n");
		return -1;
	}
	if (o->replay && o->cmdline_machine) {
		fprintf(stderr, "rr-run: -r takes the machine from the recording; drop the machine options\n");
		return -1;
	}
	if (o->record && o->cfg.drive_persist) {
		fprintf(stderr, "rr-run: --drive ...,persist cannot be recorded (the image would change)\n");
		return -1;
	}
	return 0;
}
