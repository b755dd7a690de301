/* lib/replay: record a machine into an rrlog log, replay a log into a machine, and
 * move about in a replay (run to an exact icount, save and restore the state, seek
 * through the log's snapshots). Every tool that replays does it through here.
 *
 * Conventions, as librrlog's: functions returning int return RR_OK (0) or a negative
 * enum rr_error; a handle comes back even on failure (NULL only when out of memory)
 * so that its _errmsg says why, naming the icount and event where that matters; the
 * library never prints and never exits; _close/_free accept NULL. The caller says
 * where console output goes; the library opens no fds of its own except the log
 * and the guest images.
 *
 * Images. A recording's header names every guest image with its SHA-256. Replay
 * opens an image only if it is a regular file found (a) at a path given again by
 * the caller (rr_session_options.images), or (b) beside the log under the file
 * name the header gives, or (c) at the header's own path; and only if its size and
 * SHA-256 match. A header path that is not a regular file (a FIFO, /dev/zero) is
 * never opened.
 */
#ifndef RR_REPLAY_H
#define RR_REPLAY_H
#include <stddef.h>
#include <stdint.h>
#include "emu/machine.h"
#include "rrlog/rrlog.h"

enum rr_error {
	RR_OK = 0,
	RR_EDIVERGED = -1,  /* the machine did not do what the log says */
	RR_ELOGEND = -2,    /* the log has no more events where the machine needs one */
	RR_EIMAGE = -3,     /* a guest image is missing or differs from the recorded one */
	RR_EIO = -4,        /* reading or writing a file failed (full disk included) */
	RR_EBADLOG = -5,    /* not a log, corrupt, another version, bad header or snapshot */
	RR_ENOMEM = -6,
	RR_EINVAL = -7,     /* a bad argument (an icount before the recording, ...) */
	RR_EMACHINE = -8,   /* the machine cannot be built, or stopped on a fatal error */
	RR_EUSAGE = -9,     /* a request that makes no sense here (binary log to a tty) */
};
const char *rr_strerror(int code);

/* ---- configuration text (the header's "config") ---- */

/* A machine configuration that owns its strings. */
struct rr_config {
	struct machine_config mc;
	char *strings[16];
	int nstrings;
};
/* The configuration as header text: one key=value a line (malloc'd; NULL: no memory). */
char *rr_config_text(const struct machine_config *c);
/* Parse header text. 0, or -1 with a reason (unknown key, absurd sizes). Free with
 * rr_config_clear. */
int rr_config_parse(const char *text, struct rr_config *c, char *err, size_t errlen);
void rr_config_clear(struct rr_config *c);
/* Replace one string of c->mc (a path) by a copy of s, owned by c. 0 or -1. */
int rr_config_set(struct rr_config *c, const char **field, const char *s);
/* The image fields of a configuration, in the header's order: bios, kernel,
 * initrd, drive0. Fills roles[i] and fields[i]; returns the count. */
int rr_config_images(struct machine_config *c, const char **roles, const char ***fields);
/* An instruction count: decimal, or in the 1.2e9 form (a whole number). 0 or -1. */
int rr_parse_icount(const char *s, uint64_t *out);
/* SHA-256 and size of an image, through a cache keyed by (device, inode, size,
 * mtime, ctime) in $XDG_CACHE_HOME/rrkit (RRKIT_NO_HASH_CACHE=1: off). 0 or -1. */
int rr_image_sha256(const char *path, uint8_t out[32], uint64_t *size);

/* ---- bundles: a log and its images in one tar ---- */

int rr_bundle_is_name(const char *path);   /* ends in .tar */
int rr_bundle_is_file(const char *path);   /* starts like a tar archive */
/* Write out (a tar) holding the log and every image its header names. 0, or -1
 * with a reason in err; nothing is left under out on failure. */
int rr_bundle_write(const char *out, const char *logpath, char *err, size_t errlen);
/* Extract a bundle into a new private temporary directory (*dir, malloc'd, to give
 * to rr_bundle_cleanup) and return the log's path in it (malloc'd); NULL with a
 * reason. Entries with "..", absolute paths, links or other than plain files are
 * refused. */
char *rr_bundle_extract(const char *path, char **dir, char *err, size_t errlen);
void rr_bundle_cleanup(char *dir);

/* ---- recording ---- */

typedef struct rr_recorder rr_recorder;
struct rr_recorder_stats {
	uint64_t events, snapshots, snapshot_bytes, bytes_written;
	double snapshot_seconds;     /* host time spent making snapshots */
};

struct rr_record_options {
	uint64_t hash_interval;      /* executed instructions between STATE_HASHes (0: 10^7) */
	uint64_t snapshot_interval;  /* between snapshots (0: RR_DEFAULT_SNAPSHOT_INTERVAL;
	                                UINT64_MAX: only the first) */
	int full_every;              /* every Nth snapshot is full (0: 16) */
	const char *continues;       /* header "continues" = the log this one goes on from */
};
#define RR_DEFAULT_HASH_INTERVAL     10000000ull
#define RR_DEFAULT_SNAPSHOT_INTERVAL 100000000ull

/* Record a new machine of configuration cfg into path ("-": stdout): the images are
 * hashed (absolute paths into the header), the log is created, the machine is built
 * with the recorder wrapped around inner (the live host, borrowed), and a full
 * snapshot is logged at icount 0. */
int rr_recorder_open(const char *path, const struct machine_config *cfg, struct emu_host *inner,
		     const struct rr_record_options *o, rr_recorder **out);
/* Record an existing machine from where it is (a replay going live): the header is
 * hdr's, the log starts with a full snapshot. The machine stays the caller's; from
 * now on it talks to the recorder, which wraps inner. */
int rr_recorder_attach(const char *path, const struct rrlog_header_info *hdr, struct machine *m,
		       struct emu_host *inner, const struct rr_record_options *o, rr_recorder **out);
struct machine *rr_recorder_machine(rr_recorder *r);
/* Run until stop_icount (UINT64_MAX: to the end), logging state hashes and
 * snapshots on the way. *mexit gets the machine exit (enum machine_exit). RR_OK, or
 * an error (the log could not be written). */
int rr_recorder_run(rr_recorder *r, uint64_t stop_icount, int *mexit);
/* Log a snapshot now (between runs). RR_OK or an error. */
int rr_recorder_snapshot(rr_recorder *r);
/* Log the final state hash and how the machine ended (mexit from the run). */
int rr_recorder_finish(rr_recorder *r, int mexit);
/* Finish the log (END, index, footer) and free r; frees the machine if the recorder
 * built it. st (may be NULL) gets the final statistics. Returns the first error of
 * the recording's life. */
int rr_recorder_close(rr_recorder *r, struct rr_recorder_stats *st);
/* Make the log readable up to the current point, for a replay of the part recorded
 * (rr_session_recording): a STATE_HASH here (a replay thus knows that no input
 * comes before this icount, and checks itself), a snapshot if the disk is quiet
 * and RR_SYNC_SNAPSHOT_MIN instructions were executed since the last one, and a
 * flush. With ended (rr_recorder_finish was called) only the flush. */
int rr_recorder_sync(rr_recorder *r, int ended);
#define RR_SYNC_SNAPSHOT_MIN 1000000ull
const char *rr_recorder_errmsg(const rr_recorder *r);
void rr_recorder_stats(const rr_recorder *r, struct rr_recorder_stats *st);

/* ---- replay sessions ---- */

typedef struct rr_session rr_session;

struct rr_session_options {
	/* Console and other output of the guest (dev = UART index). NULL: dropped. */
	void (*output)(void *opaque, uint32_t dev, const uint8_t *buf, size_t len);
	void *opaque;
	/* Image paths given again by the user (NULL-terminated, may be NULL): an image
	 * whose SHA-256 matches is taken from here first. */
	const char *const *images;
	int no_hash_check;           /* do not compare STATE_HASH events */
	int cpu;                     /* the harts' core: HART_CPU_DEFAULT (0), _INTERP, _JIT */
};

/* Open a recording (a log or a bundle; "-" reads a log from stdin, which cannot
 * seek backwards) into a machine ready at the first instruction the log covers.
 * o NULL: as a zeroed one (no output, state hashes compared, the default core). */
int rr_session_open(const char *path, const struct rr_session_options *o, rr_session **out);
/* A session over a live machine (borrowed; its host answers every input), for a
 * debugger of a live run: it runs, but cannot seek, go back or save. */
int rr_session_live(struct machine *m, rr_session **out);
void rr_session_close(rr_session *s);
const char *rr_session_errmsg(const rr_session *s);
const struct rrlog_header_info *rr_session_header(const rr_session *s);
struct machine *rr_session_machine(rr_session *s);
/* The machine configuration from the header, with the image paths found. */
const struct machine_config *rr_session_config(const rr_session *s);
uint64_t rr_session_icount(const rr_session *s);

enum rr_stop {
	RR_STOP_ICOUNT = 1,  /* reached the icount asked for */
	RR_STOP_BREAK,       /* a hart hit a breakpoint (hart_add_breakpoint) */
	RR_STOP_EXIT,        /* the guest powered off, reset or failed, as the log says */
	RR_STOP_HOST,        /* the recording's host asked the machine to stop (a signal) */
	RR_STOP_END,         /* the log has no more inputs: the recording ends here */
	RR_STOP_WATCH,       /* a hart made a watched access (hart_add_watch; its
	                      * watch_hit says which), the run stopped just after it */
};
/* Replay until stop_icount exactly (UINT64_MAX: as far as the log goes), a
 * breakpoint, a watched access or the end. RR_OK with *stop set, or an error: RR_EDIVERGED (the
 * message names the icount, what the guest did and what the log expected),
 * RR_EBADLOG (the log is damaged here). After an error the session can still
 * seek or restore. */
int rr_session_run(rr_session *s, uint64_t stop_icount, int *stop);
/* Go to icount exactly: from the nearest snapshot at or before it in the log (or
 * the current state if that is closer), replayed forward. RR_OK, RR_EINVAL for an
 * icount outside the recording, or a replay error. */
int rr_session_seek(rr_session *s, uint64_t icount);
/* The next event the replay will consume: 1 and *ev (valid until the next call on
 * s), or 0 at the end. */
int rr_session_next_event(rr_session *s, struct rrlog_event *ev);
/* The log's snapshots (from the block marks). */
int rr_session_snapshots(rr_session *s, const struct rrlog_snapshot_ref **list, size_t *n);

/* The whole replay state (machine and log cursor) in memory. */
typedef struct rr_state rr_state;
int rr_session_save(rr_session *s, rr_state **out);
/* Restore a state saved from this session; afterwards replay goes on exactly as a
 * straight replay from that point would. */
int rr_session_restore(rr_session *s, const rr_state *st);
uint64_t rr_state_icount(const rr_state *st);
void rr_state_free(rr_state *st);

/* Hand the machine over to a live host at the current point (the log is used up,
 * or the caller decides): block requests in flight go to live, which from now on
 * answers every input. The session can then only run live. */
void rr_session_go_live(rr_session *s, struct emu_host *live);
int rr_session_is_live(const rr_session *s);

/* ---- a recording in progress as a session (frontier.c) ---- */

/* What the session hands new inputs to (the monitor's sendkey and sendline): the
 * live world queues the input, to be taken, and so logged, at the machine's next
 * poll. 0, or -1 if it cannot take it now. */
struct rr_live_input {
	int (*send)(void *opaque, const struct emu_input *in);
	void *opaque;
};
/* A session over the recording r (borrowed) while it records into path (a file):
 * at the frontier (the last instruction recorded) runs go on live, recording;
 * seeks and restores behind it replay the part recorded (from the log, flushed
 * first); a run from behind replays up to the frontier and carries on live there.
 * rr_session_machine() is the machine at the current point, and it changes
 * between the replay's and the recorder's: breakpoints and watches set on its
 * harts are carried over. When the guest stops, the recording is finished
 * (rr_recorder_finish); the caller still closes r. in may be NULL. */
int rr_session_recording(rr_recorder *r, const char *path, const struct rr_live_input *in,
			 rr_session **out);
struct rr_recording_info {
	uint64_t frontier;           /* the icount recorded up to */
	int behind;                  /* the current point is in the replay, behind it */
	int ended;                   /* the guest stopped there: the recording is over */
	int mexit;                   /* ended: how (enum machine_exit) */
};
/* 1 and *ri for a recording session, else 0. */
int rr_session_recording_info(rr_session *s, struct rr_recording_info *ri);
/* Give the recording a new input at the frontier (in->data is copied): RR_OK, or
 * RR_EUSAGE with the reason (not recording, behind the frontier, the guest has
 * stopped, the live world refuses it). */
int rr_session_send_input(rr_session *s, const struct emu_input *in);

struct rr_session_stats {
	uint64_t events;             /* events consumed */
	uint64_t hashes;             /* STATE_HASHes compared (and equal) */
	uint64_t snapshots_loaded;
	int end_code;                /* the reader's code at the end (RRLOG_ETRUNCATED...) */
};
void rr_session_stats(const rr_session *s, struct rr_session_stats *st);

/* Progress of a long call, reported from the calling thread now and then: done
 * of total, in instructions replayed (rr_cut, rr_replay_diff) or bytes of the
 * inputs read (rr_merge). A NULL pointer or fn: none. */
struct rr_progress {
	void (*fn)(void *opaque, uint64_t done, uint64_t total);
	void *opaque;
};

/* ---- cutting and joining (cut.c; the layout of a window is in its top comment) ---- */

/* Cut nwin consecutive windows [bounds[i], bounds[i+1]) of the recording in into
 * outs[i]: each starts with a full snapshot and replays on its own (to a clean
 * stop at its end, or to the guest's own ending). Icounts stay absolute. RR_OK, or
 * an error with a reason in err; an output that failed is not left behind. */
int rr_cut(const char *in, const uint64_t *bounds, int nwin, const char *const *outs,
	   const struct rr_progress *pr, char *err, size_t errlen);
/* The first icount of a recording (its first snapshot) and the icount of its last
 * event. */
int rr_recording_span(const char *in, uint64_t *first, uint64_t *last, char *err, size_t errlen);
/* Join consecutive windows into out, checking that each starts where the one before
 * ends, with the same machine state there, and that they come from one recording. */
int rr_merge(const char *const *ins, int nin, const char *out, const struct rr_progress *pr,
	     char *err, size_t errlen);

/* ---- comparing two replays (diff.c) ---- */

struct rr_replay_diff {
	int same;                 /* 1: the same states over the whole of both */
	uint64_t icount;          /* the first icount at which the machines differ */
	uint64_t end_a, end_b;    /* where each recording ends */
	uint64_t steps;           /* comparisons made on the way */
	int differences;          /* fields, pages and devices that differ there */
};
/* Replay a and b in lockstep (their own state hashes not checked) and find the first
 * icount at which the two machines differ (a comparison every 10^7 instructions,
 * then bisection from saved states; diff.c); *report (malloc'd) lists
 * each hart's pc one instruction before, the logs' next events there, and every
 * differing field, page and device, one key=value (or JSON, with json) line each. */
int rr_replay_diff(const char *a, const char *b, int json, struct rr_replay_diff *res,
		   char **report, const struct rr_progress *pr, char *err, size_t errlen);

/* The other side of a comparison of one log (another build of rr-run, say): its
 * state hash at icount, and, when json is not NULL, its state as rr_state_text
 * JSON lines (malloc'd). RR_OK, or an error with a reason in err. */
typedef int rr_probe_fn(void *ctx, uint64_t icount, uint64_t *hash, char **json, char *err, size_t errlen);
/* Replay log here and compare with other at the end of each snapshot interval (both
 * start an interval from the same snapshot), then bisect inside the first interval
 * that differs; *report lists the state fields that differ there. */
int rr_replay_diff_oracle(const char *log, rr_probe_fn *other, void *ctx, int json,
			  struct rr_replay_diff *res, char **report, char *err, size_t errlen);

/* ---- the monitor (monitor.c; the commands are listed by `help`) ---- */

/* A monitor over session s (borrowed): breakpoints, watchpoints, seeks, forward
 * and reverse execution, named states, memory and registers, one command line at
 * a time. NULL if out of memory. */
typedef struct rr_monitor rr_monitor;
rr_monitor *rr_monitor_new(rr_session *s);
void rr_monitor_free(rr_monitor *mon);
/* Polled while a command runs the machine: a nonzero return interrupts it (the
 * reply then says reason=interrupted). */
void rr_monitor_set_poll(rr_monitor *mon, int (*poll)(void *opaque), void *opaque);
/* Run one command line; the reply (whole lines) goes to out, in one or more calls.
 * Returns 1 if the command was quit, else 0 (errors are reply lines). */
int rr_monitor_exec(rr_monitor *mon, const char *line, void (*out)(void *opaque, const char *text),
		    void *opaque);
/* 1 while the replay goes over instructions it already went past (the guest's
 * output there was printed already). */
int rr_monitor_muted(const rr_monitor *mon);
/* The command names, NULL-terminated (for completion). */
extern const char *const rr_monitor_command_names[];

/* ---- machine state as key=value text ---- */

/* Print the state of every hart (pc, privilege, x0..x31, f0..f31, the main CSRs)
 * and the machine (icount, state hash) into a malloc'd string: one key=value a
 * line, or one JSON object a line with json. NULL if out of memory. */
char *rr_state_text(struct machine *m, int json);

#endif
