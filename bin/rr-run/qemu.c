/* rr-run: QEMU's command-line spellings. A qemu-system-riscv64 -M virt command line
 * that rr-run can run runs unchanged with rr-run in its place; every QEMU option or
 * property rr-run cannot honour is refused by name (never ignored), and a -device
 * or -drive that another option names (netdev=, drive=, rng=) must exist.
 * man rr-run, QEMU COMPATIBILITY, lists what is understood. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rr-run.h"

static const char *prog = "rr-run";
#include "../common/msg.h"

__attribute__((format(printf, 3, 4)))
static int qerr(const char *opt, const char *arg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char what[1100], text[1100];
	snprintf(what, sizeof what, "-%s%s%s", opt, *arg ? " " : "", arg);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	msg(what, "%s", text);
	return -1;
}

/* QEMU's "a,key=value,..." (",," is a literal comma): the first element may have
 * no key, and then gets implied as its key. Returns the count, -1 if too many. */
#define MAXPROPS 16
struct props { int n; char *k[MAXPROPS], *v[MAXPROPS]; char buf[1024]; };

static int split(const char *arg, const char *implied, struct props *p)
{
	p->n = 0;
	if (strlen(arg) >= sizeof p->buf)
		return -1;
	char *w = p->buf;
	const char *s = arg;
	while (*s) {
		if (p->n == MAXPROPS)
			return -1;
		char *start = w;
		while (*s && !(*s == ',' && s[1] != ',')) {
			if (*s == ',')
				s++; /* ",," */
			*w++ = *s++;
		}
		*w++ = 0;
		if (*s == ',')
			s++;
		char *eq = strchr(start, '=');
		if (eq) {
			*eq = 0;
			p->k[p->n] = start;
			p->v[p->n] = eq + 1;
		} else if (p->n == 0 && implied) {
			p->k[0] = (char *)implied;
			p->v[0] = start;
		} else {
			p->k[p->n] = start;
			p->v[p->n] = (char *)"on"; /* a bare flag */
		}
		p->n++;
	}
	return p->n;
}

static int number(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static char *join(char *list, const char *item)
{
	size_t n = list ? strlen(list) : 0;
	char *r = realloc(list, n + strlen(item) + 2);
	if (!r)
		return list;
	sprintf(r + n, "%s%s", n ? "," : "", item);
	return r;
}

static int set_string(char **dst, const char *v)
{
	free(*dst);
	return (*dst = strdup(v)) ? 0 : -1;
}

/* --drive FILE[,persist] (rr-run's) and QEMU's -drive file=F,if=virtio|none,
 * format=raw,id=ID,media=disk,snapshot=on. */
int rr_parse_drive(struct rr_options *o, const char *arg)
{
	struct props p;
	if (split(arg, "file", &p) < 0)
		return qerr("drive", arg, "too long or too many properties");
	if (o->drive)
		return qerr("drive", arg, "a second disk: rr-run's virt machine has one virtio-blk disk");
	const char *file = NULL, *ifc = "virtio", *id = NULL;
	for (int i = 0; i < p.n; i++) {
		const char *k = p.k[i], *v = p.v[i];
		if (!strcmp(k, "file"))
			file = v;
		else if (!strcmp(k, "persist") && !strcmp(v, "on"))
			o->cfg.drive_persist = 1;
		else if (!strcmp(k, "if")) {
			if (strcmp(v, "virtio") && strcmp(v, "none"))
				return qerr("drive", arg, "if=%s: only if=virtio (or if=none with -device "
					    "virtio-blk-device,drive=ID): the virt board here has virtio-mmio disks only", v);
			ifc = v;
		} else if (!strcmp(k, "format")) {
			if (strcmp(v, "raw"))
				return qerr("drive", arg, "format=%s: only raw images", v);
		} else if (!strcmp(k, "id"))
			id = v;
		else if (!strcmp(k, "media")) {
			if (strcmp(v, "disk"))
				return qerr("drive", arg, "media=%s: only media=disk", v);
		} else if (!strcmp(k, "snapshot")) {
			if (strcmp(v, "on"))
				return qerr("drive", arg, "snapshot=%s: rr-run never writes the image (a copy-on-write "
					    "overlay) unless ,persist", v);
		} else
			return qerr("drive", arg, "%s%s%s: not supported", k, strcmp(v, "on") ? "=" : "",
				    strcmp(v, "on") ? v : "");
	}
	if (!file || !*file)
		return qerr("drive", arg, "no file given");
	if (!strcmp(ifc, "none")) {
		if (!id)
			return qerr("drive", arg, "if=none needs id=ID for -device virtio-blk-device,drive=ID");
		if (set_string(&o->q.drive_id, id))
			return -1;
		o->q.drive_attached = 0;
	} else {
		o->q.drive_attached = 1;
	}
	if (!(o->drive = strdup(file)))
		return -1;
	o->cfg.drive = o->drive;
	return 0;
}

/* -m 512 | 512M | size=512M */
int rr_parse_mem(struct rr_options *o, const char *arg, uint64_t (*size)(const char *))
{
	struct props p;
	if (split(arg, "size", &p) < 0)
		return qerr("m", arg, "too long");
	for (int i = 0; i < p.n; i++) {
		if (strcmp(p.k[i], "size"))
			return qerr("m", arg, "%s: not supported (no memory hotplug)", p.k[i]);
		if (!(o->cfg.ram_size = size(p.v[i])))
			return qerr("m", arg, "not a size");
	}
	return 0;
}

/* -smp N | cpus=N[,maxcpus=N][,sockets=S,cores=C,threads=T,...] */
int rr_parse_smp(struct rr_options *o, const char *arg)
{
	struct props p;
	if (split(arg, "cpus", &p) < 0)
		return qerr("smp", arg, "too long");
	long cpus = 0, maxcpus = 0, topo = 1, x;
	int have_topo = 0;
	for (int i = 0; i < p.n; i++) {
		const char *k = p.k[i];
		if (number(p.v[i], 1, 64, &x))
			return qerr("smp", arg, "%s=%s: not a number of harts", k, p.v[i]);
		if (!strcmp(k, "cpus"))
			cpus = x;
		else if (!strcmp(k, "maxcpus"))
			maxcpus = x;
		else if (!strcmp(k, "sockets") || !strcmp(k, "cores") || !strcmp(k, "threads") ||
			 !strcmp(k, "clusters") || !strcmp(k, "dies"))
			topo *= x, have_topo = 1;
		else
			return qerr("smp", arg, "%s: not supported", k);
	}
	if (!cpus)
		cpus = have_topo ? topo : maxcpus ? maxcpus : 1;
	if (have_topo && topo != cpus)
		return qerr("smp", arg, "the topology makes %ld harts, not %ld", topo, cpus);
	if (maxcpus && maxcpus != cpus)
		return qerr("smp", arg, "maxcpus=%ld: no hart hotplug (maxcpus must be cpus)", maxcpus);
	if (cpus > 8)
		return qerr("smp", arg, "must be 1 to 8");
	o->cfg.nharts = (int)cpus;
	return 0;
}

/* -gdb tcp::PORT | tcp:ADDR:PORT (and rr-run's PORT, ADDR:PORT, unix:PATH) into
 * rr-run's --gdb form. */
int rr_parse_gdb(struct rr_options *o, const char *arg)
{
	const char *spec = arg;
	if (!strncmp(arg, "tcp:", 4)) {
		const char *a = arg + 4, *colon = strrchr(a, ':');
		if (!colon)
			return qerr("gdb", arg, "expected tcp::PORT");
		spec = colon == a ? colon + 1 : a;
	}
	o->gdb = spec;
	return 0;
}

static int netdev_user(struct rr_options *o, const char *opt, const char *arg, struct props *p, int first,
		       const char **id)
{
	for (int i = first; i < p->n; i++) {
		const char *k = p->k[i], *v = p->v[i];
		if (!strcmp(k, "id") && id)
			*id = v;
		else if (!strcmp(k, "hostfwd")) {
			char *r = join(o->hostfwd, v);
			if (r == o->hostfwd && !r)
				return -1;
			o->hostfwd = r;
			o->cfg.hostfwd = r;
		} else if (!strcmp(k, "model") && !id) { /* -nic */
			if (strcmp(v, "virtio-net-device") && strcmp(v, "virtio"))
				return qerr(opt, arg, "model=%s: only virtio-net-device (virtio-mmio)", v);
		} else
			return qerr(opt, arg, "%s: not supported (rr-run's user networking has its fixed "
				    "10.0.2.0/24 and takes only hostfwd=)", k);
	}
	return 0;
}

static const char *devices = "virtio-net-device, virtio-blk-device, virtio-rng-device, virtio-keyboard-device";

static int device(struct rr_options *o, const char *arg)
{
	struct props p;
	if (split(arg, "driver", &p) < 0 || strcmp(p.k[0], "driver"))
		return qerr("device", arg, "expected a device name first");
	const char *drv = p.v[0], *ref = NULL, *refkey = NULL;
	if (!strcmp(drv, "virtio-net-device"))
		refkey = "netdev";
	else if (!strcmp(drv, "virtio-blk-device"))
		refkey = "drive";
	else if (!strcmp(drv, "virtio-rng-device"))
		refkey = "rng";
	else if (strcmp(drv, "virtio-keyboard-device"))
		return qerr("device", arg, "%s: not a device of rr-run's virt machine (virtio-mmio only: %s)",
			    drv, devices);
	for (int i = 1; i < p.n; i++) {
		if (refkey && !strcmp(p.k[i], refkey))
			ref = p.v[i];
		else if (strcmp(p.k[i], "id"))
			return qerr("device", arg, "%s: not supported by %s", p.k[i], drv);
	}
	if (!strcmp(drv, "virtio-net-device")) {
		if (!ref)
			return qerr("device", arg, "needs netdev=ID (a -netdev user,id=ID)");
		if (o->q.nic)
			return qerr("device", arg, "a second network device: rr-run's virt machine has one");
		o->q.nic = 1;
		return set_string(&o->q.nic_netdev, ref);
	}
	if (!strcmp(drv, "virtio-blk-device")) {
		if (!ref)
			return qerr("device", arg, "needs drive=ID (a -drive if=none,id=ID)");
		return set_string(&o->q.blk_drive, ref);
	}
	if (!strcmp(drv, "virtio-rng-device")) {
		o->cfg.rng = 1;
		return ref ? set_string(&o->q.rng_ref, ref) : 0;
	}
	o->cfg.input = 1;
	return 0;
}

/* -icount N | shift=N,rr=record|replay|off,rrfile=F,sleep=on|off,align=off */
static int icount(struct rr_options *o, const char *arg)
{
	struct props p;
	if (split(arg, "shift", &p) < 0)
		return qerr("icount", arg, "too long");
	const char *rr = "off", *file = NULL;
	long x;
	for (int i = 0; i < p.n; i++) {
		const char *k = p.k[i], *v = p.v[i];
		if (!strcmp(k, "shift")) {
			if (number(v, 0, 10, &x))
				return qerr("icount", arg, "shift=%s: must be 0 to 10 (shift=auto is not "
					    "deterministic)", v);
			o->cfg.icount_shift = (int)x;
			o->cmdline_machine = 1;
		} else if (!strcmp(k, "rr")) {
			if (strcmp(v, "record") && strcmp(v, "replay") && strcmp(v, "off"))
				return qerr("icount", arg, "rr=%s: record, replay or off", v);
			rr = v;
		} else if (!strcmp(k, "rrfile"))
			file = v;
		else if (!strcmp(k, "sleep")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return qerr("icount", arg, "sleep=%s: on or off", v);
			o->icount_sleep = !strcmp(v, "on");
		} else if (!strcmp(k, "align")) {
			if (strcmp(v, "off"))
				return qerr("icount", arg, "align=%s: not supported (sleep=on paces idle time)", v);
		} else
			return qerr("icount", arg, "%s: not supported%s", k, !strcmp(k, "rrsnapshot") ?
				    " (rr-run's recordings carry their own snapshots: --snapshot-every)" : "");
	}
	if (!strcmp(rr, "off"))
		return file ? qerr("icount", arg, "rrfile= without rr=record or rr=replay") : 0;
	if (!file || !*file)
		return qerr("icount", arg, "rr=%s needs rrfile=FILE", rr);
	const char **dst = !strcmp(rr, "record") ? &o->record : &o->replay;
	if (*dst && strcmp(*dst, file))
		return qerr("icount", arg, "-%c %s names another file", dst == &o->record ? 'w' : 'r', *dst);
	if (set_string(&o->q.rrfile, file))
		return -1;
	*dst = o->q.rrfile;
	o->q.replay = dst == &o->replay;
	return 0;
}

int rr_qemu_option(struct rr_options *o, const char *opt, const char *arg)
{
	struct props p;
	if (!strcmp(opt, "machine") || !strcmp(opt, "M")) {
		if (split(arg, "type", &p) < 0)
			return qerr("machine", arg, "too long");
		for (int i = 0; i < p.n; i++) {
			if (strcmp(p.k[i], "type"))
				return qerr(opt, arg, "%s: not supported", p.k[i]);
			if (strcmp(p.v[i], "virt"))
				return qerr(opt, arg, "only the virt board exists");
		}
		return 0;
	}
	if (!strcmp(opt, "display"))
		return strcmp(arg, "none") ? qerr("display", arg, "rr-run has no display: -display none or "
						  "-nographic") : 0;
	if (!strcmp(opt, "serial")) {
		if (o->q.serial++)
			return qerr("serial", arg, "a second serial port: rr-run's virt machine has one UART");
		return strcmp(arg, "stdio") && strcmp(arg, "mon:stdio") ?
			qerr("serial", arg, "the UART is always on standard input and output: stdio or "
			     "mon:stdio") : 0;
	}
	if (!strcmp(opt, "netdev")) {
		if (split(arg, "type", &p) < 0 || strcmp(p.k[0], "type"))
			return qerr("netdev", arg, "expected a type first");
		if (strcmp(p.v[0], "user"))
			return qerr("netdev", arg, "%s: only user networking (libslirp)", p.v[0]);
		if (o->q.netdev_id)
			return qerr("netdev", arg, "a second -netdev: rr-run's virt machine has one network device");
		const char *id = NULL;
		if (netdev_user(o, "netdev", arg, &p, 1, &id))
			return -1;
		if (!id)
			return qerr("netdev", arg, "needs id=ID");
		return set_string(&o->q.netdev_id, id);
	}
	if (!strcmp(opt, "nic")) {
		if (split(arg, "type", &p) < 0 || strcmp(p.k[0], "type"))
			return qerr("nic", arg, "expected a type first");
		if (!strcmp(p.v[0], "none") && p.n == 1) {
			o->cfg.net_user = 0;
			return 0;
		}
		if (strcmp(p.v[0], "user"))
			return qerr("nic", arg, "%s: only user networking (libslirp)", p.v[0]);
		if (o->q.nic++)
			return qerr("nic", arg, "a second network device: rr-run's virt machine has one");
		o->cfg.net_user = 1;
		return netdev_user(o, "nic", arg, &p, 1, NULL);
	}
	if (!strcmp(opt, "device"))
		return device(o, arg);
	if (!strcmp(opt, "object")) {
		if (split(arg, "type", &p) < 0 || strcmp(p.k[0], "type"))
			return qerr("object", arg, "expected a type first");
		if (strcmp(p.v[0], "rng-random") && strcmp(p.v[0], "rng-builtin"))
			return qerr("object", arg, "%s: only rng-random and rng-builtin objects", p.v[0]);
		const char *id = NULL;
		for (int i = 1; i < p.n; i++) {
			if (!strcmp(p.k[i], "id"))
				id = p.v[i];
			else if (strcmp(p.k[i], "filename") || (strcmp(p.v[i], "/dev/urandom") &&
								 strcmp(p.v[i], "/dev/random")))
				return qerr("object", arg, "%s: not supported (the entropy is the host's, "
					    "recorded)", p.k[i]);
		}
		if (!id)
			return qerr("object", arg, "needs id=ID");
		return set_string(&o->q.rng_id, id);
	}
	if (!strcmp(opt, "icount"))
		return icount(o, arg);
	if (!strcmp(opt, "cpu"))
		return strcmp(arg, "rv64") ? qerr("cpu", arg, "rr-run's hart is rv64 (RV64GC: "
						  "RV64IMAFDC_Zicsr_Zifencei), with no properties") : 0;
	if (!strcmp(opt, "accel")) {
		if (split(arg, "accel", &p) < 0 || strcmp(p.v[0], "tcg"))
			return qerr("accel", arg, "rr-run is an interpreter: -accel tcg only");
		for (int i = 1; i < p.n; i++)
			if (strcmp(p.k[i], "thread"))
				return qerr("accel", arg, "%s: not supported", p.k[i]);
		return 0;
	}
	if (!strcmp(opt, "global")) /* rr-run's virtio-mmio is the modern (version 2) one */
		return strcmp(arg, "virtio-mmio.force-legacy=false") && strcmp(arg, "virtio-mmio.force-legacy=off") ?
			qerr("global", arg, "not supported (only virtio-mmio.force-legacy=false: rr-run's "
			     "virtio-mmio devices are version 2)") : 0;
	return qerr(opt, arg, "not supported");
}

/* After the whole command line: every reference resolved, every definition used. */
int rr_qemu_finish(struct rr_options *o)
{
	struct rr_qemu *q = &o->q;
	if (q->nic_netdev) {
		if (!q->netdev_id || strcmp(q->netdev_id, q->nic_netdev))
			return qerr("device", "virtio-net-device", "netdev=%s: no -netdev user,id=%s", q->nic_netdev,
				    q->nic_netdev);
		o->cfg.net_user = 1;
		o->cmdline_machine = 1;
	} else if (q->netdev_id) {
		return qerr("netdev", q->netdev_id, "no -device virtio-net-device,netdev=%s uses it", q->netdev_id);
	}
	if (q->blk_drive && (!q->drive_id || strcmp(q->drive_id, q->blk_drive)))
		return qerr("device", "virtio-blk-device", "drive=%s: no -drive if=none,id=%s", q->blk_drive,
			    q->blk_drive);
	if (q->drive_id && !q->blk_drive && !q->drive_attached)
		return qerr("drive", q->drive_id, "if=none: no -device virtio-blk-device,drive=%s uses it",
			    q->drive_id);
	if (q->rng_ref && (!q->rng_id || strcmp(q->rng_id, q->rng_ref)))
		return qerr("device", "virtio-rng-device", "rng=%s: no -object rng-random,id=%s", q->rng_ref,
			    q->rng_ref);
	if (q->wait_gdb && !o->gdb)
		return qerr("S", "", "waits for gdb: give -s or -gdb tcp::PORT too");
	return 0;
}

void rr_qemu_free(struct rr_options *o)
{
	free(o->q.drive_id);
	free(o->q.netdev_id);
	free(o->q.nic_netdev);
	free(o->q.blk_drive);
	free(o->q.rng_id);
	free(o->q.rng_ref);
	free(o->q.rrfile);
}

/* -icount ...,rr=replay with the machine options of the recording, as QEMU wants
 * them: they must be the recording's (images by content). 0, or -1 with err. */
int rr_qemu_check_replay(const struct rr_options *o, const struct machine_config *rec,
			 const struct rrlog_header_info *h, char *err, size_t n)
{
	const struct machine_config *c = &o->cfg;
#define DIFF(cond, what, ...) do { if (cond) { snprintf(err, n, "the recording was made with " what \
	" (QEMU's rr=replay needs the recording's machine options)", __VA_ARGS__); return -1; } } while (0)
	DIFF(c->ram_size != rec->ram_size, "-m %lluM", (unsigned long long)(rec->ram_size >> 20));
	DIFF(c->nharts != rec->nharts, "-smp %d", rec->nharts);
	DIFF(c->icount_shift != rec->icount_shift, "-icount shift=%d", rec->icount_shift);
	DIFF(c->net_user != rec->net_user, "%s", rec->net_user ? "user networking" : "no network device");
	DIFF(!!c->hostfwd != !!rec->hostfwd || (c->hostfwd && strcmp(c->hostfwd, rec->hostfwd)),
	     "hostfwd=%s", rec->hostfwd ? rec->hostfwd : "(none)");
	DIFF(c->rng != rec->rng, "%s", rec->rng ? "virtio-rng" : "no virtio-rng");
	DIFF(c->input != rec->input, "%s", rec->input ? "a virtio keyboard" : "no virtio keyboard");
	DIFF(c->no_reboot != rec->no_reboot, "%s", rec->no_reboot ? "-no-reboot" : "reboots allowed");
	DIFF(strcmp(c->append ? c->append : "", rec->append ? rec->append : ""), "-append '%s'",
	     rec->append ? rec->append : "");
	struct machine_config given = *c;
	const char *roles[4], **paths[4];
	int k = rr_config_images(&given, roles, paths);
	for (int i = 0; i < k; i++) {
		const struct rrlog_image *im = NULL;
		for (size_t j = 0; j < h->nimages; j++)
			if (!strcmp(h->images[j].role, roles[i]))
				im = &h->images[j];
		uint8_t sum[32];
		uint64_t size;
		DIFF(!im, "no %s image (this one: %s)", roles[i], *paths[i]);
		if (rr_image_sha256(*paths[i], sum, &size) < 0) {
			snprintf(err, n, "%s: %s", *paths[i], strerror(errno));
			return -1;
		}
		DIFF(memcmp(sum, im->sha256, 32), "another %s image than %s (SHA-256 differs)", roles[i], *paths[i]);
	}
	for (size_t j = 0; j < h->nimages; j++) {
		int found = 0;
		for (int i = 0; i < k; i++)
			found |= !strcmp(h->images[j].role, roles[i]);
		DIFF(!found, "a %s image (%s)", h->images[j].role, h->images[j].path);
	}
#undef DIFF
	return 0;
}
