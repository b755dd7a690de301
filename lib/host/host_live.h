/* host_live: the live host (the real world) behind host.h; see host_live.c. */
#ifndef EMU_HOST_LIVE_H
#define EMU_HOST_LIVE_H
#include <stddef.h>
#include "emu/host.h"

struct host_live_config {
	int stdin_fd;            /* console input, or -1 for none */
	int console_fd;          /* console output */
	int raw_terminal;        /* put a terminal stdin in raw mode (restored at exit) */
	int escape;              /* Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A */
	int net_user;            /* start libslirp user networking */
	const char *hostfwd;
	int icount_shift;
	int icount_sleep;        /* pace idle virtual time to real time */
	int handle_signals;      /* SIGINT/SIGTERM/SIGHUP become a shutdown input */
};

struct host_live *host_live_new(const struct host_live_config *cfg, char *err, size_t errlen);
struct emu_host *host_live_host(struct host_live *l);
/* Ask the machine to stop at its next poll (async-signal-unsafe: call from a thread). */
void host_live_request_shutdown(struct host_live *l);
void host_live_free(struct host_live *l);
/* Queue an input as if the world had sent it (a monitor's sendline or sendkey):
 * console bytes (dev 0) behind those read from stdin, a key event, a shutdown or
 * reset request. 0, or -1 for another kind or no room (console bytes: the 64 KiB
 * queue, less what the stdin thread may be reading into). */
int host_live_inject(struct host_live *l, const struct emu_input *in);
/* Console bytes read from stdin_fd so far (at most LIVE_CONSOLE_QUEUE, 64 KiB, ahead
 * of what the machine took: the reader stops while its queue is full). */
uint64_t host_live_console_read(struct host_live *l);
#endif
