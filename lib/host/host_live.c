/* host_live: the real world behind host.h.
 *
 * Inputs that arrive asynchronously (console bytes read by a stdin thread, frames
 * from the slirp thread, block completions from the disk worker, shutdown requests
 * from signal handlers) are queued here; the machine takes them at its next poll.
 * A pending input makes next_input() answer "now", otherwise the machine polls every
 * HOST_LIVE_POLL instructions (about a millisecond). idle() paces virtual time to real time: it sleeps
 * until the deadline's virtual time has passed in real time or an input arrives
 * (icount_sleep off: it jumps to the deadline at once unless input is pending).
 * This is the only file of lib/emu that reads the host's clocks.
 *
 * Console input has backpressure (host.h): the stdin thread reads only while the
 * console queue (a ring of LIVE_CONSOLE_QUEUE bytes, apart from the other inputs)
 * has room, so a pipe that outruns the guest blocks its writer, as on QEMU, and
 * memory stays bounded. poll() hands over at most as many queued bytes as the
 * UART has room for (at most LIVE_SERIAL_CHUNK at a time) and keeps the rest;
 * while the UART is full, queued console bytes are not "pending": next_input()
 * answers the next periodic poll and idle() sleeps on, so a guest that does not
 * read costs nothing, and the bytes follow once it has read. The Ctrl-A escape is
 * seen when its byte is read: behind 64 KiB typed to a guest that reads nothing,
 * it waits too (SIGINT/SIGTERM from another shell still end the run).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "host/host_live.h"
#include "host/net_slirp.h"

#define HOST_LIVE_POLL (1u << 17)
#define LIVE_CONSOLE_QUEUE 65536  /* console bytes read ahead of the UART */
#define LIVE_SERIAL_CHUNK 4096    /* at most this many console bytes an input */
#define LIVE_READ_MIN 4096        /* the stdin thread waits for this much room */

struct live_item {
	struct emu_input in;
	uint8_t *buf;
	struct live_item *next;
};

struct host_live {
	struct emu_host host;
	struct host_live_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t cond;           /* an input was queued */
	struct live_item *head, *tail;
	struct live_item *cur;         /* handed out by the last poll */
	atomic_int pending;
	/* disk worker */
	pthread_t worker;
	int worker_started, worker_quit;
	pthread_cond_t work_cond;
	struct emu_blk_req *work_head, *work_tail;
	/* console: a ring the stdin thread fills and poll() empties (under lock) */
	pthread_t reader;
	int reader_started, reader_quit;
	atomic_int reader_done;     /* the stdin thread has returned (or is returning) */
	int stdin_fd;
	int ctrl_a;                    /* last byte was the Ctrl-A escape */
	pthread_cond_t con_room;       /* console bytes were taken: the reader may read */
	uint8_t con_ring[LIVE_CONSOLE_QUEUE];
	size_t con_head;
	atomic_size_t con_count;       /* bytes queued (changed under lock) */
	uint8_t con_out[LIVE_SERIAL_CHUNK]; /* handed out by the last poll */
	uint64_t con_read;             /* bytes read from stdin, queued (stats, tests) */
	/* network */
	struct net_slirp *slirp;
	pthread_t sigthread;
	int sig_started;
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Queue an input (copying data) and wake whoever waits. Any thread. */
static void live_push(struct host_live *l, int kind, uint32_t dev, uint64_t id,
		      const uint8_t *data, size_t len)
{
	struct live_item *it = calloc(1, sizeof *it);
	if (!it)
		return;
	if (len) {
		it->buf = malloc(len);
		if (!it->buf) {
			free(it);
			return;
		}
		memcpy(it->buf, data, len);
	}
	it->in.kind = kind;
	it->in.dev = dev;
	it->in.id = id;
	it->in.data = it->buf;
	it->in.len = len;
	pthread_mutex_lock(&l->lock);
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	atomic_fetch_add(&l->pending, 1);
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

void host_live_request_shutdown(struct host_live *l)
{
	live_push(l, EMU_INPUT_SHUTDOWN, 0, 0, NULL, 0);
}

static uint64_t live_rtc_ns(void *ctx)
{
	return now_ns(CLOCK_REALTIME);
}

static void live_entropy(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			memset(p, 0, len); /* getrandom cannot fail for small sizes on Linux */
			return;
		}
		p += n;
		len -= n;
	}
}

/* An input the machine can take now: a queued one, or console bytes that fit. */
static int live_due(struct host_live *l, const struct emu_room *room)
{
	return atomic_load(&l->pending) || (room->serial && atomic_load(&l->con_count));
}

static uint64_t live_next_input(void *ctx, uint64_t icount, const struct emu_room *room)
{
	struct host_live *l = ctx;
	return live_due(l, room) ? icount : icount + HOST_LIVE_POLL;
}

/* Move up to max queued console bytes to con_out; how many. */
static size_t con_take(struct host_live *l, size_t max)
{
	pthread_mutex_lock(&l->lock);
	size_t n = atomic_load(&l->con_count);
	if (n > max)
		n = max;
	if (n > LIVE_SERIAL_CHUNK)
		n = LIVE_SERIAL_CHUNK;
	size_t first = LIVE_CONSOLE_QUEUE - l->con_head;
	if (first > n)
		first = n;
	memcpy(l->con_out, l->con_ring + l->con_head, first);
	memcpy(l->con_out + first, l->con_ring, n - first);
	l->con_head = (l->con_head + n) % LIVE_CONSOLE_QUEUE;
	size_t before = atomic_fetch_sub(&l->con_count, n);
	/* wake the reader only when the room it waits for appears */
	if (LIVE_CONSOLE_QUEUE - before < LIVE_READ_MIN && LIVE_CONSOLE_QUEUE - (before - n) >= LIVE_READ_MIN)
		pthread_cond_signal(&l->con_room);
	pthread_mutex_unlock(&l->lock);
	return n;
}

static int live_poll(void *ctx, uint64_t icount, const struct emu_room *room, struct emu_input *in)
{
	struct host_live *l = ctx;
	if (l->cur) {
		free(l->cur->buf);
		free(l->cur);
		l->cur = NULL;
	}
	if (atomic_load(&l->pending)) {
		pthread_mutex_lock(&l->lock);
		struct live_item *it = l->head;
		if (it) {
			l->head = it->next;
			if (!l->head)
				l->tail = NULL;
			atomic_fetch_sub(&l->pending, 1);
		}
		pthread_mutex_unlock(&l->lock);
		if (it) {
			l->cur = it;
			*in = it->in;
			return 1;
		}
	}
	/* Console bytes last: as many as the UART takes, the rest stays queued. */
	if (!room->serial || !atomic_load(&l->con_count))
		return 0;
	size_t n = con_take(l, room->serial);
	if (!n)
		return 0;
	memset(in, 0, sizeof *in);
	in->kind = EMU_INPUT_SERIAL;
	in->dev = 0;
	in->data = l->con_out;
	in->len = (uint32_t)n;
	return 1;
}

static uint64_t live_idle(void *ctx, uint64_t icount, uint64_t deadline, const struct emu_room *room)
{
	struct host_live *l = ctx;
	int shift = l->cfg.icount_shift;
	if (live_due(l, room))
		return icount;
	if (!l->cfg.icount_sleep && deadline != UINT64_MAX)
		return deadline;
	uint64_t start = now_ns(CLOCK_MONOTONIC);
	uint64_t wait_ns = UINT64_MAX;
	if (deadline != UINT64_MAX) {
		unsigned __int128 v = (unsigned __int128)(deadline - icount) << shift;
		wait_ns = v > UINT64_MAX / 2 ? UINT64_MAX : (uint64_t)v;
	}
	pthread_mutex_lock(&l->lock);
	while (!live_due(l, room)) {
		if (wait_ns == UINT64_MAX) {
			pthread_cond_wait(&l->cond, &l->lock);
			continue;
		}
		uint64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
		if (elapsed >= wait_ns)
			break;
		uint64_t until = now_ns(CLOCK_REALTIME) + (wait_ns - elapsed);
		struct timespec ts = { until / 1000000000ull, until % 1000000000ull };
		pthread_cond_timedwait(&l->cond, &l->lock, &ts);
	}
	pthread_mutex_unlock(&l->lock);
	if (!live_due(l, room))
		return deadline;
	uint64_t waited = (now_ns(CLOCK_MONOTONIC) - start) >> shift;
	uint64_t t = icount + waited;
	return t > deadline || t < icount ? deadline : t;
}

/* ---- disk worker: performs block requests in submission order ---- */

static void *worker_main(void *arg)
{
	struct host_live *l = arg;
	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (!l->work_head && !l->worker_quit)
			pthread_cond_wait(&l->work_cond, &l->lock);
		if (!l->work_head)
			break;
		struct emu_blk_req *r = l->work_head;
		l->work_head = r->next;
		if (!l->work_head)
			l->work_tail = NULL;
		pthread_mutex_unlock(&l->lock);
		r->work(r);
		live_push(l, EMU_INPUT_BLOCK, r->dev, r->id, NULL, 0);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static void live_blk_submit(void *ctx, struct emu_blk_req *req)
{
	struct host_live *l = ctx;
	pthread_mutex_lock(&l->lock);
	req->next = NULL;
	if (l->work_tail)
		l->work_tail->next = req;
	else
		l->work_head = req;
	l->work_tail = req;
	pthread_cond_signal(&l->work_cond);
	pthread_mutex_unlock(&l->lock);
}

static void live_net_send(void *ctx, uint32_t dev, const uint8_t *frame, size_t len)
{
	struct host_live *l = ctx;
	if (l->slirp)
		net_slirp_send(l->slirp, frame, len);
}

static void slirp_rx(void *opaque, const uint8_t *frame, size_t len)
{
	live_push(opaque, EMU_INPUT_NET, 0, 0, frame, len);
}

static void live_serial_write(void *ctx, uint32_t dev, const uint8_t *buf, size_t len)
{
	struct host_live *l = ctx;
	int fd = l->cfg.console_fd;
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* console gone: the guest's output is dropped */
		buf += n;
		len -= n;
	}
}

/* ---- console input ---- */

static struct termios saved_tio;
static int tio_saved;

static void restore_terminal(void)
{
	if (tio_saved)
		tcsetattr(0, TCSANOW, &saved_tio);
	tio_saved = 0;
}

/* Append n console bytes to the ring (they fit) and wake the machine. Under lock. */
static void con_append(struct host_live *l, const uint8_t *b, size_t n)
{
	size_t count = atomic_load(&l->con_count);
	size_t tail = (l->con_head + count) % LIVE_CONSOLE_QUEUE;
	size_t first = LIVE_CONSOLE_QUEUE - tail;
	if (first > n)
		first = n;
	memcpy(l->con_ring + tail, b, first);
	memcpy(l->con_ring, b + first, n - first);
	atomic_fetch_add(&l->con_count, n);
	pthread_cond_broadcast(&l->cond);
}

/* Queue n console bytes read from stdin (the reader made sure they fit). */
static void con_put(struct host_live *l, const uint8_t *b, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&l->lock);
	con_append(l, b, n);
	l->con_read += n;
	pthread_mutex_unlock(&l->lock);
}

/* The stdin thread. It reads only what the console queue has room for, so a full
 * queue (a guest that does not read) stops it reading: backpressure on the pipe. */
static void reader_loop(struct host_live *l);

/* The stdin thread: reads until EOF, an error, Ctrl-A x or host_live_free; then
 * says it is done, so that host_live_free may join it and free the handle. */
static void *reader_main(void *arg)
{
	struct host_live *l = arg;
	reader_loop(l);
	atomic_store(&l->reader_done, 1);
	return NULL;
}

static void reader_loop(struct host_live *l)
{
	uint8_t buf[LIVE_READ_MIN];
	for (;;) {
		pthread_mutex_lock(&l->lock);
		while (!l->reader_quit && LIVE_CONSOLE_QUEUE - atomic_load(&l->con_count) < sizeof buf)
			pthread_cond_wait(&l->con_room, &l->lock);
		int quit = l->reader_quit;
		pthread_mutex_unlock(&l->lock);
		if (quit)
			break;
		/* only this thread adds bytes: the room seen above stays */
		ssize_t n = read(l->stdin_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the console simply has no more input */
		size_t k = 0;
		for (ssize_t i = 0; i < n; i++) {
			uint8_t c = buf[i];
			if (l->cfg.escape && l->ctrl_a) {
				l->ctrl_a = 0;
				if (c == 'x') {
					con_put(l, buf, k);
					host_live_request_shutdown(l);
					return;
				}
				if (c != 1)
					continue; /* unknown escape: swallowed */
			} else if (l->cfg.escape && c == 1) {
				l->ctrl_a = 1;
				continue;
			}
			buf[k++] = c; /* k <= i: filtered in place */
		}
		con_put(l, buf, k);
	}
}

/* SIGINT/SIGTERM/SIGHUP end the run cleanly: blocked in every thread, taken by
 * this one with sigwait(), turned into a shutdown input. */
static void *signal_main(void *arg)
{
	struct host_live *l = arg;
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) == 0)
		host_live_request_shutdown(l);
	return NULL;
}

static const struct emu_host_ops live_ops = {
	.rtc_ns = live_rtc_ns,
	.entropy = live_entropy,
	.next_input = live_next_input,
	.poll = live_poll,
	.idle = live_idle,
	.blk_submit = live_blk_submit,
	.net_send = live_net_send,
	.serial_write = live_serial_write,
};

struct host_live *host_live_new(const struct host_live_config *cfg, char *err, size_t errlen)
{
	struct host_live *l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->cfg = *cfg;
	l->host.ops = &live_ops;
	l->host.ctx = l;
	l->stdin_fd = cfg->stdin_fd;
	if (cfg->handle_signals) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		if (pthread_create(&l->sigthread, NULL, signal_main, l) == 0) {
			l->sig_started = 1;
			pthread_detach(l->sigthread);
		}
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	pthread_cond_init(&l->work_cond, NULL);
	pthread_cond_init(&l->con_room, NULL);
	if (pthread_create(&l->worker, NULL, worker_main, l) == 0)
		l->worker_started = 1;
	if (cfg->net_user) {
		l->slirp = net_slirp_new(cfg->hostfwd, slirp_rx, l, err, errlen);
		if (!l->slirp) {
			host_live_free(l);
			return NULL;
		}
	}
	if (cfg->stdin_fd >= 0) {
		/* The Ctrl-A escape is for people at a terminal: piped input is data. */
		l->cfg.escape = cfg->escape && isatty(cfg->stdin_fd);
		if (cfg->raw_terminal && isatty(cfg->stdin_fd) && tcgetattr(cfg->stdin_fd, &saved_tio) == 0) {
			struct termios t = saved_tio;
			cfmakeraw(&t);
			t.c_oflag |= OPOST | ONLCR;
			tio_saved = 1;
			atexit(restore_terminal);
			tcsetattr(cfg->stdin_fd, TCSANOW, &t);
		}
		if (pthread_create(&l->reader, NULL, reader_main, l) == 0)
			l->reader_started = 1;
	}
	return l;
}

int host_live_inject(struct host_live *l, const struct emu_input *in)
{
	switch (in->kind) {
	case EMU_INPUT_SERIAL:
		if (in->dev != 0 || !in->len)
			return -1;
		/* the stdin thread may be reading into room it saw (up to LIVE_READ_MIN
		 * bytes): that room stays its own */
		pthread_mutex_lock(&l->lock);
		size_t room = LIVE_CONSOLE_QUEUE - atomic_load(&l->con_count);
		int fits = in->len + (l->reader_started && !atomic_load(&l->reader_done) ? LIVE_READ_MIN : 0) <= room;
		if (fits)
			con_append(l, in->data, in->len);
		pthread_mutex_unlock(&l->lock);
		return fits ? 0 : -1;
	case EMU_INPUT_KEY:
	case EMU_INPUT_SHUTDOWN:
	case EMU_INPUT_RESET:
		live_push(l, in->kind, in->dev, in->id, NULL, 0);
		return 0;
	default:
		return -1;
	}
}

uint64_t host_live_console_read(struct host_live *l)
{
	pthread_mutex_lock(&l->lock);
	uint64_t n = l->con_read;
	pthread_mutex_unlock(&l->lock);
	return n;
}

struct emu_host *host_live_host(struct host_live *l)
{
	return &l->host;
}

void host_live_free(struct host_live *l)
{
	if (!l)
		return;
	restore_terminal();
	pthread_mutex_lock(&l->lock);
	l->reader_quit = 1; /* a reader waiting for queue room leaves */
	pthread_cond_broadcast(&l->con_room);
	pthread_mutex_unlock(&l->lock);
	net_slirp_free(l->slirp);
	if (l->worker_started) {
		pthread_mutex_lock(&l->lock);
		l->worker_quit = 1;
		pthread_cond_signal(&l->work_cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->worker, NULL);
	}
	/* A stdin reader still blocked in read() cannot be stopped: leave the handle's
	 * memory to process exit rather than free it under the thread. One that is
	 * done (EOF, Ctrl-A x, or woken by reader_quit) is joined. */
	if (l->reader_started) {
		if (!atomic_load(&l->reader_done)) {
			pthread_detach(l->reader);
			return;
		}
		pthread_join(l->reader, NULL);
	}
	if (l->sig_started)
		return;
	struct live_item *it = l->head;
	while (it) {
		struct live_item *n = it->next;
		free(it->buf);
		free(it);
		it = n;
	}
	if (l->cur) {
		free(l->cur->buf);
		free(l->cur);
	}
	free(l);
}
