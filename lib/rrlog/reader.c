/* librrlog reader: header, blocks, events, seeking through the index, validation.
 * QEMU replay logs are decoded by qemu.c behind the same calls.
 *
 * The reader holds one compressed and one decompressed block (plus, for an event
 * whose data lives in data blocks, that event's bytes), so its memory does not grow
 * with the log.  Regular files are read with pread() at r->pos; pipes with read(),
 * skipping forward by reading and discarding. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include "rrlog/internal.h"

#define ULL(x) ((unsigned long long)(x))

int rl_reader_err(rrlog_reader *r, int code, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	r->err = code;
	r->err_off = off;
	return code;
}

static int r_ioerr(rrlog_reader *r, const char *what)
{
	int e = errno;
	return rl_reader_err(r, rl_errno_code(e), r->pos, "%s at offset %llu: %s", what, ULL(r->pos),
	             strerror(e));
}

/* Reads up to n bytes at r->pos, advancing it; returns the count (short = EOF) or -1
 * with r->err set. */
static long r_read(rrlog_reader *r, void *buf, size_t n)
{
	long k = r->seekable ? rl_pread_full(r->fd, buf, n, r->pos) : rl_read_full(r->fd, buf, n);
	if (k < 0) { r_ioerr(r, "read failed"); return -1; }
	r->pos += k;
	r->st.bytes_read += k;
	return k;
}

/* Moves n bytes forward without using them; returns the bytes skipped (short = EOF)
 * or -1. */
static long r_skip(rrlog_reader *r, uint64_t n)
{
	if (r->seekable) {
		struct stat sb;
		if (r->pos + n > r->file_size && !fstat(r->fd, &sb)) r->file_size = sb.st_size; /* grew? */
		uint64_t room = r->pos < r->file_size ? r->file_size - r->pos : 0;
		uint64_t k = n < room ? n : room;
		r->pos += k;
		return (long)k;
	}
	uint8_t tmp[16384];
	uint64_t done = 0;
	while (done < n) {
		size_t want = n - done < sizeof tmp ? n - done : sizeof tmp;
		long k = r_read(r, tmp, want);
		if (k < 0) return -1;
		done += k;
		if ((size_t)k < want) break;
	}
	return (long)done;
}

/* Grows *buf to at least need bytes (doubling from *cap). */
static int r_grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap) return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need) n *= 2;
	uint8_t *p = realloc(*buf, n);
	if (!p) return -1;
	*buf = p;
	*cap = n;
	return 0;
}

/* ---- header ---- */

static int h_str(const uint8_t **pp, const uint8_t *end, char **sp, const char **out)
{
	uint64_t n;
	if (rl_getv(pp, end, &n) || n > (uint64_t)(end - *pp)) return -1;
	memcpy(*sp, *pp, n);
	(*sp)[n] = 0;
	*out = *sp;
	*sp += n + 1;
	*pp += n;
	return 0;
}

/* Parses the header body [b, b+n) into r->hi / r->hmem. */
static int r_parse_header(rrlog_reader *r, const uint8_t *b, size_t n, uint32_t version)
{
	const uint8_t *p = b, *end = b + n;
	uint64_t tl, cl, ni, nk;
	/* First pass: counts, to size the allocation (lengths are checked in pass 2). */
	if (rl_getv(&p, end, &tl) || tl > (uint64_t)(end - p)) goto bad;
	p += tl;
	if (rl_getv(&p, end, &cl) || cl > (uint64_t)(end - p)) goto bad;
	p += cl;
	if (rl_getv(&p, end, &ni) || ni > (uint64_t)(end - p) / 35) goto bad;
	size_t asz = ni * sizeof(struct rrlog_image) + (n / 2 + 1) * sizeof(struct rrlog_kv) + 2 * n + 8;
	r->hmem = calloc(1, asz);
	if (!r->hmem) return rl_reader_err(r, RRLOG_ENOMEM, 0, "out of memory for the header");
	struct rrlog_image *im = r->hmem;
	struct rrlog_kv *kv = (struct rrlog_kv *)(im + ni);
	char *sp = (char *)(kv + n / 2 + 1);
	p = b;
	if (h_str(&p, end, &sp, &r->hi.tool) || h_str(&p, end, &sp, &r->hi.config)) goto bad;
	if (rl_getv(&p, end, &ni)) goto bad;
	for (uint64_t i = 0; i < ni; i++) {
		if (h_str(&p, end, &sp, &im[i].role) || h_str(&p, end, &sp, &im[i].path) ||
		    rl_getv(&p, end, &im[i].size) || end - p < 32)
			goto bad;
		memcpy(im[i].sha256, p, 32);
		p += 32;
	}
	if (rl_getv(&p, end, &nk) || nk > (uint64_t)(end - p) / 2) goto bad;
	for (uint64_t i = 0; i < nk; i++)
		if (h_str(&p, end, &sp, &kv[i].key) || h_str(&p, end, &sp, &kv[i].value)) goto bad;
	if (p != end) goto bad;
	r->hi.version = version;
	r->hi.source = RRLOG_SOURCE_RRLOG;
	r->hi.images = im;
	r->hi.nimages = ni;
	r->hi.kv = kv;
	r->hi.nkv = nk;
	return 0;
bad:
	return rl_reader_err(r, RRLOG_ECORRUPT, RL_FHDR_FIXED + (p - b),
	             "header: malformed field at offset %llu", ULL(RL_FHDR_FIXED + (p - b)));
}

static int r_open_rrlog(rrlog_reader *r, const uint8_t *pre)
{
	uint32_t version = rl_get32(pre + 8), n = rl_get32(pre + 12);
	if (version == 0 || version > RRLOG_FORMAT_VERSION)
		return rl_reader_err(r, RRLOG_EVERSION, 8, "log format version %u; this reader knows 1..%u",
		             version, RRLOG_FORMAT_VERSION);
	if (n > RL_HDR_MAX)
		return rl_reader_err(r, RRLOG_ECORRUPT, 12, "header length %u exceeds the limit (%u)", n,
		             RL_HDR_MAX);
	uint8_t *b = malloc((size_t)n + 12);
	if (!b) return rl_reader_err(r, RRLOG_ENOMEM, 0, "out of memory for the header");
	memcpy(b, pre + 8, 8);
	long k = r_read(r, b + 8, (size_t)n + 4);
	int rc;
	if (k < 0) rc = r->err;
	else if ((size_t)k < (size_t)n + 4)
		rc = rl_reader_err(r, RRLOG_ETRUNCATED, r->pos, "header truncated: %llu of %llu bytes",
		           ULL(RL_FHDR_FIXED + k), ULL(RL_FHDR_FIXED + n + 4));
	else if (rl_crc32c(0, b, 8 + n) != rl_get32(b + 8 + n))
		rc = rl_reader_err(r, RRLOG_ECORRUPT, 0, "header checksum mismatch");
	else
		rc = r_parse_header(r, b + 8, n, version);
	free(b);
	r->hdr_end = RL_FHDR_FIXED + (uint64_t)n + 4;
	return rc;
}

static int r_open(int fd, int own, rrlog_reader **out)
{
	rrlog_reader *r = calloc(1, sizeof *r);
	*out = r;
	if (!r) { if (own) close(fd); return RRLOG_ENOMEM; }
	r->fd = fd;
	r->own_fd = own;
	rl_index_init(&r->ix, RL_INDEX_CAP_LOG2);
	rl_index_init(&r->rix, RL_INDEX_CAP_LOG2);
	struct stat sb;
	if (fstat(fd, &sb)) return r_ioerr(r, "cannot stat");
	if (S_ISREG(sb.st_mode)) {
		r->seekable = 1;
		r->file_size = sb.st_size;
	}
	uint8_t pre[RL_FHDR_FIXED];
	long k = r_read(r, pre, sizeof pre);
	if (k < 0) return r->err;
	if (k == 0) return rl_reader_err(r, RRLOG_ENOTLOG, 0, "empty file, not a log");
	size_t m = (size_t)k < RL_MAGIC_LEN ? (size_t)k : RL_MAGIC_LEN;
	if (!memcmp(pre, RL_MAGIC, m)) {
		if (k < RL_FHDR_FIXED)
			return rl_reader_err(r, RRLOG_ETRUNCATED, k, "header truncated: %ld of at least %d bytes",
			             k, RL_FHDR_FIXED);
		return r_open_rrlog(r, pre);
	}
	if (k >= 4 && pre[0] == 0 && pre[1] == 0xe0 && pre[2] == 0x20) return rl_qemu_open(r, pre, k);
	if (k >= 12 && !memcmp(pre, "\0\0\0\0\0\0\0\0\0\0\0\0", 12)) return rl_qemu_open(r, pre, k);
	return rl_reader_err(r, RRLOG_ENOTLOG, 0, "not a log: unknown magic (neither rrlog nor a QEMU replay log)");
}

int rrlog_reader_open_fd(int fd, rrlog_reader **out)
{
	return r_open(fd, 0, out);
}

int rrlog_reader_open(const char *path, rrlog_reader **out)
{
	if (!path || !strcmp(path, "-")) return r_open(0, 0, out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		rrlog_reader *r = calloc(1, sizeof *r);
		*out = r;
		if (!r) return RRLOG_ENOMEM;
		r->fd = -1;
		rl_index_init(&r->ix, RL_INDEX_CAP_LOG2);
		rl_index_init(&r->rix, RL_INDEX_CAP_LOG2);
		return rl_reader_err(r, rl_errno_code(e) == RRLOG_ENOMEM ? RRLOG_ENOMEM : RRLOG_EIO, 0,
		             "cannot open: %s", strerror(e));
	}
	return r_open(fd, 1, out);
}

void rrlog_reader_close(rrlog_reader *r)
{
	if (!r) return;
	if (r->own_fd && r->fd >= 0) close(r->fd);
	rl_qemu_free(r->q);
	free(r->hmem);
	free(r->cbuf);
	free(r->ubuf);
	free(r->xbuf);
	ZSTD_freeDCtx(r->zd);
	rl_index_free(&r->ix);
	rl_index_free(&r->rix);
	free(r->snaps);
	free(r);
}

const char *rrlog_reader_errmsg(const rrlog_reader *r)
{
	return r ? r->msg : "out of memory";
}

const struct rrlog_header_info *rrlog_reader_header(const rrlog_reader *r)
{
	return r ? &r->hi : NULL;
}

/* ---- blocks ---- */

/* Reads a block header at r->pos into *h.  Returns 1 ok, 0 clean end of file, or an
 * error. */
static int r_read_bhdr(rrlog_reader *r, struct rl_bhdr *h)
{
	uint8_t b[RL_BHDR];
	uint64_t at = r->pos;
	long k = r_read(r, b, RL_BHDR);
	if (k < 0) return r->err;
	if (k == 0) return 0;
	if (k < RL_BHDR)
		return rl_reader_err(r, RRLOG_ETRUNCATED, at, "block %u at offset %llu: header truncated "
		             "(%ld of %d bytes)", r->next_seq, ULL(at), k, RL_BHDR);
	int rc = rl_bhdr_get(b, h);
	if (rc == -1)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: bad block magic",
		             r->next_seq, ULL(at));
	if (rc == -2)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: header checksum mismatch",
		             r->next_seq, ULL(at));
	if (h->seq != r->next_seq)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block at offset %llu: numbered %u, expected %u",
		             ULL(at), h->seq, r->next_seq);
	const char *bad = NULL;
	if (h->type < RRLOG_BLOCK_EVENTS || h->type > RRLOG_BLOCK_INDEX) bad = "unknown block type";
	else if (h->codec > RL_CODEC_ZSTD) bad = "unknown codec";
	else if (h->codec == RL_CODEC_RAW && h->stored != h->raw) bad = "raw block with stored != raw size";
	else if (h->type != RRLOG_BLOCK_INDEX && h->raw > RL_RAW_MAX) bad = "block size over the limit";
	else if (h->codec == RL_CODEC_ZSTD && h->stored > ZSTD_compressBound(h->raw)) bad = "stored size over the compression bound";
	else if (h->first > h->last) bad = "first icount above last icount";
	else if (h->type == RRLOG_BLOCK_EVENTS && (!h->count || h->raw > RL_EVBLOCK_MAX || (h->aux & ~(r->hi.version >= 2 ? RL_AUX_MASK_V2 : RL_AUX_MASK_V1)))) bad = "bad events block";
	else if (h->type == RRLOG_BLOCK_EVENTS && (h->aux & RL_AUX_SNAPSHOT) && (h->count != 1 || (h->aux & RL_AUX_END))) bad = "bad snapshot block";
	else if (h->type == RRLOG_BLOCK_EVENTS && (h->aux & RL_AUX_SNAP_FULL) && !(h->aux & RL_AUX_SNAPSHOT)) bad = "bad events block";
	else if (h->type == RRLOG_BLOCK_DATA && h->aux) bad = "bad data block";
	else if (h->type == RRLOG_BLOCK_DATA && (!h->raw || h->raw > RL_DATA_CHUNK || h->first != h->last)) bad = "bad data block";
	else if (h->type == RRLOG_BLOCK_INDEX && (h->codec != RL_CODEC_RAW || (uint64_t)h->count * RL_IENT != h->raw)) bad = "bad index block";
	if (bad)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: %s", h->seq, ULL(at), bad);
	r->cur_off = at;
	return 1;
}

/* Reads the payload of block h (header already read) and decompresses it into dst
 * (room for h->raw bytes).  Returns 0 or an error. */
static int r_read_payload(rrlog_reader *r, const struct rl_bhdr *h, uint8_t *dst)
{
	uint64_t at = r->cur_off;
	uint8_t *src = h->codec == RL_CODEC_RAW ? dst : NULL;
	if (!src) {
		if (r_grow(&r->cbuf, &r->ccap, h->stored ? h->stored : 1))
			return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
		src = r->cbuf;
	}
	long k = r_read(r, src, h->stored);
	if (k < 0) return r->err;
	if ((uint32_t)k < h->stored)
		return rl_reader_err(r, RRLOG_ETRUNCATED, at, "block %u at offset %llu: truncated (%ld of %u "
		             "payload bytes)", h->seq, ULL(at), k, h->stored);
	if (rl_crc32c(0, src, h->stored) != h->pcrc)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: checksum mismatch",
		             h->seq, ULL(at));
	if (h->codec == RL_CODEC_ZSTD) {
		if (!r->zd && !(r->zd = ZSTD_createDCtx()))
			return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
		size_t n = ZSTD_decompressDCtx(r->zd, dst, h->raw, src, h->stored);
		if (ZSTD_isError(n) || n != h->raw)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: bad compressed data%s%s",
			             h->seq, ULL(at), ZSTD_isError(n) ? ": " : "",
			             ZSTD_isError(n) ? ZSTD_getErrorName(n) : "");
	}
	r->st.blocks++;
	r->st.stored_bytes += h->stored;
	r->st.raw_bytes += h->raw;
	return 0;
}

/* Loads the next events block whose last icount is >= min (earlier ones are skipped
 * undecoded, as are data blocks after a skipped block).  Returns 1 loaded, 0 when
 * the index block or the end of the file comes first (r->err says which), or an error. */
static int r_load_block(rrlog_reader *r, uint64_t min)
{
	for (;;) {
		struct rl_bhdr h;
		uint64_t at = r->pos;
		int rc = r_read_bhdr(r, &h);
		if (rc < 0) return rc;
		if (rc == 0)
			return rl_reader_err(r, RRLOG_ETRUNCATED, at, "log ends at offset %llu without an END event "
			             "(the writer did not finish: killed or crashed?)", ULL(at));
		if (h.type == RRLOG_BLOCK_INDEX)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: index block before "
			             "the END event", h.seq, ULL(at));
		if (h.type == RRLOG_BLOCK_DATA && !r->skip_data)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: data block without "
			             "an event that owns it", h.seq, ULL(at));
		if (h.type == RRLOG_BLOCK_EVENTS && h.first < r->last_icount)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: icount %llu is below "
			             "the previous event's %llu", h.seq, ULL(at), ULL(h.first),
			             ULL(r->last_icount));
		r->next_seq++;
		if (h.type == RRLOG_BLOCK_DATA || h.last < min) {
			long k = r_skip(r, h.stored);
			if (k < 0) return r->err;
			if ((uint32_t)k < h.stored)
				return rl_reader_err(r, RRLOG_ETRUNCATED, at, "block %u at offset %llu: truncated",
				             h.seq, ULL(at));
			if (h.type == RRLOG_BLOCK_EVENTS) {
				r->skip_data = 2;
				r->last_icount = h.last;
				if (h.aux & RL_AUX_END) return 0; /* skipped the END event */
			}
			continue;
		}
		r->skip_data = 0;
		if (!r->ubuf && !(r->ubuf = malloc(r->ucap = RL_EVBLOCK_MAX)))
			return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
		if ((rc = r_read_payload(r, &h, r->ubuf))) return rc;
		if (r->validating && rl_index_add(&r->ix, at, h.seq, h.first, h.last, h.count))
			return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
		r->cur = h;
		r->blk_off = at;
		r->have_block = 1;
		r->p = r->ubuf;
		r->end = r->ubuf + h.raw;
		r->left = h.count;
		r->icount = h.first;
		memset(r->prev_val, 0, sizeof r->prev_val);
		return 1;
	}
}

/* Passes over the payload of the data block h (at offset at) without decompressing
 * it, but reads it to check its checksum: a replay that skips the snapshots it reads
 * past still notices one that is corrupt. */
static int r_pass_payload(rrlog_reader *r, const struct rl_bhdr *h, uint64_t at)
{
	uint8_t tmp[16384];
	uint32_t crc = 0, done = 0;
	while (done < h->stored) {
		size_t want = h->stored - done < sizeof tmp ? h->stored - done : sizeof tmp;
		long k = r_read(r, tmp, want);
		if (k < 0) return r->err;
		crc = rl_crc32c(crc, tmp, k);
		done += k;
		if ((size_t)k < want)
			return rl_reader_err(r, RRLOG_ETRUNCATED, at, "block %u at offset %llu: truncated (%u of %u "
			             "payload bytes)", h->seq, ULL(at), done, h->stored);
	}
	if (crc != h->pcrc)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: checksum mismatch",
		             h->seq, ULL(at));
	return 0;
}

/* Reads the data blocks of an event of len bytes at icount (skip: pass them, checking
 * their checksums only). */
static int r_collect(rrlog_reader *r, uint64_t len, uint64_t icount, int skip)
{
	uint64_t got = 0;
	for (uint32_t chunk = 0; got < len; chunk++) {
		struct rl_bhdr h;
		uint64_t at = r->pos;
		int rc = r_read_bhdr(r, &h);
		if (rc < 0) return rc;
		if (rc == 0)
			return rl_reader_err(r, RRLOG_ETRUNCATED, at, "log ends at offset %llu inside the data of "
			             "the event at icount %llu", ULL(at), ULL(icount));
		uint64_t want = len - got < RL_DATA_CHUNK ? len - got : RL_DATA_CHUNK;
		if (h.type != RRLOG_BLOCK_DATA || h.count != chunk || h.first != icount || h.raw != want)
			return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: expected data chunk "
			             "%u of the event at icount %llu", h.seq, ULL(at), chunk, ULL(icount));
		r->next_seq++;
		if (skip) {
			if ((rc = r_pass_payload(r, &h, at))) return rc;
		} else {
			if (r_grow(&r->xbuf, &r->xcap, got + want))
				return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory for a %llu-byte event",
				             ULL(len));
			if ((rc = r_read_payload(r, &h, r->xbuf + got))) return rc;
		}
		got += want;
	}
	return 0;
}

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* LEB128 with a one-byte fast path; see rl_getv. */
static inline int r_getv(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	if (LIKELY(*pp < end && **pp < 0x80)) { *v = *(*pp)++; return 0; }
	return rl_getv(pp, end, v);
}

static int r_corrupt(rrlog_reader *r, const char *bad)
{
	r->have_block = 0;
	return rl_reader_err(r, RRLOG_ECORRUPT, r->cur_off, "block %u at offset %llu: event %u: %s",
	             r->cur.seq, ULL(r->cur_off), r->cur.count - r->left, bad);
}

/* Checks for the first and last event of a block, END and data-block events. */
static int r_edge_checks(rrlog_reader *r, uint32_t kind, uint64_t ic, int first, int ext)
{
	if (first && ic != r->cur.first) return r_corrupt(r, "first event's icount differs from the block header");
	if (!r->left && r->p != r->end) return r_corrupt(r, "more bytes than events");
	if (!r->left && ic != r->cur.last) return r_corrupt(r, "last event's icount differs from the block header");
	if ((kind == RRLOG_END) != (!r->left && (r->cur.aux & RL_AUX_END)))
		return r_corrupt(r, kind == RRLOG_END ? "END is not the last event of a block marked so"
		                                      : "block marked as holding END does not end with it");
	if (ext && r->left) return r_corrupt(r, "event with data blocks is not the last of its block");
	if (r->cur.aux & RL_AUX_SNAPSHOT) {
		if (kind != RRLOG_SNAPSHOT) return r_corrupt(r, "block marked as a snapshot holds another event");
		if (!(r->cur.aux & RL_AUX_SNAP_FULL) != (r->pend_sub != RRLOG_SNAP_FULL))
			return r_corrupt(r, "snapshot kind differs from the block mark");
	} else if (kind == RRLOG_SNAPSHOT && r->hi.version >= 2) {
		return r_corrupt(r, "SNAPSHOT outside a block of its own");
	}
	return 0;
}

/* Decodes the next event of the loaded block into *ev.  Events below skip_below
 * whose data is in data blocks have those blocks skipped.  Returns 1 or an error. */
static inline __attribute__((always_inline)) int r_decode(rrlog_reader *r, struct rrlog_event *ev,
                                                         uint64_t skip_below)
{
	const uint8_t *p = r->p, *end = r->end, *p0 = p;
	uint64_t delta, v = 0, len = 0, sub = 0;
	uint32_t kind;
	int ext = 0;
	const uint8_t *data = NULL;
	if (UNLIKELY(p >= end)) return r_corrupt(r, "fewer events than the header says");
	uint8_t t = *p++;
	if (t & RL_TAG_INSN) {
		kind = RRLOG_INSN;
		delta = t & 0x3f;
		if (t & RL_TAG_INSN_MORE) {
			if (r_getv(&p, end, &v) || v >> 58) return r_corrupt(r, "bad icount delta");
			delta |= v << 6;
			v = 0;
		}
		r->prev_val[RRLOG_INSN] = 0;
	} else {
		kind = t & 0x1f;
		delta = 0;
		if (UNLIKELY(kind >= RRLOG_KIND_COUNT)) return r_corrupt(r, "unknown event kind");
		if ((t & RL_TAG_DELTA) && r_getv(&p, end, &delta)) return r_corrupt(r, "bad icount delta");
		if (t & RL_TAG_FIELDS) {
			if (UNLIKELY(p >= end)) return r_corrupt(r, "record runs past the block");
			uint8_t f = *p++;
			int nv = !!(f & RL_F_VALUE) + !!(f & RL_F_VDELTA) + !!(f & RL_F_VFIXED);
			if (UNLIKELY((f & 0xc0) || nv > 1 || ((f & RL_F_DATA) && (f & RL_F_EXT)) || !f))
				return r_corrupt(r, "bad field flags");
			if ((f & RL_F_SUB) && (r_getv(&p, end, &sub) || sub > UINT32_MAX))
				return r_corrupt(r, "bad sub field");
			if (f & RL_F_VALUE) {
				if (r_getv(&p, end, &v)) return r_corrupt(r, "bad value");
			} else if (f & RL_F_VDELTA) {
				if (r_getv(&p, end, &v)) return r_corrupt(r, "bad value");
				v = r->prev_val[kind] + (uint64_t)rl_unzz(v);
			} else if (f & RL_F_VFIXED) {
				if (end - p < 8) return r_corrupt(r, "bad value");
				v = rl_get64(p);
				p += 8;
			}
			if (f & (RL_F_DATA | RL_F_EXT)) {
				if (r_getv(&p, end, &len) || !len) return r_corrupt(r, "bad data length");
				if (f & RL_F_DATA) {
					if (len > (uint64_t)(end - p)) return r_corrupt(r, "data runs past the block");
					data = p;
					p += len;
				} else {
					ext = 1;
				}
			}
		}
		r->prev_val[kind] = v;
	}
	uint64_t ic = r->icount + delta;
	if (UNLIKELY(ic < r->icount)) return r_corrupt(r, "icount overflows");
	int first = r->left == r->cur.count;
	r->left--;
	r->p = p;
	r->ev_blk_off = r->blk_off;
	r->ev_index = r->cur.count - r->left - 1;
	r->ev_blk_seq = r->cur.seq;
	r->ev_icount = ic;
	if (UNLIKELY(first || r->left <= 1 || ext || kind == RRLOG_END || kind == RRLOG_SNAPSHOT)) {
		r->pend_sub = (uint32_t)sub;
		/* (left <= 1 also covers the event before the last: cheap and harmless) */
		int rc = r_edge_checks(r, kind, ic, first, ext);
		if (rc) return rc;
	}
	r->icount = ic;
	r->last_icount = ic;
	r->events_seen++;
	ev->kind = kind;
	ev->icount = ic;
	ev->sub = (uint32_t)sub;
	ev->value = v;
	ev->data = data;
	ev->len = len;
	r->ev_size = (p - p0) + (ext ? len : 0);
	if (UNLIKELY(ext)) {
		int skip = ic < skip_below || (r->skip_kinds >> kind & 1);
		int rc = r_collect(r, len, ic, skip);
		if (rc) { r->have_block = 0; return rc; }
		ev->data = skip ? NULL : r->xbuf;
	}
	if (kind == RRLOG_END) r->at_end = 1;
	if (!r->left) r->have_block = 0;
	return 1;
}

int rrlog_reader_next(rrlog_reader *r, struct rrlog_event *ev)
{
	int rc;
	if (LIKELY(r && r->have_block && !r->pend && ev)) {
		/* hot path: an event of the loaded block (errors clear have_block) */
		if ((rc = r_decode(r, ev, 0)) != 1) return rc;
		goto got;
	}
	if (!r || !ev) return RRLOG_EINVAL;
	if (r->pend) {
		*ev = r->pev;
		r->ev_size = r->pev_size;
		r->pend = 0;
		goto got;
	}
	if (r->err) return r->err;
	if (r->at_end) return 0;
	if (r->q) {
		if ((rc = rl_qemu_next(r, ev)) != 1) return rc;
		goto got;
	}
	if (!r->have_block) {
		rc = r_load_block(r, 0);
		if (rc < 0) return rc;
		if (rc == 0) { r->at_end = 1; return 0; }
	}
	if ((rc = r_decode(r, ev, 0)) != 1) return rc;
got:
	r->st.events++;
	r->ret_any = 1;
	r->ret_icount = ev->icount;
	return 1;
}

/* Walks the block headers from the first block (no payload is read), calling
 * fn(r, offset, header) for each, up to the index block, a bad header or a torn
 * tail. Returns 0, or fn's error. */
static int r_walk_blocks(rrlog_reader *r, int (*fn)(rrlog_reader *, uint64_t, const struct rl_bhdr *))
{
	uint64_t off = r->hdr_end;
	uint8_t b[RL_BHDR];
	struct rl_bhdr h;
	while (off + RL_BHDR <= r->file_size) {
		if (rl_pread_full(r->fd, b, RL_BHDR, off) != RL_BHDR) break;
		r->st.bytes_read += RL_BHDR;
		if (rl_bhdr_get(b, &h) || h.type == RRLOG_BLOCK_INDEX) break;
		if (off + RL_BHDR + h.stored > r->file_size) break;
		int rc = fn(r, off, &h);
		if (rc) return rc;
		off += RL_BHDR + h.stored;
	}
	return 0;
}

/* ---- positions and snapshots ---- */

/* Forget the loaded block: the next read starts with the block header at off,
 * numbered seq, whose events are at icount first or later. */
static void r_reposition(rrlog_reader *r, uint64_t off, uint32_t seq, uint64_t first)
{
	r->pos = off;
	r->next_seq = seq;
	r->last_icount = first;
	r->have_block = 0;
	r->left = 0;
	r->at_end = 0;
	r->skip_data = 0;
	r->ret_any = 0;
}

void rrlog_reader_skip_data(rrlog_reader *r, uint32_t kind_mask)
{
	if (r) r->skip_kinds = kind_mask;
}

int rrlog_reader_tell(const rrlog_reader *r, struct rrlog_pos *pos)
{
	if (!r || !pos) return RRLOG_EINVAL;
	if (r->q || !r->seekable) return RRLOG_EUNSUPPORTED;
	if (!r->ret_any) return RRLOG_EINVAL;
	pos->offset = r->ev_blk_off;
	pos->seq = r->ev_blk_seq;
	pos->index = r->ev_index;
	pos->icount = r->ev_icount;
	return 0;
}

int rrlog_reader_seek_pos(rrlog_reader *r, const struct rrlog_pos *pos)
{
	if (!r || !pos) return RRLOG_EINVAL;
	if (r->q || !r->seekable) return RRLOG_EUNSUPPORTED;
	if (!r->hdr_end) return r->err ? r->err : RRLOG_EINVAL;
	if (pos->offset < r->hdr_end || pos->offset >= r->file_size)
		return rl_reader_err(r, RRLOG_EINVAL, pos->offset, "no events block at offset %llu",
		             ULL(pos->offset));
	r->err = 0;
	r->msg[0] = 0;
	r->pend = 0;
	r_reposition(r, pos->offset, pos->seq, 0);
	int rc = r_load_block(r, 0);
	if (rc < 0) return rc;
	if (rc == 0 || r->blk_off != pos->offset || pos->index >= r->cur.count)
		return rl_reader_err(r, RRLOG_EINVAL, pos->offset, "no event %u in a block at offset %llu",
		             pos->index, ULL(pos->offset));
	for (uint32_t i = 0; i <= pos->index; i++)
		if ((rc = r_decode(r, &r->pev, 0)) != 1) return rc;
	if (r->pev.icount != pos->icount)
		return rl_reader_err(r, RRLOG_EINVAL, pos->offset, "the event at offset %llu index %u has icount "
		             "%llu, not %llu", ULL(pos->offset), pos->index, ULL(r->pev.icount),
		             ULL(pos->icount));
	r->pend = 1;
	r->pev_size = r->ev_size;
	return 0;
}

/* r_walk_blocks: a SNAPSHOT's block goes into r->snaps. */
static int r_add_snapshot(rrlog_reader *r, uint64_t off, const struct rl_bhdr *h)
{
	if (h->type == RRLOG_BLOCK_EVENTS) r->walk_last_events = off;
	if (h->type != RRLOG_BLOCK_EVENTS || !(h->aux & RL_AUX_SNAPSHOT) || h->count != 1) return 0;
	if (r->nsnaps == r->snaps_cap) {
		size_t cap = r->snaps_cap ? 2 * r->snaps_cap : 64;
		void *ns = realloc(r->snaps, cap * sizeof *r->snaps);
		if (!ns) return rl_reader_err(r, RRLOG_ENOMEM, off, "out of memory");
		r->snaps = ns;
		r->snaps_cap = cap;
	}
	struct rrlog_snapshot_ref *e = &r->snaps[r->nsnaps++];
	e->pos.offset = off;
	e->pos.seq = h->seq;
	e->pos.index = 0;
	e->pos.icount = h->first;
	e->icount = h->first;
	e->full = !!(h->aux & RL_AUX_SNAP_FULL);
	return 0;
}

/* Is the SNAPSHOT whose events block (header h) is at off whole: its data inline, or
 * every byte of it in the data blocks after it?  The last snapshot of a log cut short
 * (a killed recorder, a full disk) may have lost its data to the torn tail. */
static int r_snapshot_whole(rrlog_reader *r, uint64_t off, const struct rl_bhdr *h)
{
	if (h->raw > RL_EVBLOCK_MAX || h->stored > ZSTD_compressBound(RL_EVBLOCK_MAX)) return 0;
	uint8_t *sb = malloc(h->stored ? h->stored : 1), *raw = malloc(h->raw ? h->raw : 1);
	uint64_t len = 0, v;
	int ok = 0, ext = 0;
	if (sb && raw && rl_pread_full(r->fd, sb, h->stored, off + RL_BHDR) == (long)h->stored &&
	    rl_crc32c(0, sb, h->stored) == h->pcrc) {
		int have = 0;
		if (h->codec == RL_CODEC_ZSTD) {
			size_t k = ZSTD_decompress(raw, h->raw, sb, h->stored);
			have = !ZSTD_isError(k) && k == h->raw;
		} else if (h->codec == RL_CODEC_RAW && h->stored == h->raw) {
			memcpy(raw, sb, h->raw);
			have = 1;
		}
		const uint8_t *p = raw, *e = raw + h->raw;
		if (have && p < e && !(*p & RL_TAG_INSN) && (*p & 0x1f) == RRLOG_SNAPSHOT) {
			uint8_t tag = *p++, f = 0;
			int bad = (tag & RL_TAG_DELTA) && rl_getv(&p, e, &v);
			if (!bad && (tag & RL_TAG_FIELDS)) { if (p < e) f = *p++; else bad = 1; }
			if (!bad && (f & RL_F_SUB)) bad = rl_getv(&p, e, &v);
			if (!bad && (f & (RL_F_VALUE | RL_F_VDELTA))) bad = rl_getv(&p, e, &v);
			if (!bad && (f & RL_F_VFIXED)) { if (e - p >= 8) p += 8; else bad = 1; }
			if (!bad && (f & (RL_F_DATA | RL_F_EXT))) bad = rl_getv(&p, e, &len);
			ext = !!(f & RL_F_EXT);
			ok = !bad;
		}
	}
	free(sb);
	free(raw);
	if (!ok || !ext) return ok;
	uint64_t got = 0, at = off + RL_BHDR + h->stored;
	uint8_t b[RL_BHDR];
	struct rl_bhdr d;
	while (got < len) {
		if (at + RL_BHDR > r->file_size || rl_pread_full(r->fd, b, RL_BHDR, at) != RL_BHDR ||
		    rl_bhdr_get(b, &d) || d.type != RRLOG_BLOCK_DATA || at + RL_BHDR + d.stored > r->file_size)
			return 0;
		got += d.raw;
		at += RL_BHDR + d.stored;
	}
	return got == len;
}

int rrlog_reader_snapshots(rrlog_reader *r, const struct rrlog_snapshot_ref **list, size_t *n)
{
	if (!r || !list || !n) return RRLOG_EINVAL;
	*list = NULL;
	*n = 0;
	if (r->q || !r->seekable) return RRLOG_EUNSUPPORTED;
	if (!r->hdr_end) return r->err ? r->err : RRLOG_EINVAL;
	if (!r->snaps_walked) {
		struct stat sb;
		if (!fstat(r->fd, &sb)) r->file_size = sb.st_size;
		int rc = r_walk_blocks(r, r_add_snapshot);
		if (rc) return rc;
		r->snaps_walked = 1;
		/* the last snapshot, when the log goes no further (no events block after
		 * it), is listed only if it is whole: a seek must not pick one whose data
		 * the torn tail took */
		uint8_t b[RL_BHDR];
		struct rl_bhdr h;
		if (r->nsnaps && r->snaps[r->nsnaps - 1].pos.offset == r->walk_last_events &&
		    (rl_pread_full(r->fd, b, RL_BHDR, r->walk_last_events) != RL_BHDR || rl_bhdr_get(b, &h) ||
		     !r_snapshot_whole(r, r->walk_last_events, &h)))
			r->nsnaps--;
	}
	*list = r->snaps;
	*n = r->nsnaps;
	return 0;
}

/* ---- seeking ---- */

/* Looks for a valid footer and index block; sets ix_state 1 if found. */
static void r_find_footer(rrlog_reader *r)
{
	uint8_t f[RL_FOOT], b[RL_BHDR];
	struct rl_bhdr h;
	if (r->file_size < r->hdr_end + RL_BHDR + RL_FOOT) return;
	uint64_t fo = r->file_size - RL_FOOT;
	if (rl_pread_full(r->fd, f, RL_FOOT, fo) != RL_FOOT) return;
	r->st.bytes_read += RL_FOOT;
	if (memcmp(f, RL_FOOT_MAGIC, 8) || rl_get32(f + 28) != rl_crc32c(0, f, 28)) return;
	uint64_t ixo = rl_get64(f + 8);
	uint32_t n = rl_get32(f + 24);
	if (ixo < r->hdr_end || ixo + RL_BHDR + (uint64_t)n * RL_IENT + RL_FOOT != r->file_size) return;
	if (rl_pread_full(r->fd, b, RL_BHDR, ixo) != RL_BHDR) return;
	r->st.bytes_read += RL_BHDR;
	if (rl_bhdr_get(b, &h) || h.type != RRLOG_BLOCK_INDEX || h.count != n) return;
	r->foot_ix_off = ixo;
	r->foot_n = n;
	r->foot_events = rl_get64(f + 16);
	r->ix_state = 1;
}

/* Builds r->rix by walking block headers from the first block (no payload is read). */
/* r_walk_blocks: an events block goes into the rebuilt index. */
static int r_add_to_rix(rrlog_reader *r, uint64_t off, const struct rl_bhdr *h)
{
	if (h->type == RRLOG_BLOCK_EVENTS && rl_index_add(&r->rix, off, h->seq, h->first, h->last, h->count))
		return rl_reader_err(r, RRLOG_ENOMEM, off, "out of memory");
	return 0;
}

static int r_rebuild_index(rrlog_reader *r)
{
	rl_index_free(&r->rix);
	rl_index_init(&r->rix, RL_INDEX_CAP_LOG2);
	int rc = r_walk_blocks(r, r_add_to_rix);
	if (rc) return rc;
	r->ix_state = 2;
	return 0;
}

/* Finds the index entry to start scanning from for icount n; returns 0 and *e, or -1
 * if there are no entries. */
static int r_index_find(rrlog_reader *r, uint64_t n, struct rl_ient *e)
{
	if (r->ix_state == 1) {
		uint32_t lo = 0, hi = r->foot_n;
		uint8_t b[RL_IENT];
		struct rl_ient m;
		if (!hi) return -1;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (rl_pread_full(r->fd, b, RL_IENT, r->foot_ix_off + RL_BHDR + (uint64_t)mid * RL_IENT) != RL_IENT ||
			    rl_ient_get(b, &m)) {
				r->ix_state = 0; /* a bad index: fall back to scanning */
				if (r_rebuild_index(r)) return -1;
				return r_index_find(r, n, e);
			}
			r->st.bytes_read += RL_IENT;
			if (m.last >= n) hi = mid; else lo = mid + 1;
		}
		uint32_t i = lo < r->foot_n ? lo : r->foot_n - 1;
		if (rl_pread_full(r->fd, b, RL_IENT, r->foot_ix_off + RL_BHDR + (uint64_t)i * RL_IENT) != RL_IENT ||
		    rl_ient_get(b, e)) {
			r->ix_state = 0;
			if (r_rebuild_index(r)) return -1;
			return r_index_find(r, n, e);
		}
		r->st.bytes_read += RL_IENT;
		return 0;
	}
	uint32_t lo = 0, hi = r->rix.n;
	if (!hi) return -1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->rix.e[mid].last >= n) hi = mid; else lo = mid + 1;
	}
	*e = r->rix.e[lo < r->rix.n ? lo : r->rix.n - 1];
	return 0;
}

int rrlog_reader_seek(rrlog_reader *r, uint64_t icount)
{
	if (!r) return RRLOG_EINVAL;
	if (r->q) return rl_qemu_seek(r, icount);
	if (!r->seekable) {
		if (r->err) return r->err;
		if (r->pend) {
			if (r->pev.icount >= icount) return 0;
			r->pend = 0;
		}
		if (r->ret_any && icount < r->ret_icount)
			return rl_reader_err(r, RRLOG_ESEEK, r->pos, "cannot seek backwards in a pipe (to icount "
			             "%llu from %llu)", ULL(icount), ULL(r->ret_icount));
	} else {
		if (!r->hdr_end) return r->err ? r->err : RRLOG_EINVAL; /* header never read */
		r->err = 0;
		r->msg[0] = 0;
		r->pend = 0;
		if (!r->ix_state) r_find_footer(r);
		if (!r->ix_state && r_rebuild_index(r)) return r->err;
		struct rl_ient e;
		if (r_index_find(r, icount, &e)) {
			if (r->err) return r->err;
			e.offset = r->hdr_end;
			e.seq = 0;
			e.first = 0;
		}
		r_reposition(r, e.offset, e.seq, e.first);
	}
	r->pend = 0;
	for (;;) {
		if (r->at_end) return 0;
		if (!r->have_block || (r->cur.last < icount && r->left)) {
			if (r->have_block) { r->have_block = 0; r->left = 0; r->skip_data = 2; }
			int rc = r_load_block(r, icount);
			if (rc < 0) return rc;
			if (rc == 0) { r->at_end = 1; return 0; }
		}
		int rc = r_decode(r, &r->pev, icount);
		if (rc < 0) return rc;
		if (r->pev.icount >= icount) {
			r->pend = 1;
			r->pev_size = r->ev_size;
			return 0;
		}
	}
}

size_t rrlog_reader_event_size(const rrlog_reader *r)
{
	return r ? r->ev_size : 0;
}

int rrlog_reader_block(const rrlog_reader *r, struct rrlog_block_info *bi)
{
	if (!r || r->q || !r->cur.count) return RRLOG_EINVAL;
	bi->offset = r->cur_off;
	bi->seq = r->cur.seq;
	bi->type = r->cur.type;
	bi->codec = r->cur.codec;
	bi->stored = r->cur.stored;
	bi->raw = r->cur.raw;
	bi->count = r->cur.count;
	bi->first_icount = r->cur.first;
	bi->last_icount = r->cur.last;
	return 0;
}

void rrlog_reader_stats(const rrlog_reader *r, struct rrlog_reader_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!r) return;
	*st = r->st;
	st->mem_bytes = r->ccap + r->ucap + r->xcap + ZSTD_sizeof_DCtx(r->zd) +
	                (r->ix.alloc + r->rix.alloc) * sizeof(struct rl_ient) + sizeof *r;
	st->mem_bytes += rl_qemu_mem(r->q);
}

/* ---- validation ---- */

/* After END: the index block must list exactly the blocks read, then the footer, then
 * the end of the file. */
static int r_validate_tail(rrlog_reader *r)
{
	struct rl_bhdr h;
	uint64_t at = r->pos;
	int rc = r_read_bhdr(r, &h);
	if (rc < 0) return rc;
	if (rc == 0)
		return rl_reader_err(r, RRLOG_ETRUNCATED, at, "log ends at offset %llu after END: the index "
		             "and footer are missing", ULL(at));
	if (h.type != RRLOG_BLOCK_INDEX)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "block %u at offset %llu: expected the index block "
		             "after END", h.seq, ULL(at));
	if (h.aux != RL_INDEX_CAP_LOG2 || h.count != r->ix.n)
		return rl_reader_err(r, RRLOG_ECORRUPT, at, "index block at offset %llu: %u entries, expected %u",
		             ULL(at), h.count, r->ix.n);
	uint8_t *buf = malloc((size_t)h.raw + 1);
	if (!buf) return rl_reader_err(r, RRLOG_ENOMEM, at, "out of memory");
	rc = r_read_payload(r, &h, buf);
	for (uint32_t i = 0; !rc && i < h.count; i++) {
		struct rl_ient e;
		const struct rl_ient *x = &r->ix.e[i];
		if (rl_ient_get(buf + (size_t)i * RL_IENT, &e) || e.offset != x->offset ||
		    e.first != x->first || e.last != x->last || e.events != x->events || e.seq != x->seq)
			rc = rl_reader_err(r, RRLOG_ECORRUPT, at + RL_BHDR + (uint64_t)i * RL_IENT,
			           "index entry %u at offset %llu does not match the blocks", i,
			           ULL(at + RL_BHDR + (uint64_t)i * RL_IENT));
	}
	free(buf);
	if (rc) return rc;
	uint8_t f[RL_FOOT + 1];
	uint64_t fo = r->pos;
	long k = r_read(r, f, RL_FOOT + 1);
	if (k < 0) return r->err;
	if (k < RL_FOOT)
		return rl_reader_err(r, RRLOG_ETRUNCATED, fo, "footer truncated at offset %llu", ULL(fo));
	if (memcmp(f, RL_FOOT_MAGIC, 8) || rl_get32(f + 28) != rl_crc32c(0, f, 28))
		return rl_reader_err(r, RRLOG_ECORRUPT, fo, "bad footer at offset %llu", ULL(fo));
	if (rl_get64(f + 8) != at || rl_get64(f + 16) != r->events_seen || rl_get32(f + 24) != h.count)
		return rl_reader_err(r, RRLOG_ECORRUPT, fo, "footer at offset %llu does not match the log", ULL(fo));
	if (k > RL_FOOT)
		return rl_reader_err(r, RRLOG_ECORRUPT, fo + RL_FOOT, "unexpected bytes after the footer at "
		             "offset %llu", ULL(fo + RL_FOOT));
	return 0;
}

int rrlog_validate_fd(int fd, struct rrlog_validation *rep)
{
	rrlog_reader *r;
	memset(rep, 0, sizeof *rep);
	int rc = rrlog_reader_open_fd(fd, &r);
	if (!r) {
		rep->code = RRLOG_ENOMEM;
		snprintf(rep->message, sizeof rep->message, "out of memory");
		return rep->code;
	}
	r->validating = 1;
	struct rrlog_event ev;
	int first = 1;
	if (!rc) {
		rep->source = r->hi.source;
		while ((rc = rrlog_reader_next(r, &ev)) == 1) {
			if (first) rep->first_icount = ev.icount;
			first = 0;
			rep->last_icount = ev.icount;
			rep->events++;
		}
		if (rc == 0) rc = r->q ? rl_qemu_validate_tail(r) : r_validate_tail(r);
		if (rc == 0 && !r->q) rep->has_footer = 1;
	}
	rep->code = rc;
	rep->blocks = r->next_seq;
	if (rc) {
		rep->offset = r->err_off;
		snprintf(rep->message, sizeof rep->message, "%s", r->msg[0] ? r->msg : rrlog_strerror(rc));
	}
	rrlog_reader_close(r);
	return rc;
}

int rrlog_validate(const char *path, struct rrlog_validation *rep)
{
	if (!path || !strcmp(path, "-")) return rrlog_validate_fd(0, rep);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		memset(rep, 0, sizeof *rep);
		rep->code = RRLOG_EIO;
		snprintf(rep->message, sizeof rep->message, "cannot open: %s", strerror(errno));
		return rep->code;
	}
	int rc = rrlog_validate_fd(fd, rep);
	close(fd);
	return rc;
}
