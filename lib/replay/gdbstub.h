/* gdbstub: gdb's remote serial protocol over a replay session, with reverse
 * execution (bs, bc) and the replaylog stop reasons at the ends of the log.
 *
 * The protocol (gdbstub.c) knows nothing of sockets: it reads and writes through
 * struct rr_gdb_io. gdbsock.c has the listening side (TCP on 127.0.0.1, or a unix
 * socket of mode 0600) and an io over a connected fd.
 *
 * The debugger's view:
 *  - harts are threads, thread id = hart index + 1; registers and memory are those
 *    of the selected thread (Hg); memory addresses are virtual, translated through
 *    the hart's satp (Sv39/Sv48) unless it runs in M-mode or satp is Bare; only RAM
 *    and ROM can be read or written (never device registers);
 *  - stepi steps the thread (Hc, vCont;s:T) by one of its instructions; the other
 *    harts run as the recording's schedule says meanwhile;
 *  - reverse-stepi (bs) goes to the last point of the log before which the thread
 *    had executed one instruction less: the instruction before this one on this
 *    hart (other harts may move back by more than one instruction);
 *  - reverse-continue (bc) stops at the last breakpoint hit before the current
 *    point, searched backwards one snapshot interval at a time (Ctrl-C stops the
 *    search and comes back to where it started);
 *  - at the end of the log (or the guest's power-off) the stop reply carries
 *    replaylog:end, going back past the first instruction replaylog:begin; the
 *    connection stays up;
 *  - writing registers or memory changes the replay's state: the state hashes of
 *    the log will no longer match (the replay reports a divergence).
 * Packets longer than RR_GDB_PACKET_MAX, bad checksums and malformed arguments get
 * a '-' or an error reply; unknown packets the empty reply.
 */
#ifndef RR_GDBSTUB_H
#define RR_GDBSTUB_H
#include <stddef.h>
#include <stdint.h>
#include "replay/replay.h"

#define RR_GDB_PACKET_MAX 0x4000

struct rr_gdb_io {
	/* Read up to len bytes: the count (> 0), 0 if nothing came within timeout_ms
	 * (0: just poll; -1: wait), -1 at the end of the connection or on an error. */
	int (*read)(void *opaque, uint8_t *buf, size_t len, int timeout_ms);
	/* Write all len bytes: 0, or -1 if the connection is gone. */
	int (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

typedef struct rr_gdb rr_gdb;

enum rr_gdb_end {
	RR_GDB_CONTINUE = 0,  /* rr_gdb_feed: still serving */
	RR_GDB_DETACHED,      /* the debugger detached (D) */
	RR_GDB_KILLED,        /* the debugger killed the target (k, vKill) */
	RR_GDB_CLOSED,        /* the connection ended */
};

/* A stub for session s (borrowed): the replay stays where it is (the debugger sees
 * the current point as stopped with SIGTRAP). NULL if out of memory. */
rr_gdb *rr_gdb_new(rr_session *s, const struct rr_gdb_io *io);
void rr_gdb_free(rr_gdb *g);
/* Serve until the debugger detaches, kills or the connection ends: enum rr_gdb_end. */
int rr_gdb_serve(rr_gdb *g);
/* Process len bytes as if they came from the debugger (replies go to io->write):
 * RR_GDB_CONTINUE, or how the debugger ended the session. For tests and fuzzing. */
int rr_gdb_feed(rr_gdb *g, const uint8_t *buf, size_t len);
/* 1 while the replay goes over instructions it already went past (seeks, reverse
 * execution, running forward again after going back): the guest's output there
 * was printed already. */
int rr_gdb_muted(const rr_gdb *g);

/* gdbsock.c. spec: "PORT" (TCP on 127.0.0.1), "ADDR:PORT" (an IPv4 address or
 * localhost) or "unix:PATH" (created with mode 0600; an existing socket file
 * there is replaced). A listening fd, or -1 with a reason in err. */
int rr_gdb_listen(const char *spec, char *err, size_t errlen);
/* 1 if spec listens on the loopback or a unix socket only (the caller warns
 * otherwise: whoever reaches the port drives the guest and reads its memory). */
int rr_gdb_spec_local(const char *spec);
/* Wait for one connection on lfd (then closed) and return its fd, or -1. */
int rr_gdb_accept(int lfd, char *err, size_t errlen);
/* An io over a connected fd (opaque = the fd cast into a pointer). */
void rr_gdb_fd_io(int fd, struct rr_gdb_io *io);

#endif
