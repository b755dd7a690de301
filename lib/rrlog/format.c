/* librrlog format: an event as one line of text, the form rr-dump prints and
 * rr-diff shows (man/rr-dump.1, OUTPUT): "icount=N kind=NAME key=value...", or a
 * JSON object. Each kind names its sub and value fields (table below); data is hex,
 * its first 64 bytes unless RRLOG_FMT_FULL, plus a quoted text= for console bytes;
 * snapshot data only with RRLOG_FMT_FULL. */
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
