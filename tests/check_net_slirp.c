/* check_net_slirp: user-mode networking through lib/emu/net_slirp.c.
 *
 * The test plays the guest: it crafts raw Ethernet frames (ARP, DHCP, TCP), hands
 * them to net_slirp_send and checks the frames slirp answers with through rx().
 * Only loopback addresses are used on the host side; every wait is bounded. */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "host/net_slirp.h"

#define WAIT_MS 5000
static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t host_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

/* ---- frames received from slirp ---- */

#define MAXRX 256
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n;
	size_t len[MAXRX];
	uint8_t *data[MAXRX];
	int bad_opaque;         /* rx() called with another opaque than given */
} rxq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { 0 }, { 0 }, 0 };

static void rx(void *opaque, const uint8_t *frame, size_t len)
{
	pthread_mutex_lock(&rxq.lock);
	if (opaque != &rxq)
		rxq.bad_opaque++;
	else if (rxq.n < MAXRX) {
		rxq.data[rxq.n] = malloc(len);
		memcpy(rxq.data[rxq.n], frame, len);
		rxq.len[rxq.n++] = len;
		pthread_cond_broadcast(&rxq.cond);
	}
	pthread_mutex_unlock(&rxq.lock);
}

static void rx_reset(void)
{
	pthread_mutex_lock(&rxq.lock);
	for (int i = 0; i < rxq.n; i++)
		free(rxq.data[i]);
	rxq.n = 0;
	pthread_mutex_unlock(&rxq.lock);
}

/* Wait up to WAIT_MS for a received frame (from index *from on) that match()
 * accepts; copy it to out (up to cap bytes) and return its length, or -1. */
static int rx_wait(int (*match)(const uint8_t *f, size_t len, const void *arg), const void *arg,
		   uint8_t *out, size_t cap)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WAIT_MS / 1000;
	int found = -1, next = 0;
	pthread_mutex_lock(&rxq.lock);
	for (;;) {
		for (; next < rxq.n && found < 0; next++)
			if (match(rxq.data[next], rxq.len[next], arg)) {
				found = (int)(rxq.len[next] < cap ? rxq.len[next] : cap);
				memcpy(out, rxq.data[next], found);
			}
		if (found >= 0 || pthread_cond_timedwait(&rxq.cond, &rxq.lock, &dl) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&rxq.lock);
	return found;
}

/* ---- frame building ---- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, (uint16_t)v); }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, type);
	return 14;
}

/* IPv4 header at f (20 bytes) for a payload of plen bytes. */
static void ipv4(uint8_t *f, uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t plen)
{
	memset(f, 0, 20);
	f[0] = 0x45;
	put16(f + 2, (uint16_t)(20 + plen));
	put16(f + 4, 0x1234);
	f[8] = 64;
	f[9] = proto;
	memcpy(f + 12, src, 4);
	memcpy(f + 16, dst, 4);
	put16(f + 10, fold(sum16(f, 20, 0)));
}

static size_t arp_request(uint8_t *f, const uint8_t *target_ip)
{
	size_t n = eth(f, bcast, 0x0806);
	uint8_t *a = f + n;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, guest_mac, 6);
	memcpy(a + 14, guest_ip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, target_ip, 4);
	return n + 28;
}

/* A TCP segment guest:sport -> 10.0.2.2:dport with flags and payload. */
static size_t tcp(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *data, size_t dlen)
{
	size_t n = eth(f, host_mac, 0x0800);
	uint8_t *ip = f + n, *t = ip + 20;
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (dlen)
		memcpy(t + 20, data, dlen);
	ipv4(ip, 6, guest_ip, gw_ip, 20 + dlen);
	uint32_t s = sum16(ip + 12, 8, 0) + 6 + 20 + dlen;
	put16(t + 16, fold(sum16(t, 20 + dlen, s)));
	return n + 20 + 20 + dlen;
}

enum { TCP_FIN = 1, TCP_SYN = 2, TCP_PSH = 8, TCP_ACK = 16 };

/* ---- matchers ---- */

static int is_arp_reply(const uint8_t *f, size_t len, const void *arg)
{
	return len >= 42 && be16(f + 12) == 0x0806 && be16(f + 20) == 2 &&
	       !memcmp(f + 28, gw_ip, 4) && !memcmp(f + 38, guest_ip, 4);
}

/* IPv4 UDP from port 67 to port 68 (a DHCP server reply). */
static int is_dhcp_reply(const uint8_t *f, size_t len, const void *arg)
{
	return len >= 14 + 20 + 8 + 240 && be16(f + 12) == 0x0800 && f[23] == 17 &&
	       be16(f + 34) == 67 && be16(f + 36) == 68;
}

struct tcp_want {
	uint16_t sport, dport;
	uint8_t flags;          /* all of these set */
	size_t min_payload;
};

static int is_tcp(const uint8_t *f, size_t len, const void *arg)
{
	const struct tcp_want *w = arg;
	if (len < 54 || be16(f + 12) != 0x0800 || f[23] != 6)
		return 0;
	size_t ihl = (f[14] & 15) * 4, tot = be16(f + 16);
	const uint8_t *t = f + 14 + ihl;
	size_t thl = (t[12] >> 4) * 4;
	return be16(t) == w->sport && be16(t + 2) == w->dport && (t[13] & w->flags) == w->flags &&
	       tot >= ihl + thl + w->min_payload;
}

/* A TCP SYN (without ACK) to the guest's port *arg, from any source port. */
static int is_syn_to(const uint8_t *f, size_t len, const void *arg)
{
	if (len < 54 || be16(f + 12) != 0x0800 || f[23] != 6)
		return 0;
	const uint8_t *t = f + 14 + (f[14] & 15) * 4;
	return be16(t + 2) == *(const uint16_t *)arg && (t[13] & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

/* A listening TCP socket on 127.0.0.1 (a free port); returns the fd, port in *port. */
static int listen_loopback(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	socklen_t al = sizeof a;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A loopback port nobody listens on right now. */
static uint16_t free_port(void)
{
	uint16_t p;
	close(listen_loopback(&p));
	return p;
}

static struct net_slirp *start(const char *hostfwd)
{
	char err[256] = "";
	rx_reset();
	struct net_slirp *ns = net_slirp_new(hostfwd, rx, &rxq, err, sizeof err);
	ck_assert_msg(ns != NULL, "net_slirp_new: %s", err);
	return ns;
}

static void arp_handshake(struct net_slirp *ns)
{
	uint8_t f[1600], r[1600];
	net_slirp_send(ns, f, arp_request(f, gw_ip));
	int n = rx_wait(is_arp_reply, NULL, r, sizeof r);
	ck_assert_msg(n > 0, "no ARP reply for 10.0.2.2");
	ck_assert_int_eq(memcmp(r, guest_mac, 6), 0);           /* to us */
	ck_assert_int_eq(memcmp(r + 22, host_mac, 6), 0);       /* 10.0.2.2 is at 52:55:0a:00:02:02 */
	ck_assert_int_eq(rxq.bad_opaque, 0);
}

START_TEST(test_arp)
{
	struct net_slirp *ns = start(NULL);
	arp_handshake(ns);
	net_slirp_free(ns);
	net_slirp_free(NULL);
}
END_TEST

START_TEST(test_dhcp)
{
	struct net_slirp *ns = start("");
	uint8_t f[1600], r[1600];
	memset(f, 0, sizeof f);
	size_t n = eth(f, bcast, 0x0800);
	uint8_t *ip = f + n, *udp = ip + 20, *bp = udp + 8;
	const size_t bplen = 548; /* BOOTP with a 312-byte options area */
	bp[0] = 1;                /* BOOTREQUEST */
	bp[1] = 1;
	bp[2] = 6;
	put32(bp + 4, 0xdeadbeef);
	put16(bp + 10, 0x8000);   /* broadcast */
	memcpy(bp + 28, guest_mac, 6);
	put32(bp + 236, 0x63825363);
	bp[240] = 53, bp[241] = 1, bp[242] = 1; /* DHCPDISCOVER */
	bp[243] = 255;
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + bplen));
	static const uint8_t zero[4], ones[4] = { 255, 255, 255, 255 };
	ipv4(ip, 17, zero, ones, 8 + bplen);
	net_slirp_send(ns, f, n + 20 + 8 + bplen);
	int got = rx_wait(is_dhcp_reply, NULL, r, sizeof r);
	ck_assert_msg(got > 0, "no DHCP offer");
	const uint8_t *rb = r + 14 + 20 + 8;
	ck_assert_uint_eq(rb[0], 2);                            /* BOOTREPLY */
	ck_assert_uint_eq(be32(rb + 4), 0xdeadbeef);
	ck_assert_int_eq(memcmp(rb + 16, guest_ip, 4), 0);      /* offers 10.0.2.15 */
	ck_assert_int_eq(memcmp(r + 26, gw_ip, 4), 0);          /* from 10.0.2.2 */
	int offer = 0;
	for (const uint8_t *o = rb + 240; o < r + got && *o != 255; o += o[0] ? 2 + o[1] : 1)
		if (o[0] == 53 && o[1] == 1 && o[2] == 2)
			offer = 1;
	ck_assert_msg(offer, "reply is not a DHCPOFFER");
	net_slirp_free(ns);
}
END_TEST

/* The guest connects to 10.0.2.2:PORT, which reaches a socket on the host's loopback;
 * data flows both ways. */
START_TEST(test_tcp_to_host_loopback)
{
	uint16_t port;
	int lfd = listen_loopback(&port);
	struct net_slirp *ns = start(NULL);
	arp_handshake(ns);
	uint8_t f[1600], r[1600];
	const uint16_t gport = 40000;
	net_slirp_send(ns, f, tcp(f, gport, port, 1000, 0, TCP_SYN, NULL, 0));
	struct tcp_want synack = { port, gport, TCP_SYN | TCP_ACK, 0 };
	int n = rx_wait(is_tcp, &synack, r, sizeof r);
	ck_assert_msg(n > 0, "no SYN-ACK from 10.0.2.2:%u", port);
	ck_assert_int_eq(memcmp(r + 26, gw_ip, 4), 0);
	ck_assert_int_eq(memcmp(r + 30, guest_ip, 4), 0);
	const uint8_t *t = r + 14 + (r[14] & 15) * 4;
	ck_assert_uint_eq(be32(t + 8), 1001);
	uint32_t hseq = be32(t + 4) + 1;

	struct pollfd p = { lfd, POLLIN, 0 };
	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	int cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);

	net_slirp_send(ns, f, tcp(f, gport, port, 1001, hseq, TCP_ACK | TCP_PSH, "ping", 4));
	char buf[16] = "";
	p.fd = cfd;
	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	ck_assert_int_eq(read(cfd, buf, sizeof buf), 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);

	ck_assert_int_eq(write(cfd, "pong!", 5), 5);
	struct tcp_want data = { port, gport, TCP_ACK, 5 };
	n = rx_wait(is_tcp, &data, r, sizeof r);
	ck_assert_msg(n > 0, "host data did not reach the guest");
	t = r + 14 + (r[14] & 15) * 4;
	ck_assert_uint_eq(be32(t + 4), hseq);
	ck_assert_int_eq(memcmp(t + (t[12] >> 4) * 4, "pong!", 5), 0);
	close(cfd);
	close(lfd);
	net_slirp_free(ns);
}
END_TEST

/* hostfwd: a connection to 127.0.0.1:HOSTPORT becomes a SYN to 10.0.2.15:2222. */
START_TEST(test_hostfwd)
{
	char rule[128];
	uint16_t hport = free_port();
	snprintf(rule, sizeof rule, "udp:127.0.0.1:%u-:53,hostfwd=tcp:127.0.0.1:%u-:2222", free_port(),
		 hport);
	struct net_slirp *ns = start(rule);
	arp_handshake(ns); /* slirp learns the guest's MAC */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(hport),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int c = connect(fd, (struct sockaddr *)&a, sizeof a);
	ck_assert_msg(c == 0 || errno == EINPROGRESS, "connect: %s", strerror(errno));
	uint8_t r[1600];
	uint16_t gport = 2222;
	int n = rx_wait(is_syn_to, &gport, r, sizeof r);
	ck_assert_msg(n > 0, "no SYN to 10.0.2.15:2222 after connecting to 127.0.0.1:%u", hport);
	ck_assert_int_eq(memcmp(r, guest_mac, 6), 0);
	ck_assert_int_eq(memcmp(r + 30, guest_ip, 4), 0);
	close(fd);
	net_slirp_free(ns);
}
END_TEST

static void expect_error(const char *rule, const char *needle)
{
	char err[256] = "";
	struct net_slirp *ns = net_slirp_new(rule, rx, &rxq, err, sizeof err);
	if (ns)
		net_slirp_free(ns);
	ck_assert_msg(ns == NULL, "hostfwd '%s' accepted", rule);
	ck_assert_msg(strstr(err, needle) != NULL, "hostfwd '%s': error '%s' lacks '%s'", rule, err,
		      needle);
}

START_TEST(test_hostfwd_errors)
{
	expect_error("tcp:127.0.0.1:99999-:22", "bad host port '99999'");
	expect_error("tcp:127.0.0.1:5555", "expected [tcp:|udp:]");
	expect_error("tcp:127.0.0.1:5555-:0", "bad guest port '0'");
	expect_error("tcp:127.0.0.1:5555-:x22", "bad guest port");
	expect_error("tcp:1.2.3:5555-:22", "bad host address '1.2.3'");
	expect_error("tcp:127.0.0.1:5555-192.168.1.5:22", "guest address not in");
	expect_error("sctp:127.0.0.1:5555-:22", "bad host address");
	expect_error("tcp:127.0.0.1:5-5-:22", "expected");
	/* a port already taken on the host */
	uint16_t port;
	int fd = listen_loopback(&port);
	char rule[64];
	snprintf(rule, sizeof rule, "tcp:127.0.0.1:%u-:22", port);
	expect_error(rule, "cannot listen on tcp 127.0.0.1:");
	close(fd);
}
END_TEST

START_TEST(test_send_limits)
{
	struct net_slirp *ns = start(NULL);
	uint8_t f[16] = { 0 };
	net_slirp_send(ns, f, 10);             /* shorter than an Ethernet header */
	net_slirp_send(ns, f, 70000);          /* longer than any frame (not read) */
	ck_assert_uint_eq(net_slirp_dropped(ns), 2);
	/* many frames queued, then freed at once: no leak, no hang (ASan checks) */
	uint8_t a[64];
	size_t n = arp_request(a, gw_ip);
	for (int i = 0; i < 3000; i++)
		net_slirp_send(ns, a, n);
	net_slirp_free(ns);
	net_slirp_send(NULL, a, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_slirp");
	TCase *tc = tcase_create("net_slirp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_arp);
	tcase_add_test(tc, test_dhcp);
	tcase_add_test(tc, test_tcp_to_host_loopback);
	tcase_add_test(tc, test_hostfwd);
	tcase_add_test(tc, test_hostfwd_errors);
	tcase_add_test(tc, test_send_limits);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
