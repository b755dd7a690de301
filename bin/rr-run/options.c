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
#include "emu/hart.h"

static const char *prog = "rr-run";
#include "../common/msg.h"

enum {
	OPT_SMP = 1000, OPT_BIOS, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_DRIVE, OPT_NET,
	OPT_SHIFT, OPT_SLEEP, OPT_GDB, OPT_MONITOR, OPT_DUMPDTB, OPT_VERSION, OPT_LIVE,
	OPT_MACHINE, OPT_NORNG, OPT_HASH, OPT_QUIET, OPT_INPUT,
	OPT_BUNDLE, OPT_STATS, OPT_NOREBOOT, OPT_STOPAT, OPT_JSON, OPT_SNAPEVERY,
	/* QEMU's spellings (qemu_option) */
	OPT_Q_NOGRAPHIC, OPT_Q_DISPLAY, OPT_Q_SERIAL, OPT_Q_NETDEV, OPT_Q_NIC, OPT_Q_DEVICE,
	OPT_Q_OBJECT, OPT_Q_ICOUNT, OPT_Q_CPU, OPT_Q_ACCEL, OPT_Q_SNAPSHOT, OPT_Q_GDB_1234,
	OPT_Q_WAIT_GDB, OPT_Q_GLOBAL,
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
	/* QEMU's spellings, so that a qemu-system-riscv64 -M virt command line runs
	 * unchanged (qemu_option: what rr-run cannot do is refused by name) */
	{ "M", required_argument, 0, OPT_MACHINE },
	{ "machine", required_argument, 0, OPT_MACHINE },
	{ "nographic", no_argument, 0, OPT_Q_NOGRAPHIC },
	{ "display", required_argument, 0, OPT_Q_DISPLAY },
	{ "serial", required_argument, 0, OPT_Q_SERIAL },
	{ "netdev", required_argument, 0, OPT_Q_NETDEV },
	{ "nic", required_argument, 0, OPT_Q_NIC },
	{ "device", required_argument, 0, OPT_Q_DEVICE },
	{ "object", required_argument, 0, OPT_Q_OBJECT },
	{ "icount", required_argument, 0, OPT_Q_ICOUNT },
	{ "cpu", required_argument, 0, OPT_Q_CPU },
	{ "accel", required_argument, 0, OPT_Q_ACCEL },
	{ "snapshot", no_argument, 0, OPT_Q_SNAPSHOT },
	{ "s", no_argument, 0, OPT_Q_GDB_1234 },
	{ "S", no_argument, 0, OPT_Q_WAIT_GDB },
	{ "global", required_argument, 0, OPT_Q_GLOBAL },
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
"  --cpu interp|jit    the harts' core: the interpreter (the reference) or the JIT\n"
"                      (default on x86-64; env RRKIT_CPU); not recorded: any core replays\n"
"  --icount-sleep on|off  pace idle virtual time to real time (default on)\n"
"  --hash-interval N   with -w: a state hash every N instructions (default 10000000)\n"
"  --snapshot-every N  with -w: a snapshot every N instructions (default 100000000;\n"
"                      0: only the first), so a replay can seek anywhere fast\n"
"  --stop-at N         with -r: go to icount N (through the snapshots) and print\n"
"                      the machine state as key=value lines (--json: JSON Lines)\n"
"  --bundle FILE.tar   with -w: also write a portable bundle (log + images)\n"
"  --dumpdtb FILE      write the device tree blob and exit\n"
"  --gdb PORT|ADDR:PORT|unix:PATH  wait for gdb on 127.0.0.1:PORT (ADDR: another,\n"
"                      with a warning; or a unix socket, mode\n"
"                      0600) before the first instruction; with -r reverse-stepi,\n"
"                      reverse-continue and reverse watchpoints work; with -w\n"
"                      too: back into the part recorded, on live at its end\n"
"  --monitor [stdio|unix:PATH]  the monitor on the terminal (readline; with -r)\n"
"                      or a unix socket (mode 0600); `help` lists its commands;\n"
"                      with -w sendline and sendkey give the guest input\n"
"  --stats             at exit, print instructions executed and MIPS on stderr\n"
"  -q, --quiet         no status messages, no progress on stderr\n"
"  -h, --help          this help;  --version  print the version\n"
"Console: stdin/stdout; on a terminal Ctrl-A x quits. Long options also take one dash.\n"
"QEMU's spellings work too: -M virt, -nographic, -serial stdio, -bios default,\n"
"-drive file=F,if=virtio,format=raw, -netdev user,id=N -device virtio-net-device,netdev=N,\n"
"-device virtio-rng-device, -icount shift=N,rr=record|replay,rrfile=F (= -w F / -r F),\n"
"-smp cpus=N, -m size=S, -s, -gdb tcp::PORT, -monitor none; what rr-run cannot do\n"
"is refused by name (rr-run(1), QEMU COMPATIBILITY).\n"
"Exit status: the guest's sifive_test code when it powers off; 1 error; 2 usage or a\n"
"missing or unreadable recording; 3 replay reached the end of a log that has no\n"
"shutdown; 4 replay divergence.\n");
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

static int parse_net(struct rr_options *o, const char *arg)
{
	if (strcmp(arg, "none") == 0) {
		o->cfg.net_user = 0;
		return 0;
	}
	if (strncmp(arg, "user", 4) != 0 || (arg[4] && arg[4] != ',')) {
		msg(NULL, "--net %s: only 'user' and 'none' are supported", arg);
		return -1;
	}
	o->cfg.net_user = 1;
	if (arg[4] == ',') {
		const char *p = arg + 5;
		if (strncmp(p, "hostfwd=", 8) != 0) {
			msg(NULL, "--net %s: expected hostfwd=...", arg);
			return -1;
		}
		o->hostfwd = strdup(p + 8);
		o->cfg.hostfwd = o->hostfwd;
	}
	return 0;
}

/* "interp" or "jit" into o->cfg.cpu: 0, or -1 (o unchanged) for anything else. */
static int rr_parse_cpu(struct rr_options *o, const char *s)
{
	if (strcmp(s, "interp") == 0)
		o->cfg.cpu = HART_CPU_INTERP;
	else if (strcmp(s, "jit") == 0)
		o->cfg.cpu = HART_CPU_JIT;
	else
		return -1;
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
	/* the core: the fastest this build has, RRKIT_CPU=interp|jit, then --cpu */
	o->cfg.cpu = HART_CPU_DEFAULT;
	const char *cpu_env = getenv("RRKIT_CPU");
	if (cpu_env && *cpu_env && rr_parse_cpu(o, cpu_env) < 0) {
		msg(NULL, "RRKIT_CPU=%s: interp or jit", cpu_env);
		return -1;
	}
	int c, idx;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+w:r:m:hq", longopts, &idx)) != -1) {
		switch (c) {
		case 'w': o->record = optarg; break;
		case 'r': o->replay = optarg; break;
		case 'm':
			if (rr_parse_mem(o, optarg, parse_size))
				return -1;
			o->cmdline_machine = 1;
			break;
		case 'h': o->help = 1; break;
		case 'q': case OPT_QUIET: o->quiet = 1; break;
		case OPT_VERSION: o->version = 1; break;
		case OPT_SMP:
			if (rr_parse_smp(o, optarg))
				return -1;
			o->cmdline_machine = 1;
			break;
		case OPT_BIOS:
			o->cfg.bios = strcmp(optarg, "default") ? optarg : RR_DEFAULT_BIOS;
			o->cmdline_machine = 1;
			break;
		case OPT_KERNEL: o->cfg.kernel = optarg; o->cmdline_machine = 1; break;
		case OPT_INITRD: o->cfg.initrd = optarg; o->cmdline_machine = 1; break;
		case OPT_APPEND: o->cfg.append = optarg; o->cmdline_machine = 1; break;
		case OPT_DRIVE:
			if (rr_parse_drive(o, optarg))
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
				msg(NULL, "--icount-shift %s: must be 0 to 10", optarg);
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
				msg(NULL, "--icount-sleep %s: on or off", optarg);
				return -1;
			}
			break;
		case OPT_HASH: {
			char *end;
			o->hash_interval = strtoull(optarg, &end, 10);
			if (*end || o->hash_interval == 0) {
				msg(NULL, "--hash-interval %s: not a positive number", optarg);
				return -1;
			}
			break;
		}
		case OPT_STOPAT:
		case OPT_SNAPEVERY: {
			uint64_t v;
			if (rr_parse_icount(optarg, &v) < 0) {
				msg(NULL, "--%s %s: not an instruction count",
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
		case OPT_GDB:
			if (rr_parse_gdb(o, optarg))
				return -1;
			break;
		case OPT_MONITOR:
			/* --monitor, --monitor=SPEC, or --monitor SPEC when SPEC looks like one;
			 * QEMU's -monitor none: no monitor */
			o->monitor = optarg;
			if (!optarg && optind < argc && strcmp(argv[optind], "none") == 0) {
				optind++;
				o->monitor = NULL;
				break;
			}
			if (!optarg && optind < argc && (strcmp(argv[optind], "stdio") == 0 ||
							 strncmp(argv[optind], "unix:", 5) == 0))
				o->monitor = argv[optind++];
			if (!o->monitor)
				o->monitor = "stdio";
			if (strcmp(o->monitor, "none") == 0) {
				o->monitor = NULL;
				break;
			}
			if (strcmp(o->monitor, "stdio") && (strncmp(o->monitor, "unix:", 5) || !o->monitor[5])) {
				msg(NULL, "--monitor %s: the monitor is on stdio (the terminal) or on unix:PATH "
				    "(or none)", o->monitor);
				return -1;
			}
			break;
		case OPT_DUMPDTB: o->dumpdtb = optarg; break;
		case OPT_LIVE: o->live = 1; break;
		case OPT_BUNDLE: o->bundle = optarg; break;
		case OPT_STATS: o->stats = 1; break;
		case OPT_NOREBOOT: o->cfg.no_reboot = 1; o->cmdline_machine = 1; break;
		/* QEMU's spellings (qemu.c) */
		case OPT_Q_NOGRAPHIC: break; /* the console is stdio anyway */
		case OPT_Q_SNAPSHOT: o->q_snapshot = 1; break; /* the disk is never written anyway */
		case OPT_Q_GDB_1234: o->gdb = "1234"; break;
		case OPT_Q_WAIT_GDB: o->q.wait_gdb = 1; break; /* --gdb always waits */
		case OPT_Q_CPU:
			if (rr_parse_cpu(o, optarg) == 0)       /* --cpu interp|jit */
				break;
			/* QEMU's -cpu */
			/* fall through */
		case OPT_MACHINE: case OPT_Q_DISPLAY: case OPT_Q_SERIAL: case OPT_Q_NETDEV: case OPT_Q_NIC:
		case OPT_Q_DEVICE: case OPT_Q_OBJECT: case OPT_Q_ICOUNT: case OPT_Q_ACCEL:
		case OPT_Q_GLOBAL:
			if (rr_qemu_option(o, longopts[idx].name, optarg))
				return -1;
			if (c == OPT_Q_NIC || c == OPT_Q_DEVICE)
				o->cmdline_machine = 1;
			break;
		default:
			/* getopt leaves optopt 0 for an unknown long option, the option's
			 * value for a known one that lacks its argument */
			if (optopt)
				msg(NULL, "%s: needs an argument", argv[optind - 1]);
			else
				msg(NULL, "%s: unknown option (rr-run(1) lists its options and "
				    "the QEMU ones it understands)", argv[optind - 1]);
			return -1;
		}
	}
	if (rr_qemu_finish(o))
		return -1;
	if (o->q_snapshot && o->cfg.drive_persist) {
		msg(NULL, "-snapshot with --drive ...,persist: choose one");
		return -1;
	}
	if (optind < argc) {
		if (optind + 1 < argc || o->cfg.kernel) {
			msg(NULL, "unexpected argument '%s'", argv[optind]);
			return -1;
		}
		o->cfg.kernel = argv[optind];
		o->cmdline_machine = 1;
	}
	if (o->record && o->replay && !o->live) {
		msg(NULL, "-w with -r needs --live (record the live continuation)");
		return -1;
	}
	if (o->replay && o->live && strcmp(o->replay, "-") == 0) {
		msg(NULL, "-r - with --live: standard input cannot be both the log and the console");
		return -1;
	}
	if (o->stop_at != UINT64_MAX && (!o->replay || o->live)) {
		msg(NULL, "--stop-at needs -r FILE (and no --live)");
		return -1;
	}
	if ((o->gdb || o->monitor) && (o->live || o->stop_at != UINT64_MAX)) {
		msg(NULL, "%s with --live or --stop-at: debug the replay (-r LOG), or the "
			"recording (-w LOG)", o->gdb ? "--gdb" : "--monitor");
		return -1;
	}
	if ((o->gdb || o->monitor) && o->record && strcmp(o->record, "-") == 0) {
		msg(NULL, "%s with -w -: going back reads the log as it grows: it must be a file",
		    o->gdb ? "--gdb" : "--monitor");
		return -1;
	}
	if (o->monitor && !o->replay && strcmp(o->monitor, "stdio") == 0) {
		msg(NULL, "--monitor on a %s run: the terminal is the guest's console; "
			"use --monitor unix:PATH", o->record ? "recording" : "live");
		return -1;
	}
	if (o->gdb && o->monitor) {
		msg(NULL, "--gdb and --monitor: choose one (gdb's `monitor CMD` runs the "
			"monitor's commands)");
		return -1;
	}
	if (o->monitor && o->replay && strcmp(o->replay, "-") == 0 && strcmp(o->monitor, "stdio") == 0) {
		msg(NULL, "-r - with --monitor on stdio: standard input cannot be both");
		return -1;
	}
	if (o->live && !o->replay) {
		msg(NULL, "--live needs -r FILE");
		return -1;
	}
	if (o->replay && o->cmdline_machine && !o->q.replay) {
		msg(NULL, "-r takes the machine from the recording; drop the machine options");
		return -1;
	}
	if (o->record && o->cfg.drive_persist) {
		msg(NULL, "--drive ...,persist cannot be recorded (the image would change)");
		return -1;
	}
	return 0;
}

void rr_free_options(struct rr_options *o)
{
	free(o->drive);
	free(o->hostfwd);
	rr_qemu_free(o);
}
