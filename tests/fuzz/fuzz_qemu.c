/* libFuzzer target for the QEMU replay-log reader (lib/rrlog/qemu.c; make fuzz): the
 * input follows a QEMU 7.2 header (version 0xe0200c, 8 bytes of the rest), so every
 * run reaches the event decoder. The log is opened as a regular file (memfd: the
 * whole-file check at open, seeks) and through a pipe, drained, seeked and
 * validated: no crash, hang or leak, and what validates as good reads to END. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rrlog/rrlog.h"

static int drain(rrlog_reader *r, uint64_t *last)
{
	struct rrlog_event ev;
	int n = 0, rc;
	while (n++ < 1000000 && (rc = rrlog_reader_next(r, &ev)) == 1) {
		if (ev.len) { volatile uint8_t x = ev.data[0] ^ ev.data[ev.len - 1]; (void)x; }
		*last = ev.icount;
	}
	(void)rrlog_reader_errmsg(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hdr[12] = { 0x00, 0xe0, 0x20, 0x0c };
	uint8_t *buf = malloc(size + sizeof hdr);
	memcpy(buf, hdr, sizeof hdr);
	if (size) memcpy(buf + sizeof hdr, data, size);
	size_t n = size + sizeof hdr;
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n) { free(buf); if (fd >= 0) close(fd); return 0; }
	lseek(fd, 0, SEEK_SET);
	rrlog_reader *r;
	uint64_t last = 0;
	int end = -100;
	if (rrlog_reader_open_fd(fd, &r) == 0) {
		end = drain(r, &last);
		uint64_t targets[3] = { last / 2, 0, last + 1 };
		for (int i = 0; i < 3; i++)
			if (rrlog_reader_seek(r, targets[i]) == 0) {
				struct rrlog_event ev;
				for (int k = 0; k < 3 && rrlog_reader_next(r, &ev) == 1; k++) {}
			}
	}
	rrlog_reader_close(r);
	struct rrlog_validation v;
	lseek(fd, 0, SEEK_SET);
	if (rrlog_validate_fd(fd, &v) == 0 && end != 0)
		abort(); /* valid, yet reading it did not reach its END cleanly */
	close(fd);
	int p[2];
	if (n <= 65536 && pipe(p) == 0) {
		if (write(p[1], buf, n) == (ssize_t)n) {
			close(p[1]);
			p[1] = -1;
			if (rrlog_reader_open_fd(p[0], &r) == 0)
				drain(r, &last);
			rrlog_reader_close(r);
		}
		close(p[0]);
		if (p[1] >= 0) close(p[1]);
	}
	free(buf);
	return 0;
}
