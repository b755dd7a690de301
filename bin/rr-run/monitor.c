/* rr-run --monitor: the replay monitor (lib/replay, rr_monitor_*) on the terminal
 * with readline (history, completion of commands), on plain standard input, or on
 * a unix socket for scripts.
 *
 * On a socket each reply ends with the prompt line "(rr)" so a script can read up
 * to it; while a command runs (continue, reverse_continue, step N), a line "stop"
 * interrupts it; on the terminal Ctrl-C does. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>
#include "replay/gdbstub.h"
#include "rr-run.h"

#define PROMPT "(rr) "

struct conn {
	int fd;                      /* the socket, or -1 for stdin/stdout */
	char buf[4096];              /* input not used yet */
	size_t len;
	int closed;
};

static volatile sig_atomic_t got_sigint;
static void on_sigint(int sig) { (void)sig; got_sigint = 1; }

static void out_fd(void *opaque, const char *text)
{
	struct conn *c = opaque;
	int fd = c->fd < 0 ? 1 : c->fd;
	size_t n = strlen(text);
	while (n && !c->closed) {
		ssize_t w = write(fd, text, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->closed = 1;
			return;
		}
		text += w;
		n -= (size_t)w;
	}
}

/* The next whole line of the socket (without its newline) into line: 1, or 0 at
 * the end. Waits when wait is set; else returns -1 if no whole line is there. */
static int next_line(struct conn *c, char *line, size_t cap, int wait)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			size_t k = n < cap - 1 ? n : cap - 1;
			memcpy(line, c->buf, k);
			line[k] = 0;
			if (k && line[k - 1] == '\r')
				line[k - 1] = 0;
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return 1;
		}
		if (c->len == sizeof c->buf) /* a line too long: dropped */
			c->len = 0;
		if (c->closed)
			return 0;
		struct pollfd p = { .fd = c->fd < 0 ? 0 : c->fd, .events = POLLIN };
		int r = poll(&p, 1, wait ? -1 : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return wait ? 0 : -1;
		ssize_t got = read(p.fd, c->buf + c->len, sizeof c->buf - c->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			c->closed = 1;
			if (c->len) { /* a last line without a newline */
				c->buf[c->len++] = '\n';
				continue;
			}
			return 0;
		}
		c->len += (size_t)got;
	}
}

/* While a command runs: Ctrl-C on the terminal, a line "stop" on the socket (it is
 * taken out; other lines wait their turn). */
static int poll_stop(void *opaque)
{
	struct conn *c = opaque;
	if (got_sigint)
		return 1;
	if (!c || c->fd < 0)
		return 0;
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	while (!c->closed && c->len < sizeof c->buf && poll(&p, 1, 0) > 0) {
		ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
		if (got <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			c->closed = 1;
			return 1; /* the script went away: stop and let the loop end */
		}
		c->len += (size_t)got;
	}
	for (size_t at = 0; at < c->len;) {
		char *nl = memchr(c->buf + at, '\n', c->len - at);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (c->buf + at));
		if ((n == 4 || (n == 5 && c->buf[at + 4] == '\r')) && memcmp(c->buf + at, "stop", 4) == 0) {
			memmove(c->buf + at, nl + 1, c->len - (at + n + 1));
			c->len -= n + 1;
			return 1;
		}
		at += n + 1;
	}
	return 0;
}

/* ---- readline completion ---- */

static char *complete_from(const char *const *words, const char *text, int state)
{
	static size_t i, len;
	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while (words[i]) {
		const char *w = words[i++];
		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static char *complete_command(const char *text, int state)
{
	return complete_from(rr_monitor_command_names, text, state);
}

static char *complete_info(const char *text, int state)
{
	static const char *const what[] = { "replay", "registers", "snapshots", "breakpoints", NULL };
	return complete_from(what, text, state);
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	if (start == 0)
		return rl_completion_matches(text, complete_command);
	if (strncmp(rl_line_buffer, "info ", 5) == 0)
		return rl_completion_matches(text, complete_info);
	return NULL;
}

/* ---- the loop ---- */

/* 1 if the session ended with quit, 0 at the end of the input. */
static int serve(rr_monitor *mon, struct conn *c, int tty)
{
	char line[1024];
	for (;;) {
		char *text = NULL;
		if (tty) {
			text = readline(PROMPT);
			if (!text) {
				printf("\n");
				return 0;
			}
			if (*text)
				add_history(text);
		} else {
			if (c->fd >= 0)
				out_fd(c, "(rr)\n");
			int r = next_line(c, line, sizeof line, 1);
			if (r <= 0 || c->closed)
				return 0;
		}
		got_sigint = 0;
		struct sigaction sa = { .sa_handler = on_sigint }, old;
		sigaction(SIGINT, &sa, &old);
		int quit = rr_monitor_exec(mon, text ? text : line, out_fd, c);
		sigaction(SIGINT, &old, NULL);
		free(text);
		if (quit)
			return 1;
	}
}

int monitor_main(const struct rr_options *o, const char *log, rr_session *s, rr_monitor **mp, int *quit)
{
	*quit = 0;
	rr_monitor *mon = *mp = rr_monitor_new(s);
	if (!mon) {
		say("out of memory");
		return RR_EXIT_ERROR;
	}
	struct conn c = { .fd = -1 };
	int status = 0;
	if (strncmp(o->monitor, "unix:", 5) == 0) {
		char err[512];
		int lfd = rr_gdb_listen(o->monitor, err, sizeof err);
		if (lfd < 0) {
			say("%s", err);
			status = RR_EXIT_ERROR;
			goto out;
		}
		if (!o->quiet)
			say("%s: monitor waiting on %s at icount %llu", log, o->monitor,
			    (unsigned long long)rr_session_icount(s));
		c.fd = rr_gdb_accept(lfd, err, sizeof err);
		if (c.fd < 0) {
			say("%s", err);
			status = RR_EXIT_ERROR;
			goto out;
		}
		rr_monitor_set_poll(mon, poll_stop, &c);
		char hello[600];
		snprintf(hello, sizeof hello, "rr-run monitor: %s at icount %llu (help lists the commands)\n",
			 log, (unsigned long long)rr_session_icount(s));
		out_fd(&c, hello);
		*quit = serve(mon, &c, 0);
		close(c.fd);
	} else {
		int tty = isatty(0) && isatty(1);
		rr_monitor_set_poll(mon, poll_stop, NULL);
		if (tty) {
			rl_readline_name = "rr-run";
			rl_attempted_completion_function = complete;
			printf("rr-run monitor: %s at icount %llu (help lists the commands; Ctrl-C stops a run)\n",
			       log, (unsigned long long)rr_session_icount(s));
		}
		*quit = serve(mon, &c, tty);
	}
	if (!o->quiet)
		say("monitor closed at icount %llu", (unsigned long long)rr_session_icount(s));
out:
	*mp = NULL;
	rr_monitor_free(mon);
	return status;
}
