/* lib/replay internals shared by the recorder and the replayer. */
#ifndef RR_REPLAY_INTERNAL_H
#define RR_REPLAY_INTERNAL_H
#include "replay/replay.h"

/* The one table between host inputs and log events (events.c):
 *   input               event        fields
 *   EMU_INPUT_SERIAL    CHAR_READ    sub = uart, data = bytes
 *   EMU_INPUT_NET       NET          sub = device, data = frame
 *   EMU_INPUT_BLOCK     BLOCK        sub = device, value = request id
 *   EMU_INPUT_KEY       ASYNC_INPUT  sub = device, value = encoded event
 *   EMU_INPUT_SHUTDOWN  SHUTDOWN     sub = host-signal (read back: host-qmp-quit too,
 *                                    the end of a window rr-cut made)
 *   EMU_INPUT_RESET     CHECKPOINT   sub = reset-requested
 * The synchronous inputs are CLOCK_VRT (value = ns) and RANDOM (data = bytes). */
/* Fill *ev (icount left 0) for an input: 0, or -1 for an input kind not in the table. */
int rr_input_to_event(const struct emu_input *in, struct rrlog_event *ev);
/* Fill *in for an event that is an asynchronous input: 1, or 0 if it is not one. */
int rr_event_to_input(const struct rrlog_event *ev, struct emu_input *in);

/* "KIND at icount N" (with the cause for SHUTDOWN) into buf. */
const char *rr_event_desc(const struct rrlog_event *e, char *buf, size_t n);

/* The header's image table for a configuration: absolute paths (into cfg, owned
 * by it) and SHA-256. Returns the count, or -1 with a reason. */
int rr_hash_images(struct rr_config *cfg, struct rrlog_image *img, char *err, size_t errlen);
/* Sessions, for the cutter: the position of the next event (0, or -1 at the end),
 * and the id of the last SNAPSHOT at or before the current point. */
int rr_session_head_pos(rr_session *s, struct rrlog_pos *pos);
uint64_t rr_session_chain_id(const rr_session *s);
/* A second session on s's log, with the images s found and no output, at the
 * log's first icount: for the debugger's scans on another core (debug.c). RR_OK,
 * RR_EINVAL for a session that is not a replay of a seekable log file (live, a
 * recording, stdin), or the open's error; *out is NULL unless RR_OK. */
int rr_session_sibling(rr_session *s, rr_session **out);
const char *rr_session_path(const rr_session *s);

/* frontier.c: the recording session's half of each rr_session_* call (the
 * session dispatches to these when it is one). fr_new returns NULL only out of
 * memory; *rc says whether it could read the recording back. */
struct rr_frontier;
struct rr_frontier *fr_new(rr_recorder *r, const char *path, const struct rr_live_input *in, int *rc,
			   char *err, size_t errlen);
void fr_free(struct rr_frontier *f);
struct machine *fr_machine(struct rr_frontier *f);
rr_session *fr_past(struct rr_frontier *f);
const char *fr_errmsg(const struct rr_frontier *f);
int fr_run(struct rr_frontier *f, uint64_t stop_icount, int *stop);
int fr_seek(struct rr_frontier *f, uint64_t icount);
int fr_save(struct rr_frontier *f, rr_state **out);
int fr_restore(struct rr_frontier *f, const rr_state *st);
int fr_snapshots(struct rr_frontier *f, const struct rrlog_snapshot_ref **list, size_t *n);
int fr_next_event(struct rr_frontier *f, struct rrlog_event *ev);
int fr_send_input(struct rr_frontier *f, const struct emu_input *in);
void fr_info(struct rr_frontier *f, struct rr_recording_info *ri);
#endif
