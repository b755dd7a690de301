/* state_text: the machine state as key=value lines or JSON Lines, for scripts
 * (rr-run --stop-at) and the tools. One line a hart, then one for the machine:
 *   hart=0 pc=0x... priv=M x0=0x0 ... x31=0x... f0=0x... ... mstatus=0x... ...
 *   icount=N instructions=N hash=0x...
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/hart.h"
#include "replay/replay.h"

struct tbuf {
	char *p;
	size_t len, cap;
	int oom;
};

__attribute__((format(printf, 2, 3)))
static void tput(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !b->oom; pass++) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && b->len + n < b->cap) {
			b->len += n;
			return;
		}
		size_t cap = b->cap ? b->cap : 4096;
		while (cap <= b->len + n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

/* One field: ` key=0x...` or `,"key":"0x..."` (hex as strings: JSON numbers lose
 * 64-bit precision). */
static void field(struct tbuf *b, int json, const char *key, uint64_t v)
{
	if (json)
		tput(b, ",\"%s\":\"0x%llx\"", key, (unsigned long long)v);
	else
		tput(b, " %s=0x%llx", key, (unsigned long long)v);
}

static const struct { const char *name; int csr; } csrs[] = {
	{ "mstatus", 0x300 }, { "misa", 0x301 }, { "medeleg", 0x302 }, { "mideleg", 0x303 },
	{ "mie", 0x304 }, { "mtvec", 0x305 }, { "mscratch", 0x340 }, { "mepc", 0x341 },
	{ "mcause", 0x342 }, { "mtval", 0x343 }, { "mip", 0x344 }, { "sstatus", 0x100 },
	{ "stvec", 0x105 }, { "sscratch", 0x140 }, { "sepc", 0x141 }, { "scause", 0x142 },
	{ "stval", 0x143 }, { "satp", 0x180 }, { "fcsr", 0x003 }, { "minstret", 0xb02 },
};

char *rr_state_text(struct machine *m, int json)
{
	struct tbuf b = { 0 };
	static const char prv[] = "USHM";
	for (int i = 0; i < machine_nharts(m); i++) {
		struct hart *h = machine_hart(m, i);
		char key[8];
		if (json)
			tput(&b, "{\"hart\":%d,\"pc\":\"0x%llx\",\"priv\":\"%c\"", i,
			     (unsigned long long)h->s.pc, prv[h->s.priv & 3]);
		else
			tput(&b, "hart=%d pc=0x%llx priv=%c", i, (unsigned long long)h->s.pc, prv[h->s.priv & 3]);
		for (int r = 0; r < 32; r++) {
			snprintf(key, sizeof key, "x%d", r);
			field(&b, json, key, h->s.x[r]);
		}
		for (int r = 0; r < 32; r++) {
			snprintf(key, sizeof key, "f%d", r);
			field(&b, json, key, h->s.f[r]);
		}
		for (size_t k = 0; k < sizeof csrs / sizeof csrs[0]; k++) {
			uint64_t v;
			if (hart_csr_read(h, csrs[k].csr, &v) == 0)
				field(&b, json, csrs[k].name, v);
		}
		tput(&b, json ? ",\"wfi\":%u}\n" : " wfi=%u\n", h->s.wfi);
	}
	uint64_t hash = machine_state_hash(m);
	if (json)
		tput(&b, "{\"icount\":%llu,\"instructions\":%llu,\"hash\":\"0x%016llx\"}\n",
		     (unsigned long long)machine_icount(m), (unsigned long long)machine_instructions(m),
		     (unsigned long long)hash);
	else
		tput(&b, "icount=%llu instructions=%llu hash=0x%016llx\n",
		     (unsigned long long)machine_icount(m), (unsigned long long)machine_instructions(m),
		     (unsigned long long)hash);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
