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
#include "emu/hart.h"
#include "emu/physmem.h"

#define SLICE (1ull << 20)           /* instructions between polls for Ctrl-C */
#define QUEUE_MAX (64 * 1024)        /* input bytes held while the target runs */
#define MAX_BP 32

enum { F_IDLE, F_DATA, F_CS1, F_CS2 };

struct bp {
	uint64_t addr;
	int sw, hw;                  /* Z0 / Z1 references */
};

struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

struct rr_gdb {
	rr_session *s;
	struct machine *m;
	struct rr_gdb_io io;
	int noack, swbreak_ok, hwbreak_ok, ended;
	int gthread, cthread;        /* hart index; cthread -1: all */
	int stop_hart;               /* the hart last reported stopped at a breakpoint, or -1 */
	int at_end;                  /* the last run ended the log here (icount end_icount) */
	uint64_t end_icount;
	int interrupted;
	int mute;                    /* going over instructions already gone past */
	uint64_t high;               /* the highest icount reached */
	struct bp bps[MAX_BP];
	int nbp;
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
	struct hart *h = machine_hart(g->m, 0);
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

static struct hart *ghart(rr_gdb *g) { return machine_hart(g->m, g->gthread); }

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

/* ---- memory through the hart's MMU ---- */

/* Translate va as the hart's code sees it (without permission checks and without
 * touching A/D bits): 0 and *pa, or -1. */
static int va2pa(struct hart *h, uint64_t va, uint64_t *pa)
{
	uint64_t mode = h->s.satp >> 60;
	if (h->s.priv == PRV_M || mode == 0) {
		*pa = va;
		return 0;
	}
	int levels = mode == 8 ? 3 : mode == 9 ? 4 : 0;
	if (!levels)
		return -1;
	int vbits = 12 + 9 * levels;
	int64_t top = (int64_t)va >> (vbits - 1);
	if (top != 0 && top != -1)
		return -1;
	uint64_t a = (h->s.satp & ((1ull << 44) - 1)) << 12;
	for (int i = levels - 1; i >= 0; i--) {
		uint64_t pte, idx = (va >> (12 + 9 * i)) & 511;
		if (physmem_dma_read(h->pm, a + idx * 8, &pte, 8) < 0)
			return -1;
		if (!(pte & 1) || ((pte & 6) == 4))
			return -1;
		uint64_t ppa = ((pte >> 10) & ((1ull << 44) - 1)) << 12;
		if (pte & 0xa) { /* R or X: a leaf */
			uint64_t mask = (1ull << (12 + 9 * i)) - 1;
			*pa = (ppa & ~mask) | (va & mask);
			return 0;
		}
		a = ppa;
	}
	return -1;
}

/* Copy between gdb and guest memory page by page: the bytes done. */
static size_t mem_access(rr_gdb *g, uint64_t va, uint8_t *buf, size_t len, int write)
{
	struct hart *h = ghart(g);
	size_t done = 0;
	while (done < len) {
		uint64_t a = va + done, pa;
		size_t chunk = 4096 - (a & 4095);
		if (chunk > len - done)
			chunk = len - done;
		if (va2pa(h, a, &pa) < 0)
			break;
		int rc = write ? physmem_dma_write(h->pm, pa, buf + done, chunk)
			       : physmem_dma_read(h->pm, pa, buf + done, chunk);
		if (rc < 0)
			break;
		done += chunk;
	}
	if (write && done)
		for (int i = 0; i < machine_nharts(g->m); i++)
			hart_flush_caches(machine_hart(g->m, i));
	return done;
}

/* ---- breakpoints ---- */

static int bp_find(rr_gdb *g, uint64_t addr)
{
	for (int i = 0; i < g->nbp; i++)
		if (g->bps[i].addr == addr)
			return i;
	return -1;
}

static int bp_add(rr_gdb *g, uint64_t addr, int hw)
{
	int i = bp_find(g, addr);
	if (i < 0) {
		if (g->nbp == MAX_BP)
			return -1;
		for (int k = 0; k < machine_nharts(g->m); k++)
			if (hart_add_breakpoint(machine_hart(g->m, k), addr) < 0) {
				for (int j = 0; j < k; j++)
					hart_del_breakpoint(machine_hart(g->m, j), addr);
				return -1;
			}
		i = g->nbp++;
		g->bps[i] = (struct bp){ .addr = addr };
	}
	if (hw)
		g->bps[i].hw = 1;
	else
		g->bps[i].sw = 1;
	return 0;
}

static int bp_del(rr_gdb *g, uint64_t addr, int hw)
{
	int i = bp_find(g, addr);
	if (i < 0)
		return 0; /* gdb may remove what it never inserted: fine */
	if (hw)
		g->bps[i].hw = 0;
	else
		g->bps[i].sw = 0;
	if (g->bps[i].hw || g->bps[i].sw)
		return 0;
	for (int k = 0; k < machine_nharts(g->m); k++)
		hart_del_breakpoint(machine_hart(g->m, k), addr);
	g->bps[i] = g->bps[--g->nbp];
	return 0;
}

/* The hart that stopped at a breakpoint: one whose pc is at one, preferring one that
 * executed something in the run (before[] = the instret of each hart before it). */
static int break_hart(rr_gdb *g, const uint64_t *before)
{
	int any = -1;
	for (int k = 0; k < machine_nharts(g->m); k++) {
		struct hart *h = machine_hart(g->m, k);
		if (bp_find(g, h->s.pc) < 0)
			continue;
		if (before && h->s.instret != before[k])
			return k;
		if (any < 0)
			any = k;
	}
	return any < 0 ? 0 : any;
}

static void clear_skips(rr_gdb *g)
{
	for (int k = 0; k < machine_nharts(g->m); k++)
		machine_hart(g->m, k)->skip_break_once = 0;
}

/* A resumption passes the breakpoint the reported hart stopped at. */
static void resume_skip(rr_gdb *g)
{
	clear_skips(g);
	int k = g->stop_hart;
	if (k >= 0 && k < machine_nharts(g->m) && bp_find(g, machine_hart(g->m, k)->s.pc) >= 0)
		machine_hart(g->m, k)->skip_break_once = 1;
}

static void snap_instret(rr_gdb *g, uint64_t *v)
{
	for (int k = 0; k < machine_nharts(g->m); k++)
		v[k] = machine_hart(g->m, k)->s.instret;
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

enum { EV_ICOUNT, EV_BREAK, EV_END, EV_INTR, EV_BEGIN, EV_ERROR };

static uint64_t first_icount(rr_gdb *g)
{
	const struct rrlog_snapshot_ref *list;
	size_t n;
	if (rr_session_snapshots(g->s, &list, &n) == RR_OK && n)
		return list[0].icount;
	return 0;
}

static void went(rr_gdb *g)
{
	uint64_t now = rr_session_icount(g->s);
	if (now > g->high)
		g->high = now;
}

static int seek(rr_gdb *g, uint64_t icount)
{
	g->at_end = 0;
	g->mute = 1;
	int rc = rr_session_seek(g->s, icount);
	went(g);
	clear_skips(g);
	return rc;
}

/* The end of the log was reached here (or the replay failed: said on the console). */
static int ended(rr_gdb *g, int rc)
{
	g->at_end = 1;
	g->end_icount = rr_session_icount(g->s);
	if (rc != RR_OK) {
		char msg[600];
		snprintf(msg, sizeof msg, "rr-run: replay stopped: %s\n", rr_session_errmsg(g->s));
		console(g, msg);
	}
	return EV_END;
}

static int at_end(rr_gdb *g)
{
	return g->at_end && rr_session_icount(g->s) == g->end_icount;
}

/* Run forward to limit (UINT64_MAX: the end), a breakpoint, the end or a Ctrl-C,
 * polling for Ctrl-C every SLICE instructions. *bh: the hart at the breakpoint. */
static int run_forward(rr_gdb *g, uint64_t limit, int *bh)
{
	uint64_t before[MACHINE_MAX_HARTS];
	for (;;) {
		if (at_end(g))
			return EV_END;
		uint64_t now = rr_session_icount(g->s);
		if (now >= limit)
			return EV_ICOUNT;
		uint64_t to = limit - now > SLICE ? now + SLICE : limit;
		if (now < g->high && to > g->high)
			to = g->high; /* up to where the output was printed, quietly */
		g->mute = now < g->high;
		int stop;
		snap_instret(g, before);
		int rc = rr_session_run(g->s, to, &stop);
		went(g);
		if (rc != RR_OK || stop == RR_STOP_END || stop == RR_STOP_EXIT || stop == RR_STOP_HOST)
			return ended(g, rc);
		if (stop == RR_STOP_BREAK) {
			*bh = break_hart(g, before);
			return EV_BREAK;
		}
		if (poll_interrupt(g))
			return EV_INTR;
	}
}

/* Step hart k by one of its instructions (the others run meanwhile as recorded). */
static int step_hart(rr_gdb *g, int k, int *bh)
{
	struct hart *h = machine_hart(g->m, k);
	uint64_t start = h->s.instret, before[MACHINE_MAX_HARTS];
	for (uint64_t n = 0; h->s.instret == start; n++) {
		if (at_end(g))
			return EV_END;
		if ((n & 4095) == 4095 && poll_interrupt(g))
			return EV_INTR;
		int stop;
		snap_instret(g, before);
		g->mute = rr_session_icount(g->s) < g->high;
		int rc = rr_session_run(g->s, rr_session_icount(g->s) + 1, &stop);
		went(g);
		if (rc != RR_OK || stop == RR_STOP_END || stop == RR_STOP_EXIT || stop == RR_STOP_HOST)
			return ended(g, rc);
		if (stop == RR_STOP_BREAK) {
			*bh = break_hart(g, before);
			return EV_BREAK;
		}
	}
	return EV_ICOUNT;
}

/* Back to the point just before hart k executed its last instruction: the latest
 * icount T < now where its instret is one less than now. */
static int reverse_step(rr_gdb *g, int k)
{
	struct hart *h = machine_hart(g->m, k);
	uint64_t now = rr_session_icount(g->s), first = first_icount(g);
	uint64_t cur = h->s.instret;
	if (now <= first)
		return EV_BEGIN;
	/* widen the window backwards until the hart's count is below cur, then halve it */
	uint64_t hi = now, lo, back = 1;
	for (;;) {
		lo = now - back < first || now - back > now ? first : now - back;
		if (seek(g, lo) != RR_OK)
			return EV_ERROR;
		if (h->s.instret < cur)
			break;
		if (lo == first)
			return EV_BEGIN; /* nothing before: stay at the first instruction */
		hi = lo;
		back *= 2;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (seek(g, mid) != RR_OK)
			return EV_ERROR;
		if (h->s.instret < cur)
			lo = mid;
		else
			hi = mid;
	}
	if (rr_session_icount(g->s) != lo && seek(g, lo) != RR_OK)
		return EV_ERROR;
	return EV_ICOUNT;
}

/* The last breakpoint hit before now, one snapshot interval at a time. */
static int reverse_continue(rr_gdb *g, int *bh)
{
	const struct rrlog_snapshot_ref *list;
	size_t n;
	uint64_t orig = rr_session_icount(g->s), hi = orig;
	if (rr_session_snapshots(g->s, &list, &n) != RR_OK || !n)
		return EV_ERROR;
	while (hi > list[0].icount) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (list[i].icount < hi)
				k = i;
		uint64_t t0 = list[k].icount;
		if (seek(g, t0) != RR_OK)
			return EV_ERROR;
		uint64_t last = UINT64_MAX;
		int lasthart = 0, hart = 0;
		for (;;) {
			int ev = run_forward(g, hi, &hart);
			if (ev == EV_BREAK) {
				last = rr_session_icount(g->s);
				lasthart = hart;
				clear_skips(g);
				machine_hart(g->m, hart)->skip_break_once = 1;
				continue;
			}
			if (ev == EV_INTR) {
				g->interrupted = 0;
				if (seek(g, orig) != RR_OK)
					return EV_ERROR;
				return g->ended ? EV_ERROR : EV_INTR;
			}
			break; /* EV_ICOUNT at hi, or the end */
		}
		if (last != UINT64_MAX) {
			if (seek(g, last) != RR_OK)
				return EV_ERROR;
			*bh = lasthart;
			return EV_BREAK;
		}
		hi = t0;
	}
	if (rr_session_icount(g->s) != list[0].icount && seek(g, list[0].icount) != RR_OK)
		return EV_ERROR;
	return EV_BEGIN;
}

/* The stop reply for an execution result. */
static void stop_reply(rr_gdb *g, int ev, int hart)
{
	struct sbuf b = { 0 };
	g->stop_hart = -1;
	switch (ev) {
	case EV_BREAK: {
		int i = bp_find(g, machine_hart(g->m, hart)->s.pc);
		sb_fmt(&b, "T05thread:%x;", hart + 1);
		if (i >= 0 && g->bps[i].hw && !g->bps[i].sw && g->hwbreak_ok)
			sb_str(&b, "hwbreak:;");
		else if (g->swbreak_ok)
			sb_str(&b, "swbreak:;");
		g->stop_hart = hart;
		g->gthread = hart;
		break;
	}
	case EV_END:
		sb_fmt(&b, "T05thread:%x;replaylog:end;", hart + 1);
		break;
	case EV_BEGIN:
		sb_fmt(&b, "T05thread:%x;replaylog:begin;", hart + 1);
		break;
	case EV_INTR:
		sb_fmt(&b, "T02thread:%x;", hart + 1);
		break;
	case EV_ERROR: {
		char msg[600];
		snprintf(msg, sizeof msg, "rr-run: %s\n", rr_session_errmsg(g->s));
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
	int bh = hart, ev;
	g->interrupted = 0;
	switch (what) {
	case 'c':
		resume_skip(g);
		ev = run_forward(g, UINT64_MAX, &bh);
		break;
	case 's':
		resume_skip(g);
		ev = step_hart(g, hart, &bh);
		break;
	case 'C': /* bc */
		ev = reverse_continue(g, &bh);
		break;
	default: /* bs */
		ev = reverse_step(g, hart);
		break;
	}
	if (ev == EV_ICOUNT || ev == EV_END || ev == EV_BEGIN || ev == EV_INTR)
		bh = hart;
	if (g->ended)
		return;
	stop_reply(g, ev, bh);
}

/* ---- monitor commands (qRcmd) ---- */

static void monitor(rr_gdb *g, const char *cmd)
{
	char out[1024];
	while (*cmd == ' ')
		cmd++;
	if (strcmp(cmd, "info replay") == 0 || strcmp(cmd, "when") == 0) {
		struct rrlog_event ev;
		const struct rrlog_snapshot_ref *list;
		size_t n = 0;
		if (rr_session_snapshots(g->s, &list, &n) != RR_OK)
			n = 0;
		int have = rr_session_next_event(g->s, &ev);
		if (strcmp(cmd, "when") == 0)
			snprintf(out, sizeof out, "icount=%llu\n", (unsigned long long)rr_session_icount(g->s));
		else
			snprintf(out, sizeof out, "mode=replay icount=%llu first=%llu snapshots=%zu%s "
				 "next_event=%s next_icount=%llu\n",
				 (unsigned long long)rr_session_icount(g->s),
				 (unsigned long long)(n ? list[0].icount : 0), n,
				 at_end(g) ? " at_end=1" : "",
				 have ? rrlog_kind_name(ev.kind) : "none",
				 have ? (unsigned long long)ev.icount : 0ull);
		console(g, out);
		reply(g, "OK");
		return;
	}
	if (strncmp(cmd, "replay_seek", 11) == 0 && (cmd[11] == ' ' || !cmd[11])) {
		uint64_t ic;
		const char *a = cmd + 11;
		while (*a == ' ')
			a++;
		if (rr_parse_icount(a, &ic) < 0) {
			console(g, "replay_seek N: N is an instruction count (decimal or 1.2e9)\n");
			reply(g, "OK");
			return;
		}
		if (seek(g, ic) != RR_OK)
			snprintf(out, sizeof out, "replay_seek: %s\n", rr_session_errmsg(g->s));
		else
			snprintf(out, sizeof out, "icount=%llu (gdb: maintenance flush register-cache)\n",
				 (unsigned long long)rr_session_icount(g->s));
		g->stop_hart = -1;
		console(g, out);
		reply(g, "OK");
		return;
	}
	if (strcmp(cmd, "help") == 0 || !*cmd) {
		console(g, "monitor commands: info replay | when | replay_seek N | help\n");
		reply(g, "OK");
		return;
	}
	snprintf(out, sizeof out, "unknown monitor command '%.200s' (try: monitor help)\n", cmd);
	console(g, out);
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
	if (t > (uint64_t)machine_nharts(g->m))
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
		sb_fmt(&b, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;ReverseStep+;"
			   "ReverseContinue+;vContSupported+;swbreak+;hwbreak+", RR_GDB_PACKET_MAX);
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
		for (int k = 0; k < machine_nharts(g->m); k++)
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
		struct hart *h = machine_hart(g->m, k);
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
		size_t got = mem_access(g, addr, d, n, 0);
		if (!got && n) {
			reply_err(g, 0x0e);
			return;
		}
		sb_hex(&b, d, got);
		reply_sb(g, &b);
		return;
	}
	case 'M': {
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
		if (mem_access(g, addr, d, n, 1) != n) {
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
		if (type > 1) {
			reply(g, ""); /* watchpoints: not yet */
			return;
		}
		int rc = p[0] == 'Z' ? bp_add(g, addr, type == 1) : bp_del(g, addr, type == 1);
		if (rc < 0)
			reply_err(g, 0x1c);
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

int rr_gdb_muted(const rr_gdb *g) { return g && g->mute; }

rr_gdb *rr_gdb_new(rr_session *s, const struct rr_gdb_io *io)
{
	rr_gdb *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->s = s;
	g->m = rr_session_machine(s);
	g->io = *io;
	g->cthread = -1;
	g->stop_hart = -1;
	g->high = rr_session_icount(s);
	if (!g->m || build_xml(g) < 0) {
		free(g);
		return NULL;
	}
	return g;
}

void rr_gdb_free(rr_gdb *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nbp; i++)
		for (int k = 0; k < machine_nharts(g->m); k++)
			hart_del_breakpoint(machine_hart(g->m, k), g->bps[i].addr);
	clear_skips(g);
	free(g->last);
	free(g->xml);
	free(g);
}
