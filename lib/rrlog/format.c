/* librrlog format: an event as one line of text, the form rr-dump prints and
 * rr-diff shows (man/rr-dump.1, OUTPUT): "icount=N kind=NAME key=value...", or a
 * JSON object. Each kind names its sub and value fields (table below); data is hex,
 * its first 64 bytes unless RRLOG_FMT_FULL, plus a quoted text= for console bytes;
 * snapshot data only with RRLOG_FMT_FULL. */
#include <errno.h>
#include <stdio.h>
#include "rrlog/internal.h"

enum { F_NUM, F_HEX, F_SHUTDOWN, F_CHECKPOINT };
enum { D_HEX, D_TEXT, D_BLOB };
struct kind_fmt {
	const char *sub;        /* name of sub, or NULL */
	int subf;
	const char *val;        /* name of value, or NULL */
	int valf;
	int dataf;
	int qnone;              /* QEMU logs have none of these fields */
};
#define KF(s, sf, v, vf, df, q) { .sub = s, .subf = sf, .val = v, .valf = vf, .dataf = df, .qnone = q }
static const struct kind_fmt kfmt[RRLOG_KIND_COUNT] = {
	[RRLOG_INTERRUPT] = KF("hart", F_NUM, "cause", F_NUM, D_HEX, 1),
	[RRLOG_EXCEPTION] = KF("hart", F_NUM, "cause", F_NUM, D_HEX, 1),
	[RRLOG_ASYNC_BH] = KF(NULL, 0, "id", F_NUM, D_HEX, 0),
	[RRLOG_ASYNC_BH_ONESHOT] = KF(NULL, 0, "id", F_NUM, D_HEX, 0),
	[RRLOG_ASYNC_INPUT] = KF("type", F_NUM, "code", F_NUM, D_HEX, 0),
	[RRLOG_CHAR_READ] = KF("dev", F_NUM, NULL, 0, D_TEXT, 0),
	[RRLOG_BLOCK] = KF("dev", F_NUM, "req", F_NUM, D_HEX, 0),
	[RRLOG_NET] = KF("dev", F_NUM, "flags", F_NUM, D_HEX, 0),
	[RRLOG_CLOCK_HOST] = KF(NULL, 0, "value", F_NUM, D_HEX, 0),
	[RRLOG_CLOCK_VRT] = KF(NULL, 0, "value", F_NUM, D_HEX, 0),
	[RRLOG_RANDOM] = KF("ret", F_NUM, NULL, 0, D_HEX, 0),
	[RRLOG_CHECKPOINT] = KF("checkpoint", F_CHECKPOINT, NULL, 0, D_HEX, 0),
	[RRLOG_SNAPSHOT] = KF("type", F_NUM, "id", F_NUM, D_BLOB, 0),
	[RRLOG_STATE_HASH] = KF("component", F_NUM, "hash", F_HEX, D_HEX, 0),
	[RRLOG_SHUTDOWN] = KF("cause", F_SHUTDOWN, NULL, 0, D_HEX, 0),
	[RRLOG_CHAR_WRITE] = KF("result", F_NUM, "offset", F_NUM, D_HEX, 0),
	[RRLOG_CHAR_READ_ALL] = KF(NULL, 0, NULL, 0, D_TEXT, 0),
	[RRLOG_CHAR_READ_ALL_ERROR] = KF("error", F_NUM, NULL, 0, D_HEX, 0),
	[RRLOG_AUDIO_OUT] = KF(NULL, 0, "samples", F_NUM, D_HEX, 0),
	[RRLOG_AUDIO_IN] = KF(NULL, 0, "recorded", F_NUM, D_HEX, 0),
	[RRLOG_IDLE] = KF(NULL, 0, "since", F_NUM, D_HEX, 0),
};

/* A bounded writer: counts everything, stores what fits. */
struct out {
	char *p;
	size_t cap, len;
};
static const char hx[] = "0123456789abcdef";

static inline void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t k = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->p + o->len, s, k);
	}
	o->len += n;
}
static inline void putc1(struct out *o, char c) { put(o, &c, 1); }
static inline void puts0(struct out *o, const char *s) { put(o, s, strlen(s)); }
static void putu64(struct out *o, uint64_t v)
{
	char t[24];
	int i = sizeof t;
	do { t[--i] = '0' + v % 10; v /= 10; } while (v);
	put(o, t + i, sizeof t - i);
}
static void puthex64(struct out *o, uint64_t v)
{
	char t[18] = "0x";
	for (int i = 0; i < 16; i++) t[2 + i] = hx[(v >> (60 - 4 * i)) & 15];
	put(o, t, 18);
}
static void puthex(struct out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char t[2] = { hx[p[i] >> 4], hx[p[i] & 15] };
		put(o, t, 2);
	}
}


/* A quoted string with C escapes (text) or JSON escapes. */
static void putquote(struct out *o, const uint8_t *p, size_t n, int json)
{
	putc1(o, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		char t[6];
		if (c == '"' || c == '\\') { t[0] = '\\'; t[1] = c; put(o, t, 2); }
		else if (c == '\n') put(o, "\\n", 2);
		else if (c == '\r') put(o, "\\r", 2);
		else if (c == '\t') put(o, "\\t", 2);
		else if (c < 0x20 || c == 0x7f || (json && c >= 0x80)) {
			if (json) { memcpy(t, "\\u00", 4); t[4] = hx[c >> 4]; t[5] = hx[c & 15]; put(o, t, 6); }
			else { t[0] = '\\'; t[1] = 'x'; t[2] = hx[c >> 4]; t[3] = hx[c & 15]; put(o, t, 4); }
		} else putc1(o, (char)c);
	}
	putc1(o, '"');
}

static void key(struct out *o, const char *k, int json)
{
	if (json) { put(o, ",\"", 2); puts0(o, k); put(o, "\":", 2); }
	else { putc1(o, ' '); puts0(o, k); putc1(o, '='); }
}

static void field(struct out *o, const char *name, uint64_t v, int f, int json)
{
	key(o, name, json);
	const char *s = NULL;
	if (f == F_SHUTDOWN) s = rrlog_shutdown_name((uint32_t)v);
	else if (f == F_CHECKPOINT) s = rrlog_checkpoint_name((uint32_t)v);
	if (s) { if (json) putc1(o, '"'); puts0(o, s); if (json) putc1(o, '"'); }
	else if (f == F_HEX) { if (json) putc1(o, '"'); puthex64(o, v); if (json) putc1(o, '"'); }
	else putu64(o, v);
}

size_t rrlog_format_event(const struct rrlog_event *ev, unsigned flags, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	int json = !!(flags & RRLOG_FMT_JSON), full = !!(flags & RRLOG_FMT_FULL);
	int kind = (unsigned)ev->kind < RRLOG_KIND_COUNT ? (int)ev->kind : RRLOG_INSN;
	const struct kind_fmt *k = &kfmt[kind];
	const char *name = rrlog_kind_name(ev->kind);
	if (json) { put(&o, "{\"icount\":", 10); putu64(&o, ev->icount); put(&o, ",\"kind\":\"", 9); }
	else { put(&o, "icount=", 7); putu64(&o, ev->icount); put(&o, " kind=", 6); }
	puts0(&o, name ? name : "?");
	if (json) putc1(&o, '"');
	int named = !((flags & RRLOG_FMT_QEMU) && k->qnone);
	if (k->sub && named) field(&o, k->sub, ev->sub, k->subf, json);
	else if (ev->sub) field(&o, "sub", ev->sub, F_NUM, json);
	if (k->val && named) field(&o, k->val, ev->value, k->valf, json);
	else if (ev->value) field(&o, "value", ev->value, F_NUM, json);
	if (ev->len) {
		key(&o, "len", json);
		putu64(&o, ev->len);
		size_t n = ev->data ? ev->len : 0;
		int cut = !ev->data;
		if (!full && (k->dataf == D_BLOB || n > RRLOG_FMT_DATA_SHOW)) {
			n = k->dataf == D_BLOB ? 0 : RRLOG_FMT_DATA_SHOW;
			cut = 1;
		}
		if (n || !cut) {
			key(&o, "data", json);
			if (json) putc1(&o, '"');
			puthex(&o, ev->data, n);
			if (cut && !json) put(&o, "...", 3);
			if (json) putc1(&o, '"');
			if (k->dataf == D_TEXT) { key(&o, "text", json); putquote(&o, ev->data, n, json); }
		}
		if (cut && json) put(&o, ",\"truncated\":true", 17);
	}
	if (json) putc1(&o, '}');
	putc1(&o, '\n');
	if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}

size_t rrlog_format_quote(const uint8_t *p, size_t n, int json, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	putquote(&o, p, n, json);
	if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}

/* ---- the text form read back (rr-merge --from-text) ----
 * Header lines "# rrlog version=V tool=Q", "# config=Q", "# image role=Q path=Q
 * size=N sha256=H", "# meta KEY=Q" (Q a quoted string as written above) and event
 * lines as rrlog_format_event writes them with RRLOG_FMT_FULL. A field may be
 * omitted when it is 0; text= is ignored (data= says it all). */

#include <stdlib.h>

struct rrlog_text {
	struct rrlog_header_info hi;
	struct rrlog_image img[16];
	struct rrlog_kv kv[64];
	char *strs[256];
	int nstrs;
	uint8_t *data;
	size_t cap;
	char msg[RL_ERRMSG];
};

rrlog_text *rrlog_text_new(void)
{
	rrlog_text *t = calloc(1, sizeof *t);
	if (t)
		t->hi.images = t->img, t->hi.kv = t->kv;
	return t;
}

void rrlog_text_free(rrlog_text *t)
{
	if (!t) return;
	for (int i = 0; i < t->nstrs; i++) free(t->strs[i]);
	free(t->data);
	free(t);
}

const char *rrlog_text_errmsg(const rrlog_text *t) { return t ? t->msg : "out of memory"; }
const struct rrlog_header_info *rrlog_text_header(const rrlog_text *t) { return t ? &t->hi : NULL; }

static int t_err(rrlog_text *t, const char *fmt, const char *arg)
{
	snprintf(t->msg, sizeof t->msg, fmt, arg);
	return RRLOG_EINVAL;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A quoted string at *pp (C escapes as putquote writes them) into a new string. */
static char *t_unquote(rrlog_text *t, const char **pp, const char *end)
{
	const char *p = *pp;
	if (p >= end || *p != '"') return NULL;
	p++;
	char *out = malloc(end - p + 1), *o = out;
	if (!out) return NULL;
	while (p < end && *p != '"') {
		if (*p != '\\') { *o++ = *p++; continue; }
		if (++p >= end) break;
		char c = *p++;
		if (c == 'n') *o++ = '\n';
		else if (c == 'r') *o++ = '\r';
		else if (c == 't') *o++ = '\t';
		else if (c == 'x' && end - p >= 2 && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
			*o++ = (char)(hexval(p[0]) << 4 | hexval(p[1]));
			p += 2;
		} else if (c == '"' || c == '\\') *o++ = c;
		else { free(out); return NULL; }
	}
	if (p >= end) { free(out); return NULL; }
	*o = 0;
	*pp = p + 1;
	if (t->nstrs >= (int)(sizeof t->strs / sizeof t->strs[0])) { free(out); return NULL; }
	t->strs[t->nstrs++] = out;
	return out;
}

/* "key=" at *pp: the key into k (NUL-terminated), *pp after '='. 0 or -1. */
static int t_key(const char **pp, const char *end, char *k, size_t n)
{
	const char *p = *pp;
	while (p < end && *p == ' ') p++;
	size_t i = 0;
	while (p < end && *p != '=' && *p != ' ' && i + 1 < n) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) return -1; /* no NUL or control byte in a key */
		k[i++] = *p++;
	}
	k[i] = 0;
	if (p >= end || *p != '=' || !i) return -1;
	*pp = p + 1;
	return 0;
}

/* A bare value (up to a space) into v; a value too long for v or holding a control
 * byte (a NUL would cut it short) comes back empty, which every caller refuses. */
static void t_word(const char **pp, const char *end, char *v, size_t n)
{
	const char *p = *pp;
	size_t i = 0;
	int bad = 0;
	while (p < end && *p != ' ') {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || i + 1 >= n) bad = 1;
		else v[i++] = *p;
		p++;
	}
	v[bad ? 0 : i] = 0;
	*pp = p;
}

static int t_u64(const char *v, uint64_t *out)
{
	char *e;
	if (!*v || *v == '-') return -1;
	errno = 0;
	unsigned long long x = strtoull(v, &e, (v[0] == '0' && v[1] == 'x') ? 16 : 10);
	if (errno || *e) return -1;
	*out = x;
	return 0;
}

static int t_header(rrlog_text *t, const char *p, const char *end)
{
	char k[64], v[64];
	if (end - p >= 6 && !memcmp(p, "rrlog ", 6)) {
		p += 6;
		while (p < end) {
			if (t_key(&p, end, k, sizeof k)) return t_err(t, "bad header field%s", "");
			if (!strcmp(k, "tool")) { if (!(t->hi.tool = t_unquote(t, &p, end))) return t_err(t, "bad tool string%s", ""); }
			else if (!strcmp(k, "version")) t_word(&p, end, v, sizeof v);
			else return t_err(t, "unknown header field '%s'", k);
		}
		return 1;
	}
	if (end - p >= 7 && !memcmp(p, "config=", 7)) {
		p += 7;
		return (t->hi.config = t_unquote(t, &p, end)) ? 1 : t_err(t, "bad config string%s", "");
	}
	if (end - p >= 6 && !memcmp(p, "image ", 6)) {
		if (t->hi.nimages >= 16) return t_err(t, "too many images%s", "");
		struct rrlog_image *im = &t->img[t->hi.nimages];
		int have = 0;
		p += 6;
		while (p < end) {
			if (t_key(&p, end, k, sizeof k)) return t_err(t, "bad image field%s", "");
			if (!strcmp(k, "role")) { if (!(im->role = t_unquote(t, &p, end))) return t_err(t, "bad role%s", ""); have |= 1; }
			else if (!strcmp(k, "path")) { if (!(im->path = t_unquote(t, &p, end))) return t_err(t, "bad path%s", ""); have |= 2; }
			else if (!strcmp(k, "size")) { t_word(&p, end, v, sizeof v); if (t_u64(v, &im->size)) return t_err(t, "bad image size '%s'", v); have |= 4; }
			else if (!strcmp(k, "sha256")) {
				char h[80];
				t_word(&p, end, h, sizeof h);
				if (strlen(h) != 64) return t_err(t, "bad sha256 '%s'", h);
				for (int i = 0; i < 32; i++) {
					int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
					if (a < 0 || b < 0) return t_err(t, "bad sha256 '%s'", h);
					im->sha256[i] = (uint8_t)(a << 4 | b);
				}
				have |= 8;
			} else return t_err(t, "unknown image field '%s'", k);
		}
		if (have != 15) return t_err(t, "an image line needs role, path, size and sha256%s", "");
		t->hi.nimages++;
		return 1;
	}
	if (end - p >= 5 && !memcmp(p, "meta ", 5)) {
		if (t->hi.nkv >= 64) return t_err(t, "too many meta pairs%s", "");
		p += 5;
		const char *eq = memchr(p, '=', end - p);
		if (!eq || eq == p) return t_err(t, "bad meta line%s", "");
		char *key = malloc(eq - p + 1);
		if (!key || t->nstrs >= 255) { free(key); return t_err(t, "out of memory%s", ""); }
		memcpy(key, p, eq - p);
		key[eq - p] = 0;
		t->strs[t->nstrs++] = key;
		p = eq + 1;
		const char *val = t_unquote(t, &p, end);
		if (!val) return t_err(t, "bad meta value%s", "");
		t->kv[t->hi.nkv].key = key;
		t->kv[t->hi.nkv].value = val;
		t->hi.nkv++;
		return 1;
	}
	return t_err(t, "unknown header line%s", "");
}

int rrlog_text_line(rrlog_text *t, const char *line, size_t n, struct rrlog_event *ev)
{
	const char *p = line, *end = line + n;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r')) end--;
	if (p == end) return RRLOG_TEXT_SKIP;
	if (*p == '#') {
		p++;
		if (p < end && *p == ' ') p++;
		int rc = t_header(t, p, end);
		return rc < 0 ? rc : RRLOG_TEXT_HEADER;
	}
	char k[64], v[64];
	memset(ev, 0, sizeof *ev);
	if (t_key(&p, end, k, sizeof k) || strcmp(k, "icount")) return t_err(t, "an event line starts with icount=%s", "");
	t_word(&p, end, v, sizeof v);
	if (t_u64(v, &ev->icount)) return t_err(t, "bad icount '%s'", v);
	if (t_key(&p, end, k, sizeof k) || strcmp(k, "kind")) return t_err(t, "kind= expected after icount%s", "");
	t_word(&p, end, v, sizeof v);
	int kind = rrlog_kind_from_name(v);
	if (kind < 0) return t_err(t, "unknown kind '%s'", v);
	ev->kind = kind;
	const struct kind_fmt *kf = &kfmt[kind];
	int have_len = 0;
	size_t data_len = 0; /* bytes decoded from data= */
	while (p < end) {
		if (t_key(&p, end, k, sizeof k)) return t_err(t, "bad field%s", "");
		if (!strcmp(k, "text")) {
			if (!t_unquote(t, &p, end)) return t_err(t, "bad text string%s", "");
			free(t->strs[--t->nstrs]);
			continue;
		}
		if (!strcmp(k, "data")) {
			const char *d = p;
			while (p < end && *p != ' ') p++;
			size_t hx_n = p - d;
			if (hx_n >= 3 && !memcmp(p - 3, "...", 3)) return t_err(t, "data cut short (dump with --full)%s", "");
			if (hx_n % 2 || hx_n / 2 != ev->len || !have_len) return t_err(t, "data does not match len=%s", "");
			if (ev->len > t->cap) {
				uint8_t *nb = realloc(t->data, ev->len);
				if (!nb) return t_err(t, "out of memory%s", "");
				t->data = nb;
				t->cap = ev->len;
			}
			for (size_t i = 0; i < ev->len; i++) {
				int a = hexval(d[2 * i]), b = hexval(d[2 * i + 1]);
				if (a < 0 || b < 0) return t_err(t, "bad hex data%s", "");
				t->data[i] = (uint8_t)(a << 4 | b);
			}
			ev->data = t->data;
			data_len = ev->len;
			continue;
		}
		t_word(&p, end, v, sizeof v);
		uint64_t x;
		int is_sub = !strcmp(k, "sub") || (kf->sub && !strcmp(k, kf->sub));
		int is_val = !strcmp(k, "value") || (kf->val && !strcmp(k, kf->val));
		int f = is_sub ? (kf->sub && !strcmp(k, kf->sub) ? kf->subf : F_NUM)
			       : (kf->val && !strcmp(k, kf->val) ? kf->valf : F_NUM);
		if (f == F_SHUTDOWN || f == F_CHECKPOINT) {
			int found = -1;
			for (uint32_t c = 0; c < 64; c++) {
				const char *nm = f == F_SHUTDOWN ? rrlog_shutdown_name(c) : rrlog_checkpoint_name(c);
				if (nm && !strcmp(nm, v)) { found = (int)c; break; }
			}
			if (found >= 0) x = (uint64_t)found;
			else if (t_u64(v, &x)) return t_err(t, "bad value '%s'", v);
		} else if (t_u64(v, &x)) {
			return t_err(t, "bad number '%s'", v);
		}
		if (!strcmp(k, "len")) { ev->len = x; have_len = 1; if (x > (1ull << 32)) return t_err(t, "len too large%s", ""); }
		else if (is_sub) { if (x > UINT32_MAX) return t_err(t, "sub out of range%s", ""); ev->sub = (uint32_t)x; }
		else if (is_val) ev->value = x;
		else return t_err(t, "unknown field '%s'", k);
	}
	if (ev->len && !ev->data) return t_err(t, "len= without data= (dump with --full)%s", "");
	if (ev->data && ev->len != data_len) return t_err(t, "len= changed after data=%s", "");
	return RRLOG_TEXT_EVENT;
}
