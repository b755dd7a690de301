/* librrlog: the rrkit event log.
 *
 * A log is a header (format version, tool, machine configuration, image hashes,
 * key/value metadata) followed by independently zstd-compressed, checksummed blocks
 * of events, an index and a footer.  man/rrlog.5 describes the bytes, man/librrlog.3
 * the API.  The reader also decodes QEMU 7.2 replay logs (-icount rr=record) into
 * the same events.
 *
 * Conventions: functions returning int return RRLOG_OK (0) or a negative
 * enum rrlog_error, except where noted.  Handles are not shared between threads; the
 * library has no global mutable state, never prints and never exits.  Every
 * _close/_free function accepts NULL.
 */
#ifndef RRLOG_H
#define RRLOG_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RRLOG_FORMAT_VERSION 2   /* the newest format this library reads and writes;
                                    it reads 1 too (2 adds the snapshot block marks) */

enum rrlog_error {
	RRLOG_OK = 0,
	RRLOG_EINVAL = -1,      /* bad argument or event (message says which) */
	RRLOG_ENOMEM = -2,      /* out of memory */
	RRLOG_EIO = -3,         /* read or write failed (message has strerror) */
	RRLOG_ENOSPC = -4,      /* no space left on device (or quota) */
	RRLOG_ENOTLOG = -5,     /* not an rrlog log nor a QEMU replay log */
	RRLOG_EVERSION = -6,    /* a format version this reader does not know */
	RRLOG_ECORRUPT = -7,    /* checksum mismatch, bad encoding, broken order */
	RRLOG_ETRUNCATED = -8,  /* the log stops early: torn tail or no END event */
	RRLOG_EORDER = -9,      /* writer: an event's icount is below the previous one */
	RRLOG_ETTY = -10,       /* refusing to write a binary log to a terminal */
	RRLOG_ESEEK = -11,      /* cannot seek backwards in a pipe */
	RRLOG_EUNSUPPORTED = -12, /* valid-looking input this library cannot decode for certain */
	RRLOG_EFAILED = -13,    /* writer: an earlier call failed; the handle is unusable */
};

/* Event kinds.  Each event has an icount (instructions retired when the guest saw
 * it) and up to three payload fields: sub (u32), value (u64), data/len (bytes).
 * What each kind puts there (fields not listed are normally 0):
 *   INSN                icount only: instruction progress.  QEMU logs: value = the
 *                       instructions since the previous INSN (QEMU's INSTRUCTION).
 *   INTERRUPT           sub = hart, value = cause (QEMU: none)
 *   EXCEPTION           sub = hart, value = cause (QEMU: none)
 *   ASYNC_BH            value = bottom-half id
 *   ASYNC_BH_ONESHOT    value = bottom-half id
 *   ASYNC_INPUT         sub = device or input type, value = encoded key/button/axis
 *                       event, data = encoded input event (QEMU: sub = input kind,
 *                       data = the rest of QEMU's payload, big-endian as in QEMU)
 *   ASYNC_INPUT_SYNC    sub = device
 *   CHAR_READ           sub = character device index, data = bytes read
 *   BLOCK               sub = block device index, value = request id
 *   NET                 sub = net device (QEMU: filter) index, value = flags, data = frame
 *   CLOCK_HOST          value = host clock (ns)
 *   CLOCK_VRT           value = virtual real time, e.g. the RTC (ns)
 *   RANDOM              sub = return value, data = random bytes
 *   CHECKPOINT          sub = checkpoint kind (enum rrlog_checkpoint)
 *   SNAPSHOT            sub = enum rrlog_snapshot_kind, value = snapshot id, data =
 *                       the snapshot blob (rrlog.5), of any size (large blobs are
 *                       stored in their own data blocks); the writer gives each
 *                       SNAPSHOT an events block of its own, marked in the block
 *                       header, so rrlog_reader_snapshots() finds them all without
 *                       decompressing anything
 *   STATE_HASH          sub = component, value = 64-bit hash, data = optional hash vector
 *   SHUTDOWN            sub = cause (enum rrlog_shutdown)
 *   END                 none: the last event of a finished log
 *   CHAR_WRITE          sub = result, value = offset (QEMU)
 *   CHAR_READ_ALL       data = bytes (QEMU)
 *   CHAR_READ_ALL_ERROR sub = error (QEMU)
 *   AUDIO_OUT           value = samples played (QEMU)
 *   AUDIO_IN            value = samples recorded, data = QEMU's payload after it (QEMU)
 *   IDLE                value = icount at which every hart went idle; the event's
 *                       icount is where the machine resumed
 * The encoding stores any combination of fields for any kind; the table above is
 * the convention tools display. */
enum rrlog_kind {
	RRLOG_INSN = 0,
	RRLOG_INTERRUPT,
	RRLOG_EXCEPTION,
	RRLOG_ASYNC_BH,
	RRLOG_ASYNC_BH_ONESHOT,
	RRLOG_ASYNC_INPUT,
	RRLOG_ASYNC_INPUT_SYNC,
	RRLOG_CHAR_READ,
	RRLOG_BLOCK,
	RRLOG_NET,
	RRLOG_CLOCK_HOST,
	RRLOG_CLOCK_VRT,
	RRLOG_RANDOM,
	RRLOG_CHECKPOINT,
	RRLOG_SNAPSHOT,
	RRLOG_STATE_HASH,
	RRLOG_SHUTDOWN,
	RRLOG_END,
	RRLOG_CHAR_WRITE,
	RRLOG_CHAR_READ_ALL,
	RRLOG_CHAR_READ_ALL_ERROR,
	RRLOG_AUDIO_OUT,
	RRLOG_AUDIO_IN,
	RRLOG_IDLE,
	RRLOG_KIND_COUNT
};

/* Shutdown causes: QEMU's numbering (ShutdownCause). */
enum rrlog_shutdown {
	RRLOG_SHUTDOWN_NONE = 0,
	RRLOG_SHUTDOWN_HOST_ERROR,
	RRLOG_SHUTDOWN_HOST_QMP_QUIT,
	RRLOG_SHUTDOWN_HOST_QMP_SYSTEM_RESET,
	RRLOG_SHUTDOWN_HOST_SIGNAL,
	RRLOG_SHUTDOWN_HOST_UI,
	RRLOG_SHUTDOWN_GUEST_SHUTDOWN,
	RRLOG_SHUTDOWN_GUEST_RESET,
	RRLOG_SHUTDOWN_GUEST_PANIC,
	RRLOG_SHUTDOWN_SUBSYSTEM_RESET,
	RRLOG_SHUTDOWN_SNAPSHOT_LOAD,
	RRLOG_SHUTDOWN_COUNT
};

/* Snapshot kinds (SNAPSHOT sub). */
enum rrlog_snapshot_kind {
	RRLOG_SNAP_FULL = 0,        /* the whole machine state */
	RRLOG_SNAP_INCREMENTAL = 1, /* what changed since the previous snapshot */
};

/* Checkpoint kinds: QEMU's numbering (ReplayCheckpoint). */
enum rrlog_checkpoint {
	RRLOG_CP_CLOCK_WARP_START = 0,
	RRLOG_CP_CLOCK_WARP_ACCOUNT,
	RRLOG_CP_RESET_REQUESTED,
	RRLOG_CP_SUSPEND_REQUESTED,
	RRLOG_CP_CLOCK_VIRTUAL,
	RRLOG_CP_CLOCK_HOST,
	RRLOG_CP_CLOCK_VIRTUAL_RT,
	RRLOG_CP_INIT,
	RRLOG_CP_RESET,
	RRLOG_CP_COUNT
};

struct rrlog_event {
	enum rrlog_kind kind;
	uint32_t sub;
	uint64_t icount;        /* absolute; non-decreasing along a log */
	uint64_t value;
	const uint8_t *data;    /* reader: valid until the next call on the reader */
	size_t len;
};

/* A guest image named in the header. */
struct rrlog_image {
	const char *role;       /* "bios", "kernel", "initrd", "drive0", ... */
	const char *path;
	uint64_t size;
	uint8_t sha256[32];
};

struct rrlog_kv {
	const char *key;
	const char *value;
};

enum rrlog_source { RRLOG_SOURCE_RRLOG = 0, RRLOG_SOURCE_QEMU = 1 };

/* The header.  The writer copies what it needs during rrlog_writer_open; strings are
 * NUL-terminated UTF-8 (NULL means ""); version and source are ignored there.  From
 * the reader everything stays valid until rrlog_reader_close. */
struct rrlog_header_info {
	uint32_t version;       /* format version (QEMU logs: QEMU's, e.g. 0xe0200c) */
	enum rrlog_source source;
	const char *tool;       /* e.g. "rr-run 0.1.0" */
	const char *config;     /* machine configuration, opaque text of any length */
	const struct rrlog_image *images;
	size_t nimages;
	const struct rrlog_kv *kv;
	size_t nkv;
};

typedef struct rrlog_writer rrlog_writer;
typedef struct rrlog_reader rrlog_reader;

/* ---- names ---- */

/* A static message for an error code ("unknown error" for others). */
const char *rrlog_strerror(int code);
/* "INSN", "NET", ...; NULL for a kind out of range. */
const char *rrlog_kind_name(int kind);
/* The kind named str (case-insensitive), or -1. */
int rrlog_kind_from_name(const char *str);
/* "guest-shutdown", ...; NULL out of range. */
const char *rrlog_shutdown_name(uint32_t cause);
/* "init", "clock-host", ...; NULL out of range. */
const char *rrlog_checkpoint_name(uint32_t kind);
/* The value of the first key/value pair named key, or NULL. */
const char *rrlog_header_get(const struct rrlog_header_info *h, const char *key);

/* ---- text ---- */

#define RRLOG_FMT_JSON  1u        /* a JSON object instead of key=value */
#define RRLOG_FMT_FULL  2u        /* every data byte (else the first 64, no snapshot data) */
#define RRLOG_FMT_QEMU  4u        /* an event of a QEMU log (no hart/cause fields) */
#define RRLOG_FMT_DATA_SHOW 64
/* One event as a line of text, newline included, the way rr-dump prints it
 * (man/rr-dump.1): "icount=N kind=NAME key=value..." or one JSON object. Writes at
 * most cap bytes (NUL-terminated when cap > 0) and returns the length of the whole
 * line, so a caller whose buffer was short can grow it and call again. An event
 * whose data the reader skipped (data NULL, len > 0) shows its length only. */
size_t rrlog_format_event(const struct rrlog_event *ev, unsigned flags, char *buf, size_t cap);
/* bytes as a quoted string: C escapes, or JSON escapes with json; as above. */
size_t rrlog_format_quote(const uint8_t *p, size_t n, int json, char *buf, size_t cap);

/* The text form read back: one line at a time (a dump made with RRLOG_FMT_FULL,
 * rr-dump --full). Returns RRLOG_TEXT_EVENT with *ev filled (data valid until the
 * next call), RRLOG_TEXT_HEADER for a header line (gathered into
 * rrlog_text_header()), RRLOG_TEXT_SKIP for a blank line, or RRLOG_EINVAL with a
 * message for a line that does not parse. */
typedef struct rrlog_text rrlog_text;
enum { RRLOG_TEXT_SKIP = 0, RRLOG_TEXT_EVENT = 1, RRLOG_TEXT_HEADER = 2 };
rrlog_text *rrlog_text_new(void);
void rrlog_text_free(rrlog_text *t);
int rrlog_text_line(rrlog_text *t, const char *line, size_t len, struct rrlog_event *ev);
const struct rrlog_header_info *rrlog_text_header(const rrlog_text *t);
const char *rrlog_text_errmsg(const rrlog_text *t);

/* ---- SHA-256 ---- */

/* out = SHA-256 of len bytes at buf. */
void rrlog_sha256(const void *buf, size_t len, uint8_t out[32]);
/* out = SHA-256 of the file's content; *size (if not NULL) = its length.
 * Returns RRLOG_OK or RRLOG_EIO (errno kept). */
int rrlog_sha256_file(const char *path, uint8_t out[32], uint64_t *size);

/* ---- writer ---- */

/* Creates (truncates) path, "-" meaning stdout, and writes the header.  Refuses a
 * terminal (RRLOG_ETTY).  Like sqlite3_open, *out receives a handle even on failure
 * (NULL only on RRLOG_ENOMEM) so that errmsg can say why; free it with _abort. */
int rrlog_writer_open(const char *path, const struct rrlog_header_info *hdr,
                      rrlog_writer **out);
/* Same on an open fd, which the writer does not close. */
int rrlog_writer_open_fd(int fd, const struct rrlog_header_info *hdr, rrlog_writer **out);
/* zstd level for blocks ended from now on (default 1; negative = faster). */
int rrlog_writer_set_level(rrlog_writer *w, int level);
/* on: compress and write blocks on a thread of the writer's own, so append,
 * write_data and flush's block hand-over cost a copy, not a compression (the log
 * is byte for byte the same).  An I/O error then surfaces at a later call: the
 * next block handed over, flush (which waits for the thread, so everything
 * appended before it survives a kill -9 as before) or close.  RRLOG_ENOMEM (not
 * sticky) if the thread cannot be had: the writer stays synchronous.  off: waits
 * for the thread and ends it.  Holds up to 3 MiB more. */
int rrlog_writer_set_async(rrlog_writer *w, int on);
/* Appends one event (its data is copied or written before return).  icount must be
 * >= the previous event's (else RRLOG_EORDER, the event is dropped, the writer stays
 * usable); kind must be < RRLOG_KIND_COUNT and not END.  Events are buffered in a
 * block; a full block is compressed and written. */
int rrlog_writer_append(rrlog_writer *w, const struct rrlog_event *ev);
/* Appends one event whose data is handed over in pieces (a snapshot written as it
 * is made, with no copy of it in memory): begin_data takes the event with ev->len
 * the total (ev->data is ignored) and checks it as append does; write_data gives
 * the next n bytes; end_data, once ev->len bytes went in, finishes the event.  The
 * log is byte for byte what append would have written.  In between nothing else
 * may be appended or flushed (RRLOG_EINVAL); more or fewer bytes than ev->len, or
 * a close in between, is a sticky RRLOG_EINVAL.  Holds at most 1 MiB of the data. */
int rrlog_writer_begin_data(rrlog_writer *w, const struct rrlog_event *ev);
int rrlog_writer_write_data(rrlog_writer *w, const void *p, size_t n);
int rrlog_writer_end_data(rrlog_writer *w);
/* Ends the current block and write()s it, so everything appended so far survives
 * a kill -9 of the process. */
int rrlog_writer_flush(rrlog_writer *w);
/* Appends END (at the last icount), writes the last block, index and footer,
 * closes the file (unless opened with _open_fd) and frees w.  Returns the first
 * error met over the writer's life, e.g. RRLOG_ENOSPC. */
int rrlog_writer_close(rrlog_writer *w);
/* Frees w without finishing the log (it then reads as truncated). */
void rrlog_writer_abort(rrlog_writer *w);
/* The last error's specific message ("" if none). */
const char *rrlog_writer_errmsg(const rrlog_writer *w);

struct rrlog_writer_stats {
	uint64_t events;        /* appended, END excluded */
	uint64_t blocks;        /* blocks written (event, data and index blocks) */
	uint64_t raw_bytes;     /* encoded bytes before compression */
	uint64_t bytes_written; /* bytes written to the file so far */
	uint64_t last_icount;
};
void rrlog_writer_stats(const rrlog_writer *w, struct rrlog_writer_stats *st);

/* ---- reader ---- */

/* Opens path ("-" = stdin) and reads its header.  Detects QEMU replay logs (QEMU 7.2,
 * version 0xe0200c) by their first bytes.  *out receives a handle even on failure
 * (NULL only on RRLOG_ENOMEM) so that errmsg can say why; close it. */
int rrlog_reader_open(const char *path, rrlog_reader **out);
/* Same on an open fd, which the reader does not close. */
int rrlog_reader_open_fd(int fd, rrlog_reader **out);
void rrlog_reader_close(rrlog_reader *r);
const char *rrlog_reader_errmsg(const rrlog_reader *r);
const struct rrlog_header_info *rrlog_reader_header(const rrlog_reader *r);

/* Reads the next event: returns 1 with *ev filled, 0 at the clean end (after the END
 * event has been returned), or a negative error: RRLOG_ETRUNCATED (torn tail or no
 * END; every event before it has been returned), RRLOG_ECORRUPT, RRLOG_EIO...
 * ev->data stays valid until the next call on r.  Errors are sticky. */
int rrlog_reader_next(rrlog_reader *r, struct rrlog_event *ev);

/* Positions r so that the next event returned is the first with icount >= icount.
 * Uses the footer's index, or an index rebuilt by scanning block headers when the
 * footer is missing; a pipe can only move forward (else RRLOG_ESEEK).  Returns
 * RRLOG_OK (also when no such event exists: next then returns the end or error). */
int rrlog_reader_seek(rrlog_reader *r, uint64_t icount);

/* Events of the kinds in kind_mask (bit 1 << kind) whose data lives in data blocks
 * are returned with data = NULL (len kept) and their data blocks are passed over
 * undecompressed, their checksums still checked (a replay that does not need the
 * snapshots it reads past still notices a damaged one). */
void rrlog_reader_skip_data(rrlog_reader *r, uint32_t kind_mask);

/* An event's place in the log: its events block and its index there. */
struct rrlog_pos {
	uint64_t offset;        /* file offset of the events block */
	uint32_t seq;           /* that block's number */
	uint32_t index;         /* the event's index in the block, from 0 */
	uint64_t icount;        /* the event's icount (a check on seek) */
};
/* The position of the event last returned (RRLOG_EINVAL before any; QEMU logs and
 * pipes: RRLOG_EUNSUPPORTED). */
int rrlog_reader_tell(const rrlog_reader *r, struct rrlog_pos *pos);
/* Positions r so that the next event returned is the one at pos (from tell or
 * rrlog_reader_snapshots, on this same log).  Seekable files only.  RRLOG_OK, or an
 * error (a position that holds no such event: RRLOG_EINVAL). */
int rrlog_reader_seek_pos(rrlog_reader *r, const struct rrlog_pos *pos);

/* A SNAPSHOT event found through the block marks. */
struct rrlog_snapshot_ref {
	struct rrlog_pos pos;   /* for rrlog_reader_seek_pos */
	uint64_t icount;
	int full;               /* RRLOG_SNAP_FULL */
};
/* Every SNAPSHOT of the log in icount order, found by walking the block headers
 * (48 bytes a block; nothing is decompressed); stops quietly at a torn tail, and
 * leaves out a last snapshot whose data the torn tail took.  The
 * array belongs to r (valid until close).  Seekable files only (else
 * RRLOG_EUNSUPPORTED; *n = 0). */
int rrlog_reader_snapshots(rrlog_reader *r, const struct rrlog_snapshot_ref **list, size_t *n);

/* The encoded size in bytes (before compression) of the event last returned. */
size_t rrlog_reader_event_size(const rrlog_reader *r);

enum rrlog_block_type { RRLOG_BLOCK_EVENTS = 1, RRLOG_BLOCK_DATA = 2, RRLOG_BLOCK_INDEX = 3 };

struct rrlog_block_info {
	uint64_t offset;        /* file offset of the block header */
	uint32_t seq;           /* block number, from 0 */
	uint32_t type;          /* enum rrlog_block_type */
	uint32_t codec;         /* 0 raw, 1 zstd */
	uint32_t stored;        /* payload bytes in the file */
	uint32_t raw;           /* payload bytes once decompressed */
	uint32_t count;         /* events (EVENTS), chunk number (DATA), entries (INDEX) */
	uint64_t first_icount, last_icount;
};
/* The block holding the event last returned (RRLOG_EINVAL before any, and for QEMU
 * logs, which have no blocks). */
int rrlog_reader_block(const rrlog_reader *r, struct rrlog_block_info *bi);

struct rrlog_reader_stats {
	uint64_t bytes_read;    /* bytes read from the file, header and index included */
	uint64_t blocks;        /* blocks loaded (decompressed) */
	uint64_t stored_bytes;  /* their payload bytes as stored */
	uint64_t raw_bytes;     /* ... and decompressed */
	uint64_t events;        /* events returned */
	uint64_t mem_bytes;     /* memory currently held by the reader's buffers */
};
void rrlog_reader_stats(const rrlog_reader *r, struct rrlog_reader_stats *st);

/* ---- validation ---- */

struct rrlog_validation {
	int code;               /* RRLOG_OK, or the first problem's error code */
	uint64_t offset;        /* file offset of the first problem */
	char message[256];      /* the first problem, "" if valid */
	enum rrlog_source source;
	uint64_t events;        /* events read (END included) */
	uint64_t blocks;        /* blocks checked */
	uint64_t first_icount, last_icount;
	int has_footer;         /* footer and index present and consistent */
};
/* Reads the whole log ("-" = stdin) and checks everything: header, every block's
 * checksums and sizes, event encoding and kinds, icount order, data blocks, the END
 * event, the index against the blocks, the footer, nothing after it.  QEMU logs:
 * every event decodes, END ends the file.  Fills *rep and returns rep->code. */
int rrlog_validate(const char *path, struct rrlog_validation *rep);
int rrlog_validate_fd(int fd, struct rrlog_validation *rep);

#ifdef __cplusplus
}
#endif
#endif
