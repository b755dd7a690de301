/* librrlog internals shared by the writer, the readers and the tests.
 * The byte layout named here is documented in man/rrlog.5; keep both in step. */
#ifndef RRLOG_INTERNAL_H
#define RRLOG_INTERNAL_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rrlog/rrlog.h"

/* File header: magic[8] version(u32) body_len(u32) body crc32c(u32 over version..body) */
#define RL_MAGIC          "\x89RRLOG\r\n"
#define RL_MAGIC_LEN      8
#define RL_FHDR_FIXED     16            /* magic, version, body length */
#define RL_HDR_MAX        (16u << 20)   /* header body limit */

/* Block header, 48 bytes, little-endian:
 *  0 u32 magic "RBLK"   4 u8 type   5 u8 codec   6 u16 aux (events: 1 = ends with END;
 *  index: log2 of its entry cap; data: 0)
 *  8 u32 stored  12 u32 raw  16 u32 count  20 u32 payload crc32c
 * 24 u64 first icount  32 u64 last icount  40 u32 seq  44 u32 header crc32c (0..43) */
#define RL_BLK_MAGIC      0x4b4c4252u   /* "RBLK" */
#define RL_BHDR           48
#define RL_CODEC_RAW      0
#define RL_CODEC_ZSTD     1
#define RL_AUX_END        1             /* events block whose last event is END */
#define RL_AUX_SNAPSHOT   2             /* (format 2) a block holding one SNAPSHOT event */
#define RL_AUX_SNAP_FULL  4             /* (format 2) ... a full one (sub 0) */
#define RL_AUX_MASK_V1    RL_AUX_END
#define RL_AUX_MASK_V2    (RL_AUX_END | RL_AUX_SNAPSHOT | RL_AUX_SNAP_FULL)

#define RL_BLOCK_TARGET   (256u << 10)  /* an events block ends once this full */
#define RL_INLINE_MAX     (64u << 10)   /* larger data goes to data blocks */
#define RL_EVBLOCK_MAX    (RL_BLOCK_TARGET + RL_INLINE_MAX + 64) /* raw limit, events */
#define RL_DATA_CHUNK     (1u << 20)    /* raw bytes per data block */
#define RL_RAW_MAX        (8u << 20)    /* reader's sanity limit on any raw size */

/* Index entry, 40 bytes: u64 offset, u64 first icount, u64 last icount,
 * u64 events, u32 seq of first block, u32 crc32c (0..35). */
#define RL_IENT           40
#define RL_INDEX_CAP_LOG2 16            /* entries kept before halving */

/* Footer, 32 bytes: "RRLOGEND", u64 index offset, u64 events, u32 entries, u32 crc. */
#define RL_FOOT_MAGIC     "RRLOGEND"
#define RL_FOOT           32

/* Record tag byte (see rrlog.5): bit 7 set = compact INSN, low 6 bits + bit 6
 * continuation = icount delta.  Otherwise bits 0-4 kind, bit 5 delta follows,
 * bit 6 field byte follows. */
#define RL_TAG_INSN       0x80
#define RL_TAG_INSN_MORE  0x40
#define RL_TAG_DELTA      0x20
#define RL_TAG_FIELDS     0x40
#define RL_F_SUB          0x01
#define RL_F_VALUE        0x02          /* varint */
#define RL_F_VDELTA       0x04          /* zigzag varint delta from prev same kind */
#define RL_F_VFIXED       0x08          /* 8 bytes LE */
#define RL_F_DATA         0x10          /* varint len + bytes */
#define RL_F_EXT          0x20          /* varint len; bytes in the data blocks after */
#define RL_REC_MAX        40            /* record bytes beyond inline data */

#define RL_ERRMSG         256

static inline void rl_put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void rl_put32(uint8_t *p, uint32_t v)
{ p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static inline void rl_put64(uint8_t *p, uint64_t v) { rl_put32(p, v); rl_put32(p + 4, v >> 32); }
static inline uint16_t rl_get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static inline uint32_t rl_get32(const uint8_t *p)
{ return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t rl_get64(const uint8_t *p)
{ return rl_get32(p) | (uint64_t)rl_get32(p + 4) << 32; }
static inline uint32_t rl_getbe32(const uint8_t *p)
{ return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static inline uint64_t rl_getbe64(const uint8_t *p)
{ return (uint64_t)rl_getbe32(p) << 32 | rl_getbe32(p + 4); }

/* Writes v as LEB128 at p (room for 10 bytes); returns the bytes used. */
static inline size_t rl_putv(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) { p[n++] = (uint8_t)v | 0x80; v >>= 7; }
	p[n++] = (uint8_t)v;
	return n;
}
/* Reads a LEB128 value from [*pp, end) into *v, advancing *pp.  Returns 0, or -1 if
 * it runs past end or over 64 bits. */
static inline int rl_getv(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	for (unsigned s = 0; p < end && s < 64; s += 7) {
		uint8_t b = *p++;
		if (s == 63 && b > 1) return -1;
		r |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) { *pp = p; *v = r; return 0; }
	}
	return -1;
}
static inline size_t rl_vlen(uint64_t v) { return (70 - __builtin_clzll(v | 1)) / 7; }
static inline uint64_t rl_zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t rl_unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* CRC-32C (Castagnoli) of len bytes, continuing from crc (start with 0). */
uint32_t rl_crc32c(uint32_t crc, const void *buf, size_t len);

/* Decimating index: at most 1 << cap_log2 entries; each covers `stride` consecutive
 * events blocks; when full, neighbours merge and stride doubles.  The writer and the
 * reader build the same one from the same blocks. */
struct rl_ient {
	uint64_t offset, first, last, events;
	uint32_t seq;
};
struct rl_index {
	struct rl_ient *e;
	uint32_t n, alloc, cap_log2;
	uint64_t stride, in_last;   /* blocks per entry; blocks in the last entry */
};
void rl_index_init(struct rl_index *ix, unsigned cap_log2);
void rl_index_free(struct rl_index *ix);
/* Records an events block; returns RRLOG_ENOMEM on failure. */
int rl_index_add(struct rl_index *ix, uint64_t offset, uint32_t seq, uint64_t first,
                 uint64_t last, uint64_t events);
/* Serializes entry e into 40 bytes at p (crc included); parses it back (-1: bad crc). */
void rl_ient_put(uint8_t *p, const struct rl_ient *e);
int rl_ient_get(const uint8_t *p, struct rl_ient *e);

/* A decoded block header. */
struct rl_bhdr {
	uint32_t type, codec, aux, stored, raw, count, pcrc, seq;
	uint64_t first, last;
};
void rl_bhdr_put(uint8_t *p, const struct rl_bhdr *h);
/* Parses 48 bytes: 0 ok, -1 bad magic, -2 bad header checksum. */
int rl_bhdr_get(const uint8_t *p, struct rl_bhdr *h);

/* vsnprintf into buf[RL_ERRMSG]; returns code so callers can `return rl_err(...)`. */
int rl_fmt(char *buf, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps an errno value to ENOSPC/EIO. */
int rl_errno_code(int e);

/* Full-buffer I/O with EINTR and short transfer handling.  rl_read_full returns the
 * bytes read (< n only at end of file) or -1; rl_write_full 0 or -1 (errno set). */
long rl_read_full(int fd, void *buf, size_t n);
long rl_pread_full(int fd, void *buf, size_t n, uint64_t off);
int rl_write_full(int fd, const void *buf, size_t n);

/* The QEMU reader, driven by reader.c: an opaque state fed by the reader's fd. */
struct rl_qemu;
struct rrlog_reader;
int rl_qemu_open(struct rrlog_reader *r, const uint8_t *prefix, size_t plen);
int rl_qemu_next(struct rrlog_reader *r, struct rrlog_event *ev);
int rl_qemu_seek(struct rrlog_reader *r, uint64_t icount);
void rl_qemu_free(struct rl_qemu *q);
int rl_qemu_validate_tail(struct rrlog_reader *r);
size_t rl_qemu_mem(const struct rl_qemu *q);

/* Reader fields shared with qemu.c. */
/* Records error code on r with a message about file offset off; returns
 * code. The reader's and the QEMU reader's one way to fail. */
__attribute__((format(printf, 4, 5)))
int rl_reader_err(rrlog_reader *r, int code, uint64_t off, const char *fmt, ...);

struct rrlog_reader {
	int fd, own_fd, seekable;
	uint64_t file_size;          /* seekable only */
	uint64_t pos;                /* file offset of the next byte read() returns */
	int err;                     /* sticky error, 0 if none */
	int at_end;                  /* END returned */
	int validating;              /* extra checks (rrlog_validate) */
	uint64_t err_off;            /* file offset the error refers to */
	char msg[RL_ERRMSG];
	struct rrlog_header_info hi;
	void *hmem;                  /* one allocation holding hi's strings and arrays */
	struct rrlog_reader_stats st;
	size_t ev_size;
	struct rl_qemu *q;           /* QEMU logs */

	/* rrlog: the loaded events block */
	uint8_t *cbuf, *ubuf;        /* stored and decompressed payloads */
	size_t ccap, ucap;
	const uint8_t *p, *end;      /* decode position in ubuf */
	struct rl_bhdr cur;          /* its header */
	uint64_t cur_off;
	int have_block;
	uint64_t icount;             /* of the previous event in the block */
	uint64_t prev_val[32];       /* per kind, for RL_F_VDELTA */
	uint32_t left;               /* events still to decode in the block */
	uint32_t next_seq;           /* expected seq of the next block */
	uint64_t last_icount;        /* of the last event decoded */
	int ret_any;                 /* an event was returned by rrlog_reader_next ... */
	uint64_t ret_icount;         /* ... at this icount */
	uint64_t hdr_end;            /* offset of the first block */
	uint8_t *xbuf;               /* external data being collected */
	size_t xcap;
	void *zd;                    /* ZSTD_DCtx */
	int skip_data;               /* 2: an events block was skipped undecoded, so data
	                                blocks (and the index block) may come next */
	int pend;                    /* seek left an event to return first */
	struct rrlog_event pev;
	size_t pev_size;
	struct rl_index ix;          /* built while reading (validation) */
	struct rl_index rix;         /* rebuilt by scanning (seek without footer) */
	int ix_state;                /* 0 unknown, 1 footer, 2 rebuilt */
	uint64_t foot_ix_off;        /* footer: index block offset */
	uint32_t foot_n;
	uint64_t foot_events;
	uint64_t events_seen;        /* events decoded so far, END included */
	uint64_t blk_off;            /* file offset of the loaded events block */
	uint64_t ev_blk_off;         /* the event last decoded: its block's offset, */
	uint32_t ev_blk_seq, ev_index; /* seq and index in the block */
	uint64_t ev_icount;
	uint32_t pend_sub;
	uint32_t skip_kinds;         /* rrlog_reader_skip_data() */           /* sub of the event r_edge_checks looks at */
	struct rrlog_snapshot_ref *snaps; /* rrlog_reader_snapshots(), once walked */
	size_t nsnaps, snaps_cap;
	int snaps_walked;
	uint64_t walk_last_events;   /* the walk: offset of the last events block seen */
};
#endif
