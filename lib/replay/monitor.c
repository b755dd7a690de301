/* monitor: the replay's command language (debug.h), for `rr-run --monitor` and for
 * gdb's `monitor CMD` (qRcmd).
 *
 * One command a line; words separated by blanks; numbers are decimal, 0x hex, or
 * icounts in the rr_parse_icount forms (1.2e9); an address may also be $pc, $sp or
 * any register name. Replies are whole lines, key=value where they report state,
 * so scripts can grep them; an error line starts with the command's name and says
 * why. Nothing here prints or exits: text goes to the caller's out(). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/debug.h"
#include "rrlog/rrlog.h"
#include "replay/internal.h"
#include "emu/virtio.h"
#include <linux/input-event-codes.h>

struct mon {
	struct dbg *d;
	int *hart;
	dbg_out_fn *out;
	void *opaque;
};

static void say(struct mon *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->out(c->opaque, buf);
}

static const char *const abi[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
	"a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	"t3", "t4", "t5", "t6",
};

static struct hart *cur_hart(struct mon *c) { return machine_hart(c->d->m, *c->hart); }

/* A number (decimal, 0x hex, or 1.5e9) or a register of the selected hart ($pc,
 * $sp, $a0, $x5): 0 and *v, or -1. */
static int parse_value(struct mon *c, const char *a, uint64_t *v)
{
	if (*a == '$') {
		struct hart *h = cur_hart(c);
		a++;
		if (strcmp(a, "pc") == 0) {
			*v = h->s.pc;
			return 0;
		}
		for (int i = 0; i < 32; i++) {
			char xn[8];
			snprintf(xn, sizeof xn, "x%d", i);
			if (strcmp(a, abi[i]) == 0 || strcmp(a, xn) == 0 || (i == 8 && strcmp(a, "fp") == 0)) {
				*v = h->s.x[i];
				return 0;
			}
		}
		return -1;
	}
	if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
		char *end;
		if (!isxdigit((unsigned char)a[2]))
			return -1;
		*v = strtoull(a + 2, &end, 16);
		return *end ? -1 : 0;
	}
	return rr_parse_icount(a, v) < 0 ? -1 : 0;
}

/* ---- reports ---- */

static const char *ev_name(int ev)
{
	switch (ev) {
	case DBG_BREAK: return "breakpoint";
	case DBG_WATCH: return "watchpoint";
	case DBG_END: return "end";
	case DBG_BEGIN: return "begin";
	case DBG_INTR: return "interrupted";
	case DBG_ERROR: return "error";
	default: return "icount";
	}
}

static void report_stop(struct mon *c, const struct dbg_stop *st)
{
	struct dbg *d = c->d;
	struct hart *h = machine_hart(d->m, st->hart);
	if (st->ev == DBG_ERROR) {
		say(c, "error: %s\n", d->msg);
		return;
	}
	char extra[160] = "";
	if (st->ev == DBG_WATCH) {
		const struct dbg_wp *w = &d->wps[st->wp];
		snprintf(extra, sizeof extra, " kind=%s addr=0x%llx",
			 dbg_wp_name(w->type),
			 (unsigned long long)w->va);
	}
	say(c, "stopped reason=%s%s hart=%d pc=0x%llx icount=%llu\n", ev_name(st->ev), extra,
	    st->hart, (unsigned long long)h->s.pc, (unsigned long long)rr_session_icount(d->s));
	if (st->ev == DBG_END && d->msg[0])
		say(c, "%s\n", d->msg);
	if (st->ev != DBG_ICOUNT && st->ev != DBG_END && st->ev != DBG_BEGIN && st->ev != DBG_INTR)
		*c->hart = st->hart;
}

static void info_replay(struct mon *c)
{
	struct dbg *d = c->d;
	struct rrlog_event ev;
	const struct rrlog_snapshot_ref *list;
	size_t n = 0;
	if (rr_session_snapshots(d->s, &list, &n) != RR_OK)
		n = 0;
	int have = rr_session_next_event(d->s, &ev);
	char brk[40] = "";
	if (d->icount_break != UINT64_MAX)
		snprintf(brk, sizeof brk, " replay_break=%llu", (unsigned long long)d->icount_break);
	struct rr_recording_info ri;
	char mode[96] = "mode=replay";
	if (rr_session_is_live(d->s))
		snprintf(mode, sizeof mode, "mode=live");
	else if (rr_session_recording_info(d->s, &ri))
		snprintf(mode, sizeof mode, "mode=record frontier=%llu behind=%d%s",
			 (unsigned long long)ri.frontier, ri.behind, ri.ended ? " ended=1" : "");
	say(c, "%s icount=%llu first=%llu snapshots=%zu hart=%d%s next_event=%s next_icount=%llu%s\n",
	    mode, (unsigned long long)rr_session_icount(d->s), (unsigned long long)(n ? list[0].icount : 0), n,
	    *c->hart, dbg_at_end(d) ? " at_end=1" : "", have ? rrlog_kind_name(ev.kind) : "none",
	    have ? (unsigned long long)ev.icount : 0ull, brk);
}

static void info_registers(struct mon *c, int k)
{
	struct hart *h = machine_hart(c->d->m, k);
	say(c, "hart=%d pc=0x%016llx priv=%c icount=%llu instret=%llu%s\n", k,
	    (unsigned long long)h->s.pc, "US?M"[h->s.priv & 3],
	    (unsigned long long)rr_session_icount(c->d->s), (unsigned long long)h->s.instret,
	    h->s.wfi ? " wfi=1" : "");
	for (int i = 0; i < 32; i += 4) {
		char line[256];
		int o = 0;
		for (int j = i; j < i + 4; j++)
			o += snprintf(line + o, sizeof line - o, "%sx%d/%s=0x%016llx", j > i ? " " : "", j,
				      abi[j], (unsigned long long)h->s.x[j]);
		say(c, "%s\n", line);
	}
	static const struct { int csr; const char *name; } csr[] = {
		{ 0x300, "mstatus" }, { 0x305, "mtvec" }, { 0x341, "mepc" }, { 0x342, "mcause" },
		{ 0x343, "mtval" }, { 0x304, "mie" }, { 0x344, "mip" }, { 0x180, "satp" },
		{ 0x105, "stvec" }, { 0x141, "sepc" }, { 0x142, "scause" }, { 0x143, "stval" },
	};
	char line[512];
	int o = 0;
	for (size_t i = 0; i < sizeof csr / sizeof csr[0]; i++) {
		uint64_t v = 0;
		hart_csr_read(h, csr[i].csr, &v);
		o += snprintf(line + o, sizeof line - o, "%s%s=0x%llx", i % 4 ? " " : "", csr[i].name,
			      (unsigned long long)v);
		if (i % 4 == 3) {
			say(c, "%s\n", line);
			o = 0;
		}
	}
}

static void info_breakpoints(struct mon *c)
{
	struct dbg *d = c->d;
	if (!d->nbp && !d->nwp && d->icount_break == UINT64_MAX)
		say(c, "no breakpoints or watchpoints\n");
	for (int i = 0; i < d->nbp; i++)
		say(c, "breakpoint addr=0x%llx\n", (unsigned long long)d->bps[i].addr);
	for (int i = 0; i < d->nwp; i++)
		say(c, "watchpoint kind=%s addr=0x%llx len=%llu pa=0x%llx\n",
		    dbg_wp_name(d->wps[i].type),
		    (unsigned long long)d->wps[i].va, (unsigned long long)d->wps[i].len,
		    (unsigned long long)d->wps[i].pa[0]);
	if (d->icount_break != UINT64_MAX)
		say(c, "replay_break icount=%llu\n", (unsigned long long)d->icount_break);
}

static void info_snapshots(struct mon *c)
{
	struct dbg *d = c->d;
	const struct rrlog_snapshot_ref *list;
	size_t n = 0;
	if (rr_session_snapshots(d->s, &list, &n) != RR_OK) {
		say(c, "info snapshots: %s\n", rr_session_errmsg(d->s));
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		say(c, "log_snapshot index=%zu icount=%llu\n", i, (unsigned long long)list[i].icount);
	for (int i = 0; i < d->nsaved; i++)
		say(c, "savevm name=%s icount=%llu\n", d->saved[i].name,
		    (unsigned long long)rr_state_icount(d->saved[i].st));
}

/* One event as rr-dump prints it, on one line. */
static void event_line(const struct rrlog_event *ev, char *line, size_t len)
{
	rrlog_format_event(ev, 0, line, len);
	line[strcspn(line, "\n")] = 0;
}

/* Print the last n events of [from, now) as "past" (kept in a ring while reading:
 * one pass), then "now", then the next n events. 1 if there were at least n past
 * events (or from is the start), else 0 and nothing printed. */
static int events_from(struct mon *c, const char *path, uint64_t from, uint64_t now, uint64_t n,
		       int first)
{
	rrlog_reader *r = NULL;
	char (*ring)[512] = n ? malloc(n * sizeof *ring) : NULL;
	if ((n && !ring) || rrlog_reader_open(path, &r) < 0 || rrlog_reader_seek(r, from) < 0) {
		say(c, "replay_events: %s: %s\n", path, !r ? "out of memory" : rrlog_reader_errmsg(r));
		rrlog_reader_close(r);
		free(ring);
		return 1;
	}
	rrlog_reader_skip_data(r, 1u << RRLOG_SNAPSHOT);
	struct rrlog_event ev;
	uint64_t past = 0, ahead = 0;
	int rc;
	while ((rc = rrlog_reader_next(r, &ev)) == 1 && ev.icount < now) {
		if (n)
			event_line(&ev, ring[past % n], sizeof ring[0]);
		past++;
	}
	if (past < n && !first) {
		rrlog_reader_close(r);
		free(ring);
		return 0;
	}
	for (uint64_t i = past - (past < n ? past : n); i < past; i++)
		say(c, "past %s\n", ring[i % n]);
	if (rc == 1)
		say(c, "now icount=%llu\n", (unsigned long long)now);
	else
		say(c, "now icount=%llu (no events after it)\n", (unsigned long long)now);
	char line[512];
	for (; rc == 1 && ahead < n; ahead++) {
		event_line(&ev, line, sizeof line);
		say(c, "next %s\n", line);
		rc = rrlog_reader_next(r, &ev);
	}
	if (rc < 0 && rc != RRLOG_ETRUNCATED)
		say(c, "replay_events: %s\n", rrlog_reader_errmsg(r));
	rrlog_reader_close(r);
	free(ring);
	return 1;
}

/* Events of the log around the current point: the last n before it (going back
 * one snapshot interval at a time until there are n, 64 at most) and the next n. */
static void replay_events(struct mon *c, uint64_t n)
{
	struct dbg *d = c->d;
	const char *path = rr_session_path(d->s);
	const struct rrlog_snapshot_ref *list;
	size_t ns = 0;
	if (!path || strcmp(path, "-") == 0 || rr_session_snapshots(d->s, &list, &ns) != RR_OK || !ns) {
		say(c, "replay_events: the log cannot be read again (a pipe?)\n");
		return;
	}
	uint64_t now = rr_session_icount(d->s);
	size_t k = 0;
	for (size_t i = 0; i < ns; i++)
		if (list[i].icount < now)
			k = i;
	for (size_t j = k, tries = 0;; j--, tries++)
		if (events_from(c, path, list[j].icount, now, n, j == 0 || tries == 64) || j == 0)
			break;
}

/* x/FMT ADDR and xp/FMT ADDR: FMT = [count][x|d|u|c][b|h|w|g] (as gdb and QEMU). */
static void examine(struct mon *c, const char *cmd, const char *fmt, const char *addr)
{
	int phys = cmd[1] == 'p';
	uint64_t count = 1, a;
	int size = 4, form = 'x';
	if (fmt) {
		char *end;
		if (isdigit((unsigned char)*fmt)) {
			count = strtoull(fmt, &end, 10);
			fmt = end;
		}
		for (; *fmt; fmt++) {
			if (strchr("xduc", *fmt))
				form = *fmt;
			else if (strchr("bhwg", *fmt))
				size = *fmt == 'b' ? 1 : *fmt == 'h' ? 2 : *fmt == 'w' ? 4 : 8;
			else {
				say(c, "%s: bad format '%c' (count, then x d u c, then b h w g)\n", cmd, *fmt);
				return;
			}
		}
	}
	if (!addr || parse_value(c, addr, &a) < 0) {
		say(c, "%s: usage: %s/FMT ADDR (ADDR: a number or $reg)\n", cmd, cmd);
		return;
	}
	if (count == 0 || count > 4096) {
		say(c, "%s: count must be 1 to 4096\n", cmd);
		return;
	}
	if (form == 'c')
		size = 1;
	uint8_t buf[8];
	int per = 16 / size;
	char line[256];
	int o = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t at = a + i * size, v = 0;
		if (dbg_mem(c->d, cur_hart(c), at, buf, size, 0, phys) != (size_t)size) {
			if (o)
				say(c, "%s\n", line);
			say(c, "%s: cannot read %s address 0x%llx\n", cmd, phys ? "physical" : "virtual",
			    (unsigned long long)at);
			return;
		}
		for (int b = size - 1; b >= 0; b--)
			v = v << 8 | buf[b];
		if (i % per == 0)
			o = snprintf(line, sizeof line, "0x%016llx:", (unsigned long long)at);
		if (form == 'x')
			o += snprintf(line + o, sizeof line - o, " 0x%0*llx", size * 2, (unsigned long long)v);
		else if (form == 'u')
			o += snprintf(line + o, sizeof line - o, " %llu", (unsigned long long)v);
		else if (form == 'd') {
			int64_t sv = size == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
			o += snprintf(line + o, sizeof line - o, " %lld", (long long)sv);
		} else
			o += snprintf(line + o, sizeof line - o, isprint((int)v) ? " '%c'" : " '\\x%02x'", (int)v);
		if (i % per == per - 1 || i == count - 1) {
			say(c, "%s\n", line);
			o = 0;
		}
	}
}

/* ---- the command table ---- */

/* ---- inputs while recording ---- */

/* QEMU's key names (its sendkey's) and their evdev codes. */
static const struct { const char *name; uint16_t code; } keys[] = {
	{ "esc", KEY_ESC }, { "1", KEY_1 }, { "2", KEY_2 }, { "3", KEY_3 }, { "4", KEY_4 },
	{ "5", KEY_5 }, { "6", KEY_6 }, { "7", KEY_7 }, { "8", KEY_8 }, { "9", KEY_9 },
	{ "0", KEY_0 }, { "minus", KEY_MINUS }, { "equal", KEY_EQUAL },
	{ "backspace", KEY_BACKSPACE }, { "tab", KEY_TAB }, { "q", KEY_Q }, { "w", KEY_W },
	{ "e", KEY_E }, { "r", KEY_R }, { "t", KEY_T }, { "y", KEY_Y }, { "u", KEY_U },
	{ "i", KEY_I }, { "o", KEY_O }, { "p", KEY_P }, { "bracket_left", KEY_LEFTBRACE },
	{ "bracket_right", KEY_RIGHTBRACE }, { "ret", KEY_ENTER }, { "ctrl", KEY_LEFTCTRL },
	{ "a", KEY_A }, { "s", KEY_S }, { "d", KEY_D }, { "f", KEY_F }, { "g", KEY_G },
	{ "h", KEY_H }, { "j", KEY_J }, { "k", KEY_K }, { "l", KEY_L },
	{ "semicolon", KEY_SEMICOLON }, { "apostrophe", KEY_APOSTROPHE },
	{ "grave_accent", KEY_GRAVE }, { "shift", KEY_LEFTSHIFT }, { "backslash", KEY_BACKSLASH },
	{ "z", KEY_Z }, { "x", KEY_X }, { "c", KEY_C }, { "v", KEY_V }, { "b", KEY_B },
	{ "n", KEY_N }, { "m", KEY_M }, { "comma", KEY_COMMA }, { "dot", KEY_DOT },
	{ "slash", KEY_SLASH }, { "shift_r", KEY_RIGHTSHIFT }, { "asterisk", KEY_KPASTERISK },
	{ "alt", KEY_LEFTALT }, { "spc", KEY_SPACE }, { "caps_lock", KEY_CAPSLOCK },
	{ "f1", KEY_F1 }, { "f2", KEY_F2 }, { "f3", KEY_F3 }, { "f4", KEY_F4 }, { "f5", KEY_F5 },
	{ "f6", KEY_F6 }, { "f7", KEY_F7 }, { "f8", KEY_F8 }, { "f9", KEY_F9 }, { "f10", KEY_F10 },
	{ "f11", KEY_F11 }, { "f12", KEY_F12 }, { "num_lock", KEY_NUMLOCK },
	{ "scroll_lock", KEY_SCROLLLOCK }, { "kp_7", KEY_KP7 }, { "kp_8", KEY_KP8 },
	{ "kp_9", KEY_KP9 }, { "kp_subtract", KEY_KPMINUS }, { "kp_4", KEY_KP4 },
	{ "kp_5", KEY_KP5 }, { "kp_6", KEY_KP6 }, { "kp_add", KEY_KPPLUS }, { "kp_1", KEY_KP1 },
	{ "kp_2", KEY_KP2 }, { "kp_3", KEY_KP3 }, { "kp_0", KEY_KP0 }, { "kp_decimal", KEY_KPDOT },
	{ "kp_enter", KEY_KPENTER }, { "ctrl_r", KEY_RIGHTCTRL }, { "kp_divide", KEY_KPSLASH },
	{ "kp_multiply", KEY_KPASTERISK }, { "sysrq", KEY_SYSRQ }, { "print", KEY_SYSRQ },
	{ "alt_r", KEY_RIGHTALT }, { "home", KEY_HOME }, { "up", KEY_UP }, { "pgup", KEY_PAGEUP },
	{ "left", KEY_LEFT }, { "right", KEY_RIGHT }, { "end", KEY_END }, { "down", KEY_DOWN },
	{ "pgdn", KEY_PAGEDOWN }, { "insert", KEY_INSERT }, { "delete", KEY_DELETE },
	{ "pause", KEY_PAUSE }, { "meta_l", KEY_LEFTMETA }, { "meta_r", KEY_RIGHTMETA },
	{ "menu", KEY_COMPOSE }, { "less", KEY_102ND },
};

/* A key name (or 0xNN, an evdev code 1..255): its code, or 0. */
static uint16_t key_code(const char *name, size_t len)
{
	char buf[32];
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X') && buf[2]) {
		char *end;
		unsigned long v = strtoul(buf + 2, &end, 16);
		return *end || v == 0 || v > 255 ? 0 : (uint16_t)v;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, buf) == 0)
			return keys[i].code;
	return 0;
}

/* One evdev event for the keyboard (dev 0). */
static int send_event(struct mon *c, uint16_t type, uint16_t code, uint32_t value)
{
	struct emu_input in = { .kind = EMU_INPUT_KEY, .dev = 0, .id = VIRTIO_INPUT_ID(type, code, value) };
	return rr_session_send_input(c->d->s, &in);
}

/* sendkey ctrl-alt-f1: every key pressed in order, then released in reverse, each
 * followed by EV_SYN as a real keyboard's driver sends it. */
static void cmd_sendkey(struct mon *c, const char *arg)
{
	uint16_t codes[8];
	int n = 0;
	if (!arg || !*arg) {
		say(c, "sendkey: usage: sendkey KEYS (key names joined by -: ctrl-alt-delete, shift-a, ret)\n");
		return;
	}
	for (const char *p = arg; *p;) {
		const char *dash = strchr(p, '-');
		size_t len = dash && dash != p ? (size_t)(dash - p) : strlen(p);
		if (dash == p) /* "-" itself is the key minus's character, not a name */
			len = 0;
		uint16_t k = key_code(p, len);
		if (!k) {
			say(c, "sendkey: unknown key '%.*s' (QEMU's names: a, ret, spc, shift, ctrl, alt, f1, "
			    "up, ...; or 0xNN)\n", (int)(len ? len : 1), p);
			return;
		}
		if (n == 8) {
			say(c, "sendkey: at most 8 keys at once\n");
			return;
		}
		codes[n++] = k;
		p += len;
		if (*p == '-')
			p++;
	}
	struct rr_recording_info ri;
	if (rr_session_recording_info(c->d->s, &ri) && !rr_session_config(c->d->s)->input) {
		say(c, "sendkey: the machine has no virtio keyboard (record with --input)\n");
		return;
	}
	int rc = RR_OK;
	for (int i = 0; i < 2 * n && rc == RR_OK; i++) {
		int down = i < n;
		uint16_t k = codes[down ? i : 2 * n - 1 - i];
		rc = send_event(c, EV_KEY, k, down);
		if (rc == RR_OK)
			rc = send_event(c, EV_SYN, SYN_REPORT, 0);
	}
	if (rc != RR_OK)
		say(c, "sendkey: %s\n", rr_session_errmsg(c->d->s));
	else
		say(c, "sendkey keys=%d events=%d icount=%llu\n", n, 4 * n,
		    (unsigned long long)rr_session_icount(c->d->s));
}

/* sendline TEXT: the bytes of TEXT and a newline, typed on the console (UART 0). */
static void cmd_sendline(struct mon *c, const char *text)
{
	char buf[1100];
	int n = snprintf(buf, sizeof buf, "%s\n", text);
	struct emu_input in = { .kind = EMU_INPUT_SERIAL, .dev = 0, .data = (const uint8_t *)buf,
				.len = (uint32_t)n };
	if (rr_session_send_input(c->d->s, &in) != RR_OK)
		say(c, "sendline: %s\n", rr_session_errmsg(c->d->s));
	else
		say(c, "sendline bytes=%d icount=%llu\n", n, (unsigned long long)rr_session_icount(c->d->s));
}

static const char *const help[] = {
	"info replay              mode, icount, snapshots, next event of the log",
	"info registers [HART]    pc, privilege, x0-x31 and the main CSRs",
	"info snapshots           the log's snapshots and the savevm states",
	"info breakpoints         breakpoints, watchpoints, replay_break",
	"when                     the current icount",
	"hart [N]                 show or select the hart for x, step, registers",
	"replay_seek N            go to icount N",
	"replay_break N           continue stops at icount N",
	"replay_delete_break      remove the replay_break",
	"replay_events [N]        the N events before and after this point (default 5)",
	"savevm NAME | loadvm NAME | delvm NAME   named states in memory",
	"x/FMT ADDR | xp/FMT ADDR   memory, virtual (selected hart's MMU) or physical",
	"break ADDR | delete [ADDR]   pc breakpoints (every hart)",
	"watch ADDR [LEN] | rwatch ADDR [LEN] | awatch ADDR [LEN]   data watchpoints",
	"step [N]                 N instructions of the selected hart",
	"continue                 to a breakpoint, watchpoint, replay_break or the end",
	"reverse_step [N]         N instructions of the selected hart backwards",
	"reverse_continue         back to the last breakpoint hit or watched access",
	"stop                     interrupt a continue (a line of its own while it runs)",
	"sendkey KEYS             keys pressed together, released in reverse (ctrl-alt-f1),",
	"                         to the virtio keyboard, at the frontier of a recording",
	"sendline TEXT            TEXT and a newline typed on the console, the same",
	"quit                     end the monitor",
	NULL,
};

const char *const rr_monitor_command_names[] = {
	"info", "when", "hart", "replay_seek", "replay_break", "replay_delete_break",
	"replay_events", "savevm", "loadvm", "delvm", "x", "xp", "break", "delete", "watch",
	"rwatch", "awatch", "step", "continue", "reverse_step", "reverse_continue", "stop",
	"sendkey", "sendline", "quit", "help", NULL,
};

static int need_replay_moves(struct mon *c, const char *cmd)
{
	if (c->d->under_gdb) {
		say(c, "%s: from gdb use stepi, continue, reverse-stepi and reverse-continue "
		       "(gdb would not know the machine moved)\n", cmd);
		return 0;
	}
	return 1;
}

static int saved_find(struct dbg *d, const char *name)
{
	for (int i = 0; i < d->nsaved; i++)
		if (strcmp(d->saved[i].name, name) == 0)
			return i;
	return -1;
}

static void cmd_savevm(struct mon *c, const char *cmd, const char *name)
{
	struct dbg *d = c->d;
	if (!name || strlen(name) >= sizeof d->saved[0].name) {
		say(c, "%s: usage: %s NAME (up to 63 characters)\n", cmd, cmd);
		return;
	}
	int i = saved_find(d, name);
	if (strcmp(cmd, "savevm") == 0) {
		if (i < 0 && d->nsaved == (int)(sizeof d->saved / sizeof d->saved[0])) {
			say(c, "savevm: 16 states already: delvm one first\n");
			return;
		}
		rr_state *st;
		if (rr_session_save(d->s, &st) != RR_OK) {
			say(c, "savevm: %s\n", rr_session_errmsg(d->s));
			return;
		}
		if (i < 0) {
			i = d->nsaved++;
			snprintf(d->saved[i].name, sizeof d->saved[i].name, "%s", name);
		} else {
			rr_state_free(d->saved[i].st);
		}
		d->saved[i].st = st;
		say(c, "savevm name=%s icount=%llu\n", name, (unsigned long long)rr_state_icount(st));
		return;
	}
	if (i < 0) {
		say(c, "%s: no state named '%s' (info snapshots lists them)\n", cmd, name);
		return;
	}
	if (strcmp(cmd, "delvm") == 0) {
		rr_state_free(d->saved[i].st);
		d->saved[i] = d->saved[--d->nsaved];
		say(c, "delvm name=%s\n", name);
		return;
	}
	if (!need_replay_moves(c, cmd))
		return;
	if (dbg_restore(d, d->saved[i].st) != RR_OK) {
		say(c, "loadvm: %s\n", rr_session_errmsg(d->s));
		return;
	}
	d->stop_hart = -1;
	say(c, "loadvm name=%s icount=%llu\n", name, (unsigned long long)rr_session_icount(d->s));
}

static void cmd_watch(struct mon *c, const char *cmd, const char *a1, const char *a2)
{
	uint64_t va, len = 8;
	int type = cmd[0] == 'w' ? DBG_WP_WRITE : cmd[0] == 'r' ? DBG_WP_READ : DBG_WP_ACCESS;
	if (!a1 || parse_value(c, a1, &va) < 0 || (a2 && parse_value(c, a2, &len) < 0)) {
		say(c, "%s: usage: %s ADDR [LEN] (LEN 1 to 4096, default 8)\n", cmd, cmd);
		return;
	}
	int rc = dbg_wp_add(c->d, cur_hart(c), type, va, len);
	if (rc == -2)
		say(c, "%s: 0x%llx is not mapped on hart %d\n", cmd, (unsigned long long)va, *c->hart);
	else if (rc < 0)
		say(c, "%s: no room (8 watchpoints at most) or a bad length\n", cmd);
	else
		say(c, "%s addr=0x%llx len=%llu\n", cmd, (unsigned long long)va, (unsigned long long)len);
}

static void cmd_delete(struct mon *c, const char *a)
{
	struct dbg *d = c->d;
	uint64_t addr;
	if (!a || strcmp(a, "all") == 0) {
		while (d->nbp)
			dbg_bp_del(d, d->bps[0].addr, d->bps[0].hw);
		while (d->nwp)
			dbg_wp_del(d, d->wps[0].type, d->wps[0].va, d->wps[0].len);
		say(c, "deleted all breakpoints and watchpoints\n");
		return;
	}
	if (parse_value(c, a, &addr) < 0) {
		say(c, "delete: usage: delete [ADDR|all]\n");
		return;
	}
	int found = 0, i;
	if ((i = dbg_bp_find(d, addr)) >= 0) {
		d->bps[i].sw = d->bps[i].hw = 1;
		dbg_bp_del(d, addr, 0);
		dbg_bp_del(d, addr, 1);
		found = 1;
	}
	for (i = d->nwp - 1; i >= 0; i--)
		if (d->wps[i].va == addr) {
			dbg_wp_del(d, d->wps[i].type, d->wps[i].va, d->wps[i].len);
			found = 1;
		}
	say(c, found ? "deleted addr=0x%llx\n" : "delete: nothing set at 0x%llx\n", (unsigned long long)addr);
}

static void cmd_run(struct mon *c, const char *cmd, const char *arg)
{
	struct dbg *d = c->d;
	struct dbg_stop st;
	uint64_t n = 1;
	if (!need_replay_moves(c, cmd))
		return;
	if (arg && (parse_value(c, arg, &n) < 0 || n == 0)) {
		say(c, "%s: N must be a positive count\n", cmd);
		return;
	}
	if (strcmp(cmd, "continue") == 0 || strcmp(cmd, "c") == 0) {
		uint64_t now = rr_session_icount(d->s);
		uint64_t limit = d->icount_break != UINT64_MAX && d->icount_break > now ? d->icount_break
											: UINT64_MAX;
		dbg_continue(d, limit, &st);
		if (st.ev == DBG_ICOUNT && limit != UINT64_MAX && rr_session_icount(d->s) == limit) {
			say(c, "stopped reason=replay_break hart=%d icount=%llu\n", *c->hart,
			    (unsigned long long)limit);
			return;
		}
	} else if (strcmp(cmd, "reverse_continue") == 0) {
		dbg_reverse_continue(d, &st);
	} else {
		int back = strcmp(cmd, "reverse_step") == 0;
		for (uint64_t i = 0; i < n; i++) {
			if (back)
				dbg_reverse_step(d, *c->hart, &st);
			else
				dbg_step(d, *c->hart, &st);
			if (st.ev != DBG_ICOUNT)
				break;
		}
	}
	report_stop(c, &st);
}

int dbg_monitor(struct dbg *d, int *hart, const char *line, dbg_out_fn *out, void *opaque)
{
	struct mon c = { d, hart, out, opaque };
	char buf[512], *w[4] = { 0 };
	if (strlen(line) >= sizeof buf) {
		say(&c, "error: a command line is at most %zu characters\n", sizeof buf - 1);
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", line);
	int nw = 0;
	char *rest = NULL, *p = buf;
	while (*p && nw < 4) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (nw == 1)
			rest = p;     /* sendline keeps the rest of the line */
		w[nw++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	if (!nw || w[0][0] == '#')
		return 0;
	const char *cmd = w[0];
	char *fmt = NULL;
	if ((cmd[0] == 'x') && (cmd[1] == '/' || (cmd[1] == 'p' && cmd[2] == '/') || !cmd[1] ||
				(cmd[1] == 'p' && !cmd[2]))) {
		char *slash = strchr(w[0], '/');
		if (slash) {
			*slash = 0;
			fmt = slash + 1;
		}
		examine(&c, w[0], fmt, w[1]);
		return 0;
	}
	uint64_t v;
	if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0)
		return 1;
	if (strcmp(cmd, "help") == 0) {
		for (int i = 0; help[i]; i++)
			say(&c, "%s\n", help[i]);
	} else if (strcmp(cmd, "info") == 0) {
		const char *what = w[1] ? w[1] : "";
		if (strcmp(what, "replay") == 0) {
			info_replay(&c);
		} else if (strcmp(what, "registers") == 0) {
			if (w[2] && (parse_value(&c, w[2], &v) < 0 || v >= (uint64_t)machine_nharts(d->m)))
				say(&c, "info registers: no hart %s (0 to %d)\n", w[2], machine_nharts(d->m) - 1);
			else
				info_registers(&c, w[2] ? (int)v : *hart);
		} else if (strcmp(what, "snapshots") == 0) {
			info_snapshots(&c);
		} else if (strcmp(what, "breakpoints") == 0) {
			info_breakpoints(&c);
		} else {
			say(&c, "info: replay, registers [HART], snapshots or breakpoints\n");
		}
	} else if (strcmp(cmd, "when") == 0) {
		say(&c, "icount=%llu\n", (unsigned long long)rr_session_icount(d->s));
	} else if (strcmp(cmd, "hart") == 0) {
		if (w[1] && (parse_value(&c, w[1], &v) < 0 || v >= (uint64_t)machine_nharts(d->m)))
			say(&c, "hart: no hart %s (0 to %d)\n", w[1], machine_nharts(d->m) - 1);
		else {
			if (w[1])
				*hart = (int)v;
			say(&c, "hart=%d harts=%d\n", *hart, machine_nharts(d->m));
		}
	} else if (strcmp(cmd, "replay_seek") == 0) {
		if (!w[1] || rr_parse_icount(w[1], &v) < 0)
			say(&c, "replay_seek: usage: replay_seek N (an icount: 1234, 0x4d2 or 1.2e9)\n");
		else if (dbg_seek(d, v) != RR_OK)
			say(&c, "replay_seek: %s\n", rr_session_errmsg(d->s));
		else {
			d->stop_hart = -1;
			say(&c, "icount=%llu%s\n", (unsigned long long)rr_session_icount(d->s),
			    d->under_gdb ? " (gdb: maintenance flush register-cache)" : "");
		}
	} else if (strcmp(cmd, "replay_break") == 0) {
		if (!w[1] || rr_parse_icount(w[1], &v) < 0)
			say(&c, "replay_break: usage: replay_break N (an icount)\n");
		else if (v <= rr_session_icount(d->s))
			say(&c, "replay_break: icount %llu is not ahead (now %llu): replay_seek goes back\n",
			    (unsigned long long)v, (unsigned long long)rr_session_icount(d->s));
		else {
			d->icount_break = v;
			say(&c, "replay_break icount=%llu\n", (unsigned long long)v);
		}
	} else if (strcmp(cmd, "replay_delete_break") == 0) {
		say(&c, d->icount_break == UINT64_MAX ? "replay_delete_break: none was set\n"
						      : "replay_break deleted\n");
		d->icount_break = UINT64_MAX;
	} else if (strcmp(cmd, "replay_events") == 0) {
		if (w[1] && (parse_value(&c, w[1], &v) < 0 || v > 1000))
			say(&c, "replay_events: N is 0 to 1000\n");
		else
			replay_events(&c, w[1] ? v : 5);
	} else if (strcmp(cmd, "savevm") == 0 || strcmp(cmd, "loadvm") == 0 || strcmp(cmd, "delvm") == 0) {
		cmd_savevm(&c, cmd, w[1]);
	} else if (strcmp(cmd, "break") == 0 || strcmp(cmd, "b") == 0) {
		if (!w[1] || parse_value(&c, w[1], &v) < 0)
			say(&c, "break: usage: break ADDR (a number or $reg; for symbols use gdb)\n");
		else if (dbg_bp_add(d, v, 0) < 0)
			say(&c, "break: no room (32 breakpoints at most)\n");
		else
			say(&c, "break addr=0x%llx\n", (unsigned long long)v);
	} else if (strcmp(cmd, "delete") == 0) {
		cmd_delete(&c, w[1]);
	} else if (strcmp(cmd, "watch") == 0 || strcmp(cmd, "rwatch") == 0 || strcmp(cmd, "awatch") == 0) {
		cmd_watch(&c, cmd, w[1], w[2]);
	} else if (strcmp(cmd, "step") == 0 || strcmp(cmd, "s") == 0 || strcmp(cmd, "continue") == 0 ||
		   strcmp(cmd, "c") == 0 || strcmp(cmd, "reverse_step") == 0 ||
		   strcmp(cmd, "reverse_continue") == 0) {
		cmd_run(&c, cmd, w[1]);
	} else if (strcmp(cmd, "stop") == 0) {
		say(&c, "stop: nothing is running (stop interrupts a continue while it runs)\n");
	} else if (strcmp(cmd, "sendkey") == 0) {
		cmd_sendkey(&c, w[1]);
	} else if (strcmp(cmd, "sendline") == 0) {
		cmd_sendline(&c, rest ? line + (rest - buf) : "");
	} else {
		say(&c, "unknown command '%.100s' (help lists the commands)\n", cmd);
	}
	return 0;
}

/* ---- the stand-alone monitor (replay.h) ---- */

struct rr_monitor {
	struct dbg d;
	int hart;
};

rr_monitor *rr_monitor_new(rr_session *s)
{
	if (!s || !rr_session_machine(s))
		return NULL;
	rr_monitor *mon = calloc(1, sizeof *mon);
	if (!mon)
		return NULL;
	dbg_init(&mon->d, s);
	return mon;
}

void rr_monitor_free(rr_monitor *mon)
{
	if (!mon)
		return;
	dbg_fini(&mon->d);
	free(mon);
}

void rr_monitor_set_poll(rr_monitor *mon, int (*poll)(void *opaque), void *opaque)
{
	mon->d.poll = poll;
	mon->d.poll_opaque = opaque;
}

int rr_monitor_exec(rr_monitor *mon, const char *line, void (*out)(void *opaque, const char *text),
		    void *opaque)
{
	return dbg_monitor(&mon->d, &mon->hart, line, out, opaque);
}

int rr_monitor_muted(const rr_monitor *mon) { return mon && mon->d.mute; }
