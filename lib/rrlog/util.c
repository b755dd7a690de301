/* librrlog shared helpers: CRC-32C, names, error messages, block headers, the
 * decimating index and full-buffer I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include "rrlog/internal.h"

/* CRC-32C, reflected polynomial 0x82F63B78. */
static const uint32_t crc_tab[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) { c = __builtin_ia32_crc32qi(c, *p++); n--; }
	uint64_t c64 = c;
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
	}
	c = (uint32_t)c64;
	while (n--) c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#define HAVE_CRC_HW 1
#endif

uint32_t rl_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc;
#ifdef HAVE_CRC_HW
	if (__builtin_cpu_supports("sse4.2")) return ~crc_hw(c, p, len);
#endif
	while (len--) c = crc_tab[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static const char *const kind_names[RRLOG_KIND_COUNT] = {
	"INSN", "INTERRUPT", "EXCEPTION", "ASYNC_BH", "ASYNC_BH_ONESHOT", "ASYNC_INPUT",
	"ASYNC_INPUT_SYNC", "CHAR_READ", "BLOCK", "NET", "CLOCK_HOST", "CLOCK_VRT", "RANDOM",
	"CHECKPOINT", "SNAPSHOT", "STATE_HASH", "SHUTDOWN", "END", "CHAR_WRITE",
	"CHAR_READ_ALL", "CHAR_READ_ALL_ERROR", "AUDIO_OUT", "AUDIO_IN", "IDLE",
};
static const char *const shutdown_names[RRLOG_SHUTDOWN_COUNT] = {
	"none", "host-error", "host-qmp-quit", "host-qmp-system-reset", "host-signal",
	"host-ui", "guest-shutdown", "guest-reset", "guest-panic", "subsystem-reset",
	"snapshot-load",
};
static const char *const cp_names[RRLOG_CP_COUNT] = {
	"clock-warp-start", "clock-warp-account", "reset-requested", "suspend-requested",
	"clock-virtual", "clock-host", "clock-virtual-rt", "init", "reset",
};

const char *rrlog_kind_name(int kind)
{
	return kind >= 0 && kind < RRLOG_KIND_COUNT ? kind_names[kind] : NULL;
}

int rrlog_kind_from_name(const char *s)
{
	if (!s) return -1;
	for (int i = 0; i < RRLOG_KIND_COUNT; i++)
		if (!strcasecmp(s, kind_names[i])) return i;
	return -1;
}

const char *rrlog_shutdown_name(uint32_t c) { return c < RRLOG_SHUTDOWN_COUNT ? shutdown_names[c] : NULL; }
const char *rrlog_checkpoint_name(uint32_t k) { return k < RRLOG_CP_COUNT ? cp_names[k] : NULL; }

const char *rrlog_header_get(const struct rrlog_header_info *h, const char *key)
{
	if (!h || !key) return NULL;
	for (size_t i = 0; i < h->nkv; i++)
		if (h->kv[i].key && !strcmp(h->kv[i].key, key)) return h->kv[i].value;
	return NULL;
}

const char *rrlog_strerror(int code)
{
	switch (code) {
	case RRLOG_OK: return "success";
	case RRLOG_EINVAL: return "invalid argument";
	case RRLOG_ENOMEM: return "out of memory";
	case RRLOG_EIO: return "input/output error";
	case RRLOG_ENOSPC: return "no space left on device";
	case RRLOG_ENOTLOG: return "not an rrlog or QEMU replay log";
	case RRLOG_EVERSION: return "unknown log format version";
	case RRLOG_ECORRUPT: return "log is corrupt";
	case RRLOG_ETRUNCATED: return "log is truncated";
	case RRLOG_EORDER: return "icount went backwards";
	case RRLOG_ETTY: return "refusing to write a binary log to a terminal";
	case RRLOG_ESEEK: return "cannot seek backwards in a pipe";
	case RRLOG_EUNSUPPORTED: return "log content not supported";
	case RRLOG_EFAILED: return "writer failed earlier";
	}
	return "unknown error";
}

int rl_fmt(char *buf, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, RL_ERRMSG, fmt, ap);
	va_end(ap);
	return code;
}

int rl_errno_code(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EFBIG ? RRLOG_ENOSPC : e == ENOMEM ? RRLOG_ENOMEM : RRLOG_EIO;
}

void rl_bhdr_put(uint8_t *p, const struct rl_bhdr *h)
{
	rl_put32(p, RL_BLK_MAGIC);
	p[4] = h->type;
	p[5] = h->codec;
	rl_put16(p + 6, h->aux);
	rl_put32(p + 8, h->stored);
	rl_put32(p + 12, h->raw);
	rl_put32(p + 16, h->count);
	rl_put32(p + 20, h->pcrc);
	rl_put64(p + 24, h->first);
	rl_put64(p + 32, h->last);
	rl_put32(p + 40, h->seq);
	rl_put32(p + 44, rl_crc32c(0, p, 44));
}

int rl_bhdr_get(const uint8_t *p, struct rl_bhdr *h)
{
	if (rl_get32(p) != RL_BLK_MAGIC) return -1;
	if (rl_get32(p + 44) != rl_crc32c(0, p, 44)) return -2;
	h->type = p[4];
	h->codec = p[5];
	h->aux = rl_get16(p + 6);
	h->stored = rl_get32(p + 8);
	h->raw = rl_get32(p + 12);
	h->count = rl_get32(p + 16);
	h->pcrc = rl_get32(p + 20);
	h->first = rl_get64(p + 24);
	h->last = rl_get64(p + 32);
	h->seq = rl_get32(p + 40);
	return 0;
}

void rl_index_init(struct rl_index *ix, unsigned cap_log2)
{
	memset(ix, 0, sizeof *ix);
	ix->cap_log2 = cap_log2;
	ix->stride = 1;
}

void rl_index_free(struct rl_index *ix)
{
	free(ix->e);
	ix->e = NULL;
	ix->n = ix->alloc = 0;
}

int rl_index_add(struct rl_index *ix, uint64_t off, uint32_t seq, uint64_t first,
                 uint64_t last, uint64_t events)
{
	if (ix->n && ix->in_last < ix->stride) {
		struct rl_ient *e = &ix->e[ix->n - 1];
		e->last = last;
		e->events += events;
		ix->in_last++;
		return 0;
	}
	uint32_t cap = 1u << ix->cap_log2;
	if (ix->n == cap) { /* halve: merge neighbours */
		for (uint32_t i = 0; i < cap / 2; i++) {
			struct rl_ient a = ix->e[2 * i], b = ix->e[2 * i + 1];
			a.last = b.last;
			a.events += b.events;
			ix->e[i] = a;
		}
		ix->n = cap / 2;
		ix->stride *= 2;
	}
	if (ix->n == ix->alloc) {
		uint32_t na = ix->alloc ? ix->alloc * 2 : 64;
		if (na > cap) na = cap;
		struct rl_ient *ne = realloc(ix->e, (size_t)na * sizeof *ne);
		if (!ne) return RRLOG_ENOMEM;
		ix->e = ne;
		ix->alloc = na;
	}
	ix->e[ix->n++] = (struct rl_ient){ off, first, last, events, seq };
	ix->in_last = 1;
	return 0;
}

void rl_ient_put(uint8_t *p, const struct rl_ient *e)
{
	rl_put64(p, e->offset);
	rl_put64(p + 8, e->first);
	rl_put64(p + 16, e->last);
	rl_put64(p + 24, e->events);
	rl_put32(p + 32, e->seq);
	rl_put32(p + 36, rl_crc32c(0, p, 36));
}

int rl_ient_get(const uint8_t *p, struct rl_ient *e)
{
	if (rl_get32(p + 36) != rl_crc32c(0, p, 36)) return -1;
	e->offset = rl_get64(p);
	e->first = rl_get64(p + 8);
	e->last = rl_get64(p + 16);
	e->events = rl_get64(p + 24);
	e->seq = rl_get32(p + 32);
	return 0;
}

long rl_read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0) { if (errno == EINTR) continue; return -1; }
		if (k == 0) break;
		got += k;
	}
	return (long)got;
}

long rl_pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (k < 0) { if (errno == EINTR) continue; return -1; }
		if (k == 0) break;
		got += k;
	}
	return (long)got;
}

int rl_write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) { if (errno == EINTR) continue; return -1; }
		if (k == 0) { errno = EIO; return -1; }
		p += k;
		n -= k;
	}
	return 0;
}
