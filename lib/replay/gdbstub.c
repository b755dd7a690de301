/* gdbstub: gdb's remote serial protocol over a replay session (gdbstub.h).
 *
 * Layers, bottom up: the framer (bytes -> packets: $data#cs, acks, 0x03), reply
 * building (escapes, checksums, retransmission on '-'), the packet handlers, and
 * the execution helpers over lib/replay (run forward in slices that poll for
 * Ctrl-C, step one hart, reverse step and reverse continue through seeks). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/gdbstub.h"
#include "replay/debug.h"
#include "emu/hart.h"
#include "emu/physmem.h"

#define QUEUE_MAX (64 * 1024)        /* input bytes held while the target runs */

enum { F_IDLE, F_DATA, F_CS1, F_CS2 };

struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

struct rr_gdb {
	rr_session *s;
	struct rr_gdb_io io;
	int noack, swbreak_ok, hwbreak_ok, ended;
	int gthread, cthread;        /* hart index; cthread -1: all */
	int interrupted;             /* a Ctrl-C came (or the connection ended) */
	struct dbg d;                /* breakpoints, watchpoints, execution */
	/* framer */
	int fstate, overflow;
	char pkt[RR_GDB_PACKET_MAX + 1];
	size_t plen;
	uint8_t sum, rsum;
	/* input queue */
	uint8_t q[QUEUE_MAX];
	size_t qhead, qlen;
	/* the last packet sent, for '-' */
	char *last;
	size_t lastlen;
	char *xml;
	size_t xmllen;
};

static const char hexd[] = "0123456789abcdef";

/* ---- small strings ---- */

static void sb_put(struct sbuf *b, const void *d, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->n + n + 1)
			c *= 2;
		char *p = realloc(b->p, c);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = c;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = 0;
}
static void sb_str(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
__attribute__((format(printf, 2, 3)))
static void sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static void sb_hex(struct sbuf *b, const void *d, size_t n)
{
	const uint8_t *p = d;
	for (size_t i = 0; i < n; i++) {
		char c[2] = { hexd[p[i] >> 4], hexd[p[i] & 15] };
		sb_put(b, c, 2);
	}
}
static void sb_le64(struct sbuf *b, uint64_t v)
{
	uint8_t d[8];
	for (int i = 0; i < 8; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	sb_hex(b, d, 8);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number at *p (at least one digit, at most 16): 0 and *p past it, or -1. */
static int parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int n = 0;
	for (; hexval(*s) >= 0; s++, n++) {
		if (n == 16)
			return -1;
		x = x << 4 | (uint64_t)hexval(*s);
	}
	if (!n)
		return -1;
	*v = x;
	*p = s;
	return 0;
}

/* n bytes of hex at p into out: 0 or -1. */
static int unhex(const char *p, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int a = hexval(p[2 * i]), b = a < 0 ? -1 : hexval(p[2 * i + 1]);
		if (b < 0)
			return -1;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return 0;
}

static uint64_t le64(const uint8_t *d)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | d[i];
	return v;
}

/* ---- sending ---- */

static void send_raw(rr_gdb *g, const void *d, size_t n)
{
	if (g->ended)
		return;
	if (g->io.write(g->io.opaque, d, n) < 0)
		g->ended = RR_GDB_CLOSED;
}

static void send_packet(rr_gdb *g, const char *data, size_t n)
{
	struct sbuf b = { 0 };
	uint8_t sum = 0;
	sb_put(&b, "$", 1);
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			char e[2] = { '}', (char)(c ^ 0x20) };
			sb_put(&b, e, 2);
			sum += (uint8_t)e[0] + (uint8_t)e[1];
		} else {
			sb_put(&b, &c, 1);
			sum += (uint8_t)c;
		}
	}
	char t[3] = { '#', hexd[sum >> 4], hexd[sum & 15] };
	sb_put(&b, t, 3);
	if (b.oom) {
		free(b.p);
		send_raw(g, "$E0c#d8", 7); /* 0x45 + 0x30 + 0x63 = 0xd8 */
		return;
	}
	send_raw(g, b.p, b.n);
	free(g->last);
	g->last = b.p;
	g->lastlen = b.n;
}

static void reply(rr_gdb *g, const char *s) { send_packet(g, s, strlen(s)); }
static void reply_sb(rr_gdb *g, struct sbuf *b)
{
	if (b->oom)
		reply(g, "E0c");
	else
		send_packet(g, b->p ? b->p : "", b->n);
	free(b->p);
	b->p = NULL;
}
static void reply_err(rr_gdb *g, int code)
{
	char e[4] = { 'E', hexd[(code >> 4) & 15], hexd[code & 15], 0 };
	reply(g, e);
}

/* Registers and memory are not written while recording: the change would not be
 * in the log, and the recording would not replay (gdb says it cannot write). */
static int refuse_write(rr_gdb *g)
{
	struct rr_recording_info ri;
	if (!rr_session_recording_info(g->s, &ri))
		return 0;
	reply(g, "E.rr-run: no writes while recording: the log would not have them");
	return 1;
}

/* Console output for gdb ("O" packets), e.g. the replies of monitor commands. */
static void console(rr_gdb *g, const char *text)
{
	size_t n = strlen(text);
	for (size_t off = 0; off < n; off += 1024) {
		struct sbuf b = { 0 };
		sb_put(&b, "O", 1);
		sb_hex(&b, text + off, n - off < 1024 ? n - off : 1024);
		reply_sb(g, &b);
	}
}

/* ---- the target description ---- */

static const char *const xreg[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3",
	"a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	"t3", "t4", "t5", "t6",
};
static const char *const freg[32] = {
	"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
	"fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
	"fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};
/* gdb numbers a CSR 65 + its address; fflags, frm, fcsr are in the FPU feature. */
#define CSR_REGNUM 65
#define PRIV_REGNUM (CSR_REGNUM + 4096)
static const struct { int csr; const char *name; } csrs[] = {
	{ 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" }, { 0x106, "scounteren" },
	{ 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" }, { 0x143, "stval" },
	{ 0x144, "sip" }, { 0x180, "satp" }, { 0x300, "mstatus" }, { 0x301, "misa" },
	{ 0x302, "medeleg" }, { 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" },
	{ 0x306, "mcounteren" }, { 0x340, "mscratch" }, { 0x341, "mepc" }, { 0x342, "mcause" },
	{ 0x343, "mtval" }, { 0x344, "mip" }, { 0xb00, "mcycle" }, { 0xb02, "minstret" },
	{ 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" }, { 0xf14, "mhartid" },
};

static int build_xml(rr_gdb *g)
{
	struct sbuf b = { 0 };
	sb_str(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		   "<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n"
		   "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
	for (int i = 0; i < 32; i++)
		sb_fmt(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n", xreg[i],
		       i == 1 ? "code_ptr" : i == 2 || i == 8 ? "data_ptr" : "int", i);
	sb_str(&b, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n"
		   "<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
	for (int i = 0; i < 32; i++)
		sb_fmt(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"ieee_double\" regnum=\"%d\"/>\n",
		       freg[i], 33 + i);
	sb_fmt(&b, "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n"
		   "<reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n"
		   "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n</feature>\n"
		   "<feature name=\"org.gnu.gdb.riscv.csr\">\n", CSR_REGNUM + 1, CSR_REGNUM + 2, CSR_REGNUM + 3);
	struct hart *h = machine_hart(g->d.m, 0);
	for (size_t i = 0; i < sizeof csrs / sizeof csrs[0]; i++) {
		uint64_t v;
		if (hart_csr_read(h, csrs[i].csr, &v) == 0)
			sb_fmt(&b, "<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n",
			       csrs[i].name, CSR_REGNUM + csrs[i].csr);
	}
	sb_fmt(&b, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
		   "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n</feature>\n"
		   "</target>\n", PRIV_REGNUM);
	if (b.oom) {
		free(b.p);
		return -1;
	}
	g->xml = b.p;
	g->xmllen = b.n;
	return 0;
}

/* ---- registers ---- */

static struct hart *ghart(rr_gdb *g) { return machine_hart(g->d.m, g->gthread); }

static int csr_known(int csr)
{
	if (csr >= 1 && csr <= 3)
		return 1;
	for (size_t i = 0; i < sizeof csrs / sizeof csrs[0]; i++)
		if (csrs[i].csr == csr)
			return 1;
	return 0;
}

/* Register n of hart h: its size in bytes (8 or 4), or 0 if there is none. */
static int reg_get(struct hart *h, int n, uint64_t *v)
{
	if (n >= 0 && n < 32) {
		*v = h->s.x[n];
		return 8;
	}
	if (n == 32) {
		*v = h->s.pc;
		return 8;
	}
	if (n >= 33 && n < 65) {
		*v = h->s.f[n - 33];
		return 8;
	}
	if (n == PRIV_REGNUM) {
		*v = h->s.priv;
		return 8;
	}
	if (n > CSR_REGNUM && n < PRIV_REGNUM && csr_known(n - CSR_REGNUM)) {
		if (hart_csr_read(h, n - CSR_REGNUM, v) < 0)
			return 0;
		return n - CSR_REGNUM <= 3 ? 4 : 8;
	}
	return 0;
}

static int reg_set(struct hart *h, int n, uint64_t v)
{
	if (n > 0 && n < 32)
		h->s.x[n] = v;
	else if (n == 0)
		; /* x0 stays zero */
	else if (n == 32)
		h->s.pc = v;
	else if (n >= 33 && n < 65)
		h->s.f[n - 33] = v;
	else if (n == PRIV_REGNUM && (v == PRV_U || v == PRV_S || v == PRV_M))
		h->s.priv = (uint32_t)v;
	else if (n > CSR_REGNUM && n < PRIV_REGNUM && csr_known(n - CSR_REGNUM))
		return hart_csr_write(h, n - CSR_REGNUM, v);
	else
		return -1;
	hart_flush_caches(h);
	return 0;
}

/* ---- input and Ctrl-C while running ---- */

static void queue_bytes(rr_gdb *g, const uint8_t *b, size_t n)
{
	if (g->qhead == g->qlen)
		g->qhead = g->qlen = 0;
	for (size_t i = 0; i < n; i++)
		if (g->qlen < QUEUE_MAX)
			g->q[g->qlen++] = b[i];
}

/* Look for a Ctrl-C without waiting (other bytes are kept for later). */
static int poll_interrupt(rr_gdb *g)
{
	uint8_t buf[256];
	int n;
	while (!g->interrupted && (n = g->io.read(g->io.opaque, buf, sizeof buf, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			if (buf[i] == 0x03)
				g->interrupted = 1;
			else
				queue_bytes(g, buf + i, 1);
		}
	}
	if (n < 0 && !g->interrupted) {
		g->ended = RR_GDB_CLOSED;
		g->interrupted = 1;
	}
	return g->interrupted;
}

/* ---- execution ---- */

static int poll_cb(void *opaque) { return poll_interrupt(opaque); }

/* The stop reply for an execution result. */
static void stop_reply(rr_gdb *g, const struct dbg_stop *st)
{
	struct sbuf b = { 0 };
	int hart = st->hart;
	switch (st->ev) {
	case DBG_BREAK: {
		int i = dbg_bp_find(&g->d, machine_hart(g->d.m, hart)->s.pc);
		sb_fmt(&b, "T05thread:%x;", hart + 1);
		if (i >= 0 && g->d.bps[i].hw && !g->d.bps[i].sw && g->hwbreak_ok)
			sb_str(&b, "hwbreak:;");
		else if (g->swbreak_ok)
			sb_str(&b, "swbreak:;");
		break;
	}
	case DBG_WATCH: {
		const struct dbg_wp *w = &g->d.wps[st->wp];
		sb_fmt(&b, "T05thread:%x;%s:%llx;", hart + 1, w->type == DBG_WP_WRITE ? "watch"
		       : w->type == DBG_WP_READ ? "rwatch" : "awatch", (unsigned long long)w->va);
		break;
	}
	case DBG_END:
		if (rr_session_is_live(g->s)) { /* a live guest stopped: gdb sees it exit */
			sb_fmt(&b, "W%02x", machine_exit_code(g->d.m) & 0xff);
			break;
		}
		if (g->d.msg[0]) {
			char msg[700];
			snprintf(msg, sizeof msg, "rr-run: %s\n", g->d.msg);
			console(g, msg);
		}
		sb_fmt(&b, "T05thread:%x;replaylog:end;", hart + 1);
		break;
	case DBG_BEGIN:
		sb_fmt(&b, "T05thread:%x;replaylog:begin;", hart + 1);
		break;
	case DBG_INTR:
		sb_fmt(&b, "T02thread:%x;", hart + 1);
		break;
	case DBG_ERROR: {
		char msg[700];
		snprintf(msg, sizeof msg, "rr-run: %s\n", g->d.msg);
		console(g, msg);
		sb_fmt(&b, "T05thread:%x;", hart + 1);
		break;
	}
	default:
		sb_fmt(&b, "T05thread:%x;", hart + 1);
		break;
	}
	g->gthread = hart; /* gdb takes the reported thread as the current one */
	reply_sb(g, &b);
}

/* c, s, bc, bs: execute and send the stop reply. */
static void resume(rr_gdb *g, int what, int hart)
{
	struct dbg_stop st;
	g->interrupted = 0;
	switch (what) {
	case 'c':
		dbg_continue(&g->d, UINT64_MAX, &st);
		break;
	case 's':
		dbg_step(&g->d, hart, &st);
		break;
	case 'C': /* bc */
		dbg_reverse_continue(&g->d, &st);
		break;
	default: /* bs */
		dbg_reverse_step(&g->d, hart, &st);
		break;
	}
	if (st.ev == DBG_ICOUNT || st.ev == DBG_END || st.ev == DBG_BEGIN || st.ev == DBG_INTR)
		st.hart = hart;
	if (g->ended)
		return;
	stop_reply(g, &st);
}

/* ---- monitor commands (qRcmd) ---- */

static void mon_out(void *opaque, const char *text) { sb_str(opaque, text); }

/* The reply goes to gdb's console in as few O packets as it fits in. */
static void monitor(rr_gdb *g, const char *cmd)
{
	struct sbuf b = { 0 };
	dbg_monitor(&g->d, &g->gthread, cmd, mon_out, &b);
	if (b.p && !b.oom) {
		sb_put(&b, "", 1);
		console(g, b.p);
	}
	free(b.p);
	reply(g, "OK");
}

/* ---- packets ---- */

/* A thread id: -1 all, 0 any, else a hart + 1. 0 and *k (a hart; -1 for all or
 * any: the selected one), or -1. */
static int parse_thread(rr_gdb *g, const char *p, int *k)
{
	if (strcmp(p, "-1") == 0) {
		*k = -1;
		return 0;
	}
	uint64_t t;
	if (parse_hex(&p, &t) < 0 || *p)
		return -1;
	if (t == 0) {
		*k = -1;
		return 0;
	}
	if (t > (uint64_t)machine_nharts(g->d.m))
		return -1;
	*k = (int)t - 1;
	return 0;
}

static void handle_query(rr_gdb *g, char *p)
{
	struct sbuf b = { 0 };
	if (strncmp(p, "qSupported", 10) == 0) {
		g->swbreak_ok = strstr(p, "swbreak+") != NULL;
		g->hwbreak_ok = strstr(p, "hwbreak+") != NULL;
		sb_fmt(&b, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;%s"
			   "vContSupported+;swbreak+;hwbreak+", RR_GDB_PACKET_MAX,
		       rr_session_is_live(g->s) ? "" : "ReverseStep+;ReverseContinue+;");
		reply_sb(g, &b);
	} else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
		char *q = p + 20, *colon = strchr(q, ':');
		uint64_t off, len;
		const char *a = colon ? colon + 1 : NULL;
		if (!colon || parse_hex(&a, &off) < 0 || *a++ != ',' || parse_hex(&a, &len) < 0 || *a) {
			reply_err(g, 1);
			return;
		}
		*colon = 0;
		if (strcmp(q, "target.xml") != 0) {
			reply_err(g, 0);
			return;
		}
		if (len > RR_GDB_PACKET_MAX / 2)
			len = RR_GDB_PACKET_MAX / 2;
		if (off >= g->xmllen) {
			reply(g, "l");
			return;
		}
		size_t n = g->xmllen - off < len ? g->xmllen - off : len;
		sb_put(&b, off + n >= g->xmllen ? "l" : "m", 1);
		sb_put(&b, g->xml + off, n);
		reply_sb(g, &b);
	} else if (strcmp(p, "qfThreadInfo") == 0) {
		sb_put(&b, "m", 1);
		for (int k = 0; k < machine_nharts(g->d.m); k++)
			sb_fmt(&b, "%s%x", k ? "," : "", k + 1);
		reply_sb(g, &b);
	} else if (strcmp(p, "qsThreadInfo") == 0) {
		reply(g, "l");
	} else if (strcmp(p, "qC") == 0) {
		sb_fmt(&b, "QC%x", g->gthread + 1);
		reply_sb(g, &b);
	} else if (strcmp(p, "qAttached") == 0) {
		reply(g, "1");
	} else if (strncmp(p, "qThreadExtraInfo,", 17) == 0) {
		int k;
		if (parse_thread(g, p + 17, &k) < 0 || k < 0) {
			reply_err(g, 1);
			return;
		}
		struct hart *h = machine_hart(g->d.m, k);
		char t[64];
		snprintf(t, sizeof t, "hart %d (%c-mode%s)", k, "US?M"[h->s.priv & 3], h->s.wfi ? ", wfi" : "");
		sb_hex(&b, t, strlen(t));
		reply_sb(g, &b);
	} else if (strncmp(p, "qRcmd,", 6) == 0) {
		size_t n = strlen(p + 6);
		char cmd[RR_GDB_PACKET_MAX / 2 + 1];
		if (n % 2 || unhex(p + 6, n / 2, (uint8_t *)cmd) < 0) {
			reply_err(g, 1);
			return;
		}
		cmd[n / 2] = 0;
		if (strlen(cmd) != n / 2) {
			reply_err(g, 1);
			return;
		}
		monitor(g, cmd);
	} else if (strncmp(p, "qSymbol", 7) == 0) {
		reply(g, "OK");
	} else {
		reply(g, "");
	}
}

static void handle_vcont(rr_gdb *g, const char *p)
{
	/* all-stop: a step action for some thread wins, else continue */
	int step = -1, cont = 0;
	while (*p == ';') {
		p++;
		char a = *p++;
		if (a == 'C' || a == 'S') { /* the signal is ignored: the replay decides */
			uint64_t sig;
			if (parse_hex(&p, &sig) < 0) {
				reply_err(g, 1);
				return;
			}
			a = a == 'C' ? 'c' : 's';
		}
		if (a != 'c' && a != 's') {
			reply_err(g, 1);
			return;
		}
		int k = g->cthread < 0 ? g->gthread : g->cthread;
		if (*p == ':') {
			p++;
			char t[24];
			size_t n = strcspn(p, ";");
			if (n >= sizeof t) {
				reply_err(g, 1);
				return;
			}
			memcpy(t, p, n);
			t[n] = 0;
			p += n;
			if (parse_thread(g, t, &k) < 0) {
				reply_err(g, 1);
				return;
			}
			if (k < 0)
				k = g->gthread;
		}
		if (a == 's' && step < 0)
			step = k;
		else if (a == 'c')
			cont = 1;
	}
	if (*p || (step < 0 && !cont)) {
		reply_err(g, 1);
		return;
	}
	if (step >= 0)
		resume(g, 's', step);
	else
		resume(g, 'c', g->gthread);
}

static void handle_packet(rr_gdb *g, char *p, size_t len)
{
	struct sbuf b = { 0 };
	uint64_t addr, n, v;
	const char *a = p + 1;
	struct hart *h = ghart(g);
	if (strlen(p) != len) { /* a NUL inside */
		reply_err(g, 1);
		return;
	}
	switch (p[0]) {
	case '?':
		sb_fmt(&b, "T05thread:%x;", g->gthread + 1);
		reply_sb(g, &b);
		return;
	case 'g':
		if (p[1])
			break;
		for (int i = 0; i < 65; i++) {
			reg_get(h, i, &v);
			sb_le64(&b, v);
		}
		reply_sb(g, &b);
		return;
	case 'G': {
		if (refuse_write(g))
			return;
		size_t hexn = len - 1;
		if (hexn % 16 || hexn / 16 > 65) {
			reply_err(g, 1);
			return;
		}
		uint8_t d[8 * 65];
		if (unhex(p + 1, hexn / 2, d) < 0) {
			reply_err(g, 1);
			return;
		}
		for (size_t i = 0; i < hexn / 16; i++)
			reg_set(h, (int)i, le64(d + 8 * i));
		reply(g, "OK");
		return;
	}
	case 'p': {
		int sz;
		if (parse_hex(&a, &n) < 0 || *a || n > 100000 || !(sz = reg_get(h, (int)n, &v))) {
			reply_err(g, 1);
			return;
		}
		uint8_t d[8];
		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)(v >> (8 * i));
		sb_hex(&b, d, sz);
		reply_sb(g, &b);
		return;
	}
	case 'P': {
		if (refuse_write(g))
			return;
		uint8_t d[8] = { 0 };
		uint64_t dummy;
		int sz;
		if (parse_hex(&a, &n) < 0 || *a++ != '=' || n > 100000 || !(sz = reg_get(h, (int)n, &dummy)) ||
		    strlen(a) != (size_t)sz * 2 || unhex(a, sz, d) < 0 || reg_set(h, (int)n, le64(d)) < 0) {
			reply_err(g, 1);
			return;
		}
		reply(g, "OK");
		return;
	}
	case 'm': {
		if (parse_hex(&a, &addr) < 0 || *a++ != ',' || parse_hex(&a, &n) < 0 || *a) {
			reply_err(g, 1);
			return;
		}
		if (n > RR_GDB_PACKET_MAX / 2)
			n = RR_GDB_PACKET_MAX / 2;
		uint8_t d[RR_GDB_PACKET_MAX / 2];
		size_t got = dbg_mem(&g->d, h, addr, d, n, 0, 0);
		if (!got && n) {
			reply_err(g, 0x0e);
			return;
		}
		sb_hex(&b, d, got);
		reply_sb(g, &b);
		return;
	}
	case 'M': {
		if (refuse_write(g))
			return;
		if (parse_hex(&a, &addr) < 0 || *a++ != ',' || parse_hex(&a, &n) < 0 || *a++ != ':' ||
		    n > RR_GDB_PACKET_MAX / 2 || strlen(a) != n * 2) {
			reply_err(g, 1);
			return;
		}
		uint8_t d[RR_GDB_PACKET_MAX / 2];
		if (unhex(a, n, d) < 0) {
			reply_err(g, 1);
			return;
		}
		if (dbg_mem(&g->d, h, addr, d, n, 1, 0) != n) {
			reply_err(g, 0x0e);
			return;
		}
		reply(g, "OK");
		return;
	}
	case 'Z':
	case 'z': {
		uint64_t type, kind;
		if (parse_hex(&a, &type) < 0 || *a++ != ',' || parse_hex(&a, &addr) < 0 || *a++ != ',' ||
		    parse_hex(&a, &kind) < 0 || (*a && *a != ';')) {
			reply_err(g, 1);
			return;
		}
		if (type > 4) {
			reply(g, "");
			return;
		}
		int rc;
		if (type <= 1)
			rc = p[0] == 'Z' ? dbg_bp_add(&g->d, addr, type == 1) : dbg_bp_del(&g->d, addr, type == 1);
		else
			rc = p[0] == 'Z' ? dbg_wp_add(&g->d, h, (int)type, addr, kind)
					 : dbg_wp_del(&g->d, (int)type, addr, kind);
		if (rc < 0)
			reply_err(g, rc == -2 ? 0x0e : 0x1c);
		else
			reply(g, "OK");
		return;
	}
	case 'H': {
		int k;
		if ((p[1] != 'g' && p[1] != 'c') || parse_thread(g, p + 2, &k) < 0) {
			reply_err(g, 1);
			return;
		}
		if (p[1] == 'g')
			g->gthread = k < 0 ? g->gthread : k;
		else
			g->cthread = k;
		reply(g, "OK");
		return;
	}
	case 'T': {
		int k;
		if (parse_thread(g, p + 1, &k) < 0 || k < 0)
			reply_err(g, 1);
		else
			reply(g, "OK");
		return;
	}
	case 'c':
	case 's':
		if (p[1]) { /* an address to resume at: not for a replay */
			reply_err(g, 1);
			return;
		}
		resume(g, p[0], p[0] == 's' && g->cthread >= 0 ? g->cthread : g->gthread);
		return;
	case 'b':
		if ((p[1] == 's' || p[1] == 'c') && !p[2]) {
			resume(g, p[1] == 's' ? 'S' : 'C', g->cthread >= 0 ? g->cthread : g->gthread);
			return;
		}
		break;
	case 'q':
		handle_query(g, p);
		return;
	case 'Q':
		if (strcmp(p, "QStartNoAckMode") == 0) {
			reply(g, "OK");
			g->noack = 1;
			return;
		}
		break;
	case 'v':
		if (strcmp(p, "vCont?") == 0) {
			reply(g, "vCont;c;C;s;S");
			return;
		}
		if (strncmp(p, "vCont;", 6) == 0) {
			handle_vcont(g, p + 5);
			return;
		}
		if (strncmp(p, "vKill", 5) == 0) {
			reply(g, "OK");
			g->ended = RR_GDB_KILLED;
			return;
		}
		break;
	case 'D':
		reply(g, "OK");
		g->ended = RR_GDB_DETACHED;
		return;
	case 'k':
		g->ended = RR_GDB_KILLED;
		return;
	default:
		break;
	}
	reply(g, "");
}

/* ---- the framer ---- */

static void byte_in(rr_gdb *g, uint8_t c)
{
	switch (g->fstate) {
	case F_IDLE:
		if (c == '$') {
			g->fstate = F_DATA;
			g->plen = 0;
			g->sum = 0;
			g->overflow = 0;
		} else if (c == '-' && g->last && !g->noack) {
			send_raw(g, g->last, g->lastlen);
		}
		/* '+', 0x03 while stopped and any other garbage: ignored */
		return;
	case F_DATA:
		if (c == '#') {
			g->fstate = F_CS1;
		} else if (c == '$') { /* a truncated packet, then a new one */
			if (!g->noack)
				send_raw(g, "-", 1);
			g->plen = 0;
			g->sum = 0;
			g->overflow = 0;
		} else {
			g->sum += c;
			if (g->plen < RR_GDB_PACKET_MAX)
				g->pkt[g->plen++] = (char)c;
			else
				g->overflow = 1;
		}
		return;
	case F_CS1:
		if (hexval(c) < 0) {
			g->fstate = F_IDLE;
			if (!g->noack)
				send_raw(g, "-", 1);
			return;
		}
		g->rsum = (uint8_t)(hexval(c) << 4);
		g->fstate = F_CS2;
		return;
	default:
		g->fstate = F_IDLE;
		if (hexval(c) < 0 || (uint8_t)(g->rsum | hexval(c)) != g->sum) {
			if (!g->noack)
				send_raw(g, "-", 1);
			return;
		}
		if (!g->noack)
			send_raw(g, "+", 1);
		if (g->overflow) {
			reply_err(g, 0x22);
			return;
		}
		g->pkt[g->plen] = 0;
		handle_packet(g, g->pkt, g->plen);
		return;
	}
}

int rr_gdb_feed(rr_gdb *g, const uint8_t *buf, size_t len)
{
	queue_bytes(g, buf, len);
	while (!g->ended && g->qhead < g->qlen)
		byte_in(g, g->q[g->qhead++]);
	if (g->qhead == g->qlen)
		g->qhead = g->qlen = 0;
	return g->ended;
}

int rr_gdb_serve(rr_gdb *g)
{
	uint8_t buf[4096];
	while (!g->ended) {
		int n = g->io.read(g->io.opaque, buf, sizeof buf, -1);
		if (n < 0)
			return g->ended = RR_GDB_CLOSED;
		rr_gdb_feed(g, buf, (size_t)n);
	}
	return g->ended;
}

int rr_gdb_muted(const rr_gdb *g) { return g && g->d.mute; }

rr_gdb *rr_gdb_new(rr_session *s, const struct rr_gdb_io *io)
{
	rr_gdb *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->s = s;
	g->io = *io;
	g->cthread = -1;
	dbg_init(&g->d, s);
	g->d.under_gdb = 1;
	g->d.watch_before = 1;
	g->d.poll = poll_cb;
	g->d.poll_opaque = g;
	if (!g->d.m || build_xml(g) < 0) {
		free(g);
		return NULL;
	}
	return g;
}

void rr_gdb_free(rr_gdb *g)
{
	if (!g)
		return;
	dbg_fini(&g->d);
	free(g->last);
	free(g->xml);
	free(g);
}
