/* gdbsock: where the gdb stub listens (TCP on 127.0.0.1 unless an address is
 * given, or a unix socket of mode 0600) and an rr_gdb_io over a connected fd
 * (gdbstub.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "replay/gdbstub.h"

int rr_gdb_listen(const char *spec, char *err, size_t errlen)
{
	int fd;
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (!*path || strlen(path) >= sizeof sa.sun_path) {
			snprintf(err, errlen, "--gdb %s: a unix socket path of 1 to %zu bytes", spec,
				 sizeof sa.sun_path - 1);
			return -1;
		}
		strcpy(sa.sun_path, path);
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				snprintf(err, errlen, "%s: exists and is not a socket", path);
				return -1;
			}
			unlink(path);
		}
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		mode_t old = umask(0177);
		int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
		umask(old);
		if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 1) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		return fd;
	}
	struct in_addr ip = { htonl(INADDR_LOOPBACK) };
	const char *colon = strrchr(spec, ':'), *ps = colon ? colon + 1 : spec;
	char host[64] = "127.0.0.1", *end;
	if (colon) {
		size_t n = (size_t)(colon - spec);
		if (n == 0 || n >= sizeof host || (memcpy(host, spec, n), host[n] = 0,
		    strcmp(host, "localhost") && inet_pton(AF_INET, host, &ip) != 1)) {
			snprintf(err, errlen, "--gdb %s: an IPv4 address (or localhost) before the port", spec);
			return -1;
		}
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof host, "127.0.0.1");
	}
	errno = 0;
	long port = strtol(ps, &end, 10);
	if (errno || end == ps || *end || port < 1 || port > 65535) {
		snprintf(err, errlen, "--gdb %s: a TCP port (1-65535), ADDR:PORT or unix:PATH", spec);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr = ip };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
		snprintf(err, errlen, "%s:%ld: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int rr_gdb_spec_local(const char *spec)
{
	const char *colon = strrchr(spec, ':');
	struct in_addr ip;
	if (!strncmp(spec, "unix:", 5) || !colon || !strncmp(spec, "localhost:", 10))
		return 1;
	char host[64];
	size_t n = (size_t)(colon - spec);
	if (n >= sizeof host)
		return 0;
	memcpy(host, spec, n);
	host[n] = 0;
	return inet_pton(AF_INET, host, &ip) == 1 && (ntohl(ip.s_addr) >> 24) == 127;
}

int rr_gdb_accept(int lfd, char *err, size_t errlen)
{
	int fd;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		snprintf(err, errlen, "accept: %s", strerror(errno));
	close(lfd);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails quietly on unix */
	}
	return fd;
}

static int fd_read(void *opaque, uint8_t *buf, size_t len, int timeout_ms)
{
	int fd = (int)(intptr_t)opaque;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		ssize_t n = read(fd, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n > 0 ? (int)n : -1;
	}
}

static int fd_write(void *opaque, const uint8_t *buf, size_t len)
{
	int fd = (int)(intptr_t)opaque;
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void rr_gdb_fd_io(int fd, struct rr_gdb_io *io)
{
	io->read = fd_read;
	io->write = fd_write;
	io->opaque = (void *)(intptr_t)fd;
}
