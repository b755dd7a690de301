/* net_slirp: libslirp behind one I/O thread.
 *
 * The thread owns the Slirp instance after net_slirp_new returns: every slirp call
 * (input, pollfds fill/poll, timers) happens on it, so slirp needs no locking. The
 * machine thread only appends frames to a mutex-protected queue and kicks an
 * eventfd. Slirp's timers (only the IPv6 router-advertisement timer in libslirp
 * 4.7) live in a small list, run on CLOCK_MONOTONIC in milliseconds, as slirp
 * expects. Network defaults are QEMU's -netdev user: 10.0.2.0/24, host 10.0.2.2,
 * DNS 10.0.2.3, DHCP from 10.0.2.15, IPv6 fec0::/64 (host fec0::2, DNS fec0::3).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <slirp/libslirp.h>
#include "host/net_slirp.h"

#define NS_QUEUE_MAX   1024    /* frames waiting for the I/O thread */
#define NS_FRAME_MIN   14      /* an Ethernet header */
#define NS_FRAME_MAX   65536
#define NS_NET         "10.0.2.0"
#define NS_MASK        "255.255.255.0"
#define NS_HOST        "10.0.2.2"
#define NS_DNS         "10.0.2.3"
#define NS_DHCP        "10.0.2.15"

struct ns_frame {
	struct ns_frame *next;
	size_t len;
	uint8_t data[];
};

struct ns_timer {
	struct ns_timer *next;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms;      /* -1: not armed */
};

struct net_slirp {
	Slirp *slirp;
	net_slirp_rx_fn *rx;
	void *opaque;
	int evfd;               /* wakes the I/O thread */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;   /* guards the queue and quit */
	struct ns_frame *head, *tail;
	int queued, quit;
	atomic_uint_fast64_t dropped;
	struct ns_timer *timers;
	struct pollfd *pfd;     /* I/O thread: this round's descriptors */
	int npfd, cappfd;
};

static int64_t ns_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- slirp callbacks (I/O thread, or the creating thread inside slirp_new) ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *ns = opaque;
	ns->rx(ns->opaque, buf, len);
	return len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	/* A malformed guest packet: slirp drops it. Libraries do not print. */
}

static int64_t cb_clock_get_ns(void *opaque)
{
	return ns_now_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct net_slirp *ns = opaque;
	struct ns_timer *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = ns->timers;
	ns->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct net_slirp *ns = opaque;
	for (struct ns_timer **p = &ns->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
	}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	if (timer)
		((struct ns_timer *)timer)->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque) {}
static void cb_unregister_poll_fd(int fd, void *opaque) {}

/* Slirp has room again for data (or wants a new round): wake the loop. */
static void ns_kick(struct net_slirp *ns)
{
	uint64_t one = 1;
	ssize_t r = write(ns->evfd, &one, sizeof one);
	(void)r; /* EAGAIN: the counter is already non-zero, the loop will wake */
}

static void cb_notify(void *opaque)
{
	ns_kick(opaque);
}

static const SlirpCb ns_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the I/O thread ---- */

static int add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *ns = opaque;
	if (ns->npfd == ns->cappfd) {
		int cap = ns->cappfd ? 2 * ns->cappfd : 16;
		struct pollfd *p = realloc(ns->pfd, cap * sizeof *p);
		if (!p)
			return -1; /* not polled this round; slirp treats revents as 0 */
		ns->pfd = p;
		ns->cappfd = cap;
	}
	short ev = 0;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	ns->pfd[ns->npfd].fd = fd;
	ns->pfd[ns->npfd].events = ev;
	ns->pfd[ns->npfd].revents = 0;
	return ns->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct net_slirp *ns = opaque;
	if (idx < 0 || idx >= ns->npfd)
		return 0;
	short rev = ns->pfd[idx].revents;
	int r = 0;
	if (rev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (rev & (POLLERR | POLLNVAL))
		r |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

/* Fire every armed timer due at now_ms. A handler may re-arm or free timers, so
 * restart the scan after each one. */
static void run_timers(struct net_slirp *ns, int64_t now_ms)
{
	for (int fired = 1; fired;) {
		fired = 0;
		for (struct ns_timer *t = ns->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
				t->expire_ms = -1;
				slirp_handle_timer(ns->slirp, t->id, t->cb_opaque);
				fired = 1;
				break;
			}
		}
	}
}

static void *ns_main(void *arg)
{
	struct net_slirp *ns = arg;
	for (;;) {
		uint64_t cnt;
		ssize_t r = read(ns->evfd, &cnt, sizeof cnt);
		(void)r;
		pthread_mutex_lock(&ns->lock);
		int quit = ns->quit;
		struct ns_frame *f = ns->head;
		ns->head = ns->tail = NULL;
		ns->queued = 0;
		pthread_mutex_unlock(&ns->lock);
		while (f) {
			struct ns_frame *next = f->next;
			if (!quit)
				slirp_input(ns->slirp, f->data, (int)f->len);
			free(f);
			f = next;
		}
		if (quit)
			break;

		ns->npfd = 0;
		add_poll(ns->evfd, SLIRP_POLL_IN, ns);
		uint32_t timeout = UINT32_MAX;
		slirp_pollfds_fill(ns->slirp, &timeout, add_poll, ns);
		int64_t now_ms = ns_now_ns() / 1000000;
		for (struct ns_timer *t = ns->timers; t; t = t->next) {
			if (t->expire_ms < 0)
				continue;
			int64_t left = t->expire_ms > now_ms ? t->expire_ms - now_ms : 0;
			if (left < timeout)
				timeout = (uint32_t)left;
		}
		int n = poll(ns->pfd, ns->npfd, timeout == UINT32_MAX ? -1 : (int)(timeout < 60000 ? timeout : 60000));
		slirp_pollfds_poll(ns->slirp, n < 0 && errno != EINTR, get_revents, ns);
		run_timers(ns, ns_now_ns() / 1000000);
	}
	return NULL;
}

/* ---- port forwarding ---- */

/* Parse "[ADDR:]PORT" (an empty ADDR or none leaves *addr alone) from s[0..n). */
static int parse_endpoint(const char *s, size_t n, struct in_addr *addr, int *port,
			  const char *what, const char *rule, char *err, size_t errlen)
{
	char buf[64];
	if (n >= sizeof buf) {
		snprintf(err, errlen, "hostfwd '%s': %s too long", rule, what);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	char *p = strrchr(buf, ':'), *portstr = buf;
	if (p) {
		*p = 0;
		portstr = p + 1;
		if (buf[0] && inet_pton(AF_INET, buf, addr) != 1) {
			snprintf(err, errlen, "hostfwd '%s': bad %s address '%s'", rule, what, buf);
			return -1;
		}
	}
	char *end;
	errno = 0;
	long v = strtol(portstr, &end, 10);
	if (!portstr[0] || *end || errno || v < 1 || v > 65535) {
		snprintf(err, errlen, "hostfwd '%s': bad %s port '%s' (1..65535)", rule, what, portstr);
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* Add one rule "[hostfwd=][tcp:|udp:][HOSTADDR:]HOSTPORT-[GUESTADDR:]GUESTPORT". */
static int add_rule(struct net_slirp *ns, const char *rule, size_t n, char *err, size_t errlen)
{
	char r[256];
	if (n >= sizeof r) {
		snprintf(err, errlen, "hostfwd rule too long");
		return -1;
	}
	memcpy(r, rule, n);
	r[n] = 0;
	const char *s = r;
	int udp = 0;
	if (!strncmp(s, "hostfwd=", 8))
		s += 8;
	if (!strncmp(s, "tcp:", 4))
		s += 4;
	else if (!strncmp(s, "udp:", 4))
		s += 4, udp = 1;
	const char *dash = strchr(s, '-');
	if (!dash || strchr(dash + 1, '-')) {
		snprintf(err, errlen, "hostfwd '%s': expected [tcp:|udp:][HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT", r);
		return -1;
	}
	struct in_addr haddr = { htonl(INADDR_ANY) }, gaddr, net, mask;
	int hport, gport;
	inet_pton(AF_INET, NS_DHCP, &gaddr);
	inet_pton(AF_INET, NS_NET, &net);
	inet_pton(AF_INET, NS_MASK, &mask);
	if (parse_endpoint(s, dash - s, &haddr, &hport, "host", r, err, errlen) < 0 ||
	    parse_endpoint(dash + 1, strlen(dash + 1), &gaddr, &gport, "guest", r, err, errlen) < 0)
		return -1;
	if ((gaddr.s_addr & mask.s_addr) != net.s_addr) {
		snprintf(err, errlen, "hostfwd '%s': guest address not in %s/24", r, NS_NET);
		return -1;
	}
	errno = 0;
	if (slirp_add_hostfwd(ns->slirp, udp, haddr, hport, gaddr, gport) < 0) {
		char ha[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &haddr, ha, sizeof ha);
		snprintf(err, errlen, "hostfwd '%s': cannot listen on %s %s:%d%s%s", r, udp ? "udp" : "tcp",
			 ha, hport, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

/* ---- public interface ---- */

struct net_slirp *net_slirp_new(const char *hostfwd, net_slirp_rx_fn *rx, void *opaque,
				char *err, size_t errlen)
{
	struct net_slirp *ns = calloc(1, sizeof *ns);
	if (!ns) {
		snprintf(err, errlen, "user network: out of memory");
		return NULL;
	}
	ns->rx = rx;
	ns->opaque = opaque;
	pthread_mutex_init(&ns->lock, NULL);
	ns->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ns->evfd < 0) {
		snprintf(err, errlen, "user network: eventfd: %s", strerror(errno));
		net_slirp_free(ns);
		return NULL;
	}

	SlirpConfig cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.version = 4;
	cfg.in_enabled = true;
	inet_pton(AF_INET, NS_NET, &cfg.vnetwork);
	inet_pton(AF_INET, NS_MASK, &cfg.vnetmask);
	inet_pton(AF_INET, NS_HOST, &cfg.vhost);
	inet_pton(AF_INET, NS_DHCP, &cfg.vdhcp_start);
	inet_pton(AF_INET, NS_DNS, &cfg.vnameserver);
	cfg.in6_enabled = true;
	inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	ns->slirp = slirp_new(&cfg, &ns_callbacks, ns);
	if (!ns->slirp) {
		snprintf(err, errlen, "user network: slirp_new failed");
		net_slirp_free(ns);
		return NULL;
	}

	for (const char *p = hostfwd; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n && add_rule(ns, p, n, err, errlen) < 0) {
			net_slirp_free(ns);
			return NULL;
		}
		p += n;
		if (*p == ',')
			p++;
	}

	/* The I/O thread takes no signals: the process's handlers stay where they are. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&ns->thread, NULL, ns_main, ns);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		snprintf(err, errlen, "user network: cannot start thread: %s", strerror(e));
		net_slirp_free(ns);
		return NULL;
	}
	ns->started = 1;
	return ns;
}

void net_slirp_send(struct net_slirp *ns, const uint8_t *frame, size_t len)
{
	if (!ns)
		return;
	if (len < NS_FRAME_MIN || len > NS_FRAME_MAX) {
		atomic_fetch_add(&ns->dropped, 1);
		return;
	}
	struct ns_frame *f = malloc(sizeof *f + len);
	if (!f) {
		atomic_fetch_add(&ns->dropped, 1);
		return;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->data, frame, len);
	pthread_mutex_lock(&ns->lock);
	if (ns->queued >= NS_QUEUE_MAX || ns->quit) {
		pthread_mutex_unlock(&ns->lock);
		free(f);
		atomic_fetch_add(&ns->dropped, 1);
		return;
	}
	if (ns->tail)
		ns->tail->next = f;
	else
		ns->head = f;
	ns->tail = f;
	ns->queued++;
	pthread_mutex_unlock(&ns->lock);
	ns_kick(ns);
}

uint64_t net_slirp_dropped(const struct net_slirp *ns)
{
	return ns ? atomic_load(&((struct net_slirp *)ns)->dropped) : 0;
}

void net_slirp_free(struct net_slirp *ns)
{
	if (!ns)
		return;
	if (ns->started) {
		pthread_mutex_lock(&ns->lock);
		ns->quit = 1;
		pthread_mutex_unlock(&ns->lock);
		ns_kick(ns);
		pthread_join(ns->thread, NULL);
	}
	for (struct ns_frame *f = ns->head, *next; f; f = next) {
		next = f->next;
		free(f);
	}
	if (ns->slirp)
		slirp_cleanup(ns->slirp); /* frees its timers through cb_timer_free */
	while (ns->timers) {
		struct ns_timer *t = ns->timers;
		ns->timers = t->next;
		free(t);
	}
	if (ns->evfd >= 0)
		close(ns->evfd);
	free(ns->pfd);
	pthread_mutex_destroy(&ns->lock);
	free(ns);
}
