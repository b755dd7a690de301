/* out: the buffered standard output the tools print through (one buffer, flushed
 * with fwrite; a write error ends the program with "PROG: write error" and exit 2),
 * with librrlog's text forms of events and quoted strings. Included by the tools'
 * mains after they define `prog`. */
#ifndef RRKIT_BIN_OUT_H
#define RRKIT_BIN_OUT_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rrlog/rrlog.h"

static char obuf[1 << 16];
static __attribute__((unused)) size_t olen;

static __attribute__((unused)) void oflush(void)
{
	if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		exit(2);
	}
	olen = 0;
}
static inline void oroom(size_t n) { if (olen + n > sizeof obuf) oflush(); }
static inline void ochar(char c) { oroom(1); obuf[olen++] = c; }
static __attribute__((unused)) void omem(const char *s, size_t n)
{
	while (n) {
		oroom(n < sizeof obuf ? n : sizeof obuf);
		size_t k = n < sizeof obuf - olen ? n : sizeof obuf - olen;
		memcpy(obuf + olen, s, k);
		olen += k; s += k; n -= k;
	}
}
static __attribute__((unused)) void ostr(const char *s) { omem(s, strlen(s)); }
static __attribute__((unused)) void ou64(uint64_t v)
{
	char t[24];
	int i = sizeof t;
	do { t[--i] = '0' + v % 10; v /= 10; } while (v);
	omem(t + i, sizeof t - i);
}
static __attribute__((unused)) void ohex(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	while (n) {
		size_t k = n < 4096 ? n : 4096;
		oroom(2 * k);
		for (size_t i = 0; i < k; i++) {
			obuf[olen++] = hx[p[i] >> 4];
			obuf[olen++] = hx[p[i] & 15];
		}
		p += k; n -= k;
	}
}
/* A formatted piece of at most need bytes: into the buffer, or written directly. */
static __attribute__((unused)) void oformatted(size_t (*fmt)(const void *, unsigned, char *, size_t), const void *arg, unsigned fl)
{
	size_t need = fmt(arg, fl, obuf + olen, sizeof obuf - olen);
	if (need < sizeof obuf - olen) {
		olen += need;
		return;
	}
	oflush();
	if (need < sizeof obuf) {
		olen = fmt(arg, fl, obuf, sizeof obuf);
		return;
	}
	char *big = malloc(need + 1);
	if (!big) { fprintf(stderr, "%s: out of memory\n", prog); exit(1); }
	fmt(arg, fl, big, need + 1);
	omem(big, need);
	free(big);
}

struct qarg { const uint8_t *p; size_t n; };
static __attribute__((unused)) size_t fmt_quote(const void *a, unsigned json, char *buf, size_t cap)
{
	const struct qarg *q = a;
	return rrlog_format_quote(q->p, q->n, (int)json, buf, cap);
}
static __attribute__((unused)) size_t fmt_event(const void *ev, unsigned fl, char *buf, size_t cap)
{
	return rrlog_format_event(ev, fl, buf, cap);
}
static __attribute__((unused)) void oqs(const char *s, int json)
{
	struct qarg q = { (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0 };
	oformatted(fmt_quote, &q, (unsigned)json);
}

static __attribute__((unused)) void okey_json(const char *k, int json)
{
	if (json) { ostr(",\""); ostr(k); ostr("\":"); }
	else { ochar(' '); ostr(k); ochar('='); }
}
#endif
