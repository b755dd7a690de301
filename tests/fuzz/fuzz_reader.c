/* libFuzzer target for the librrlog reader (make fuzz): the input is opened as a
 * regular file (memfd: seekable, footer index) and, when it fits the pipe buffer,
 * through a pipe; every event is read, a few seeks are made, and the input is
 * validated.  The reader must never crash, hang or leak whatever the bytes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rrlog/rrlog.h"

static void drain(rrlog_reader *r, uint64_t *last)
{
	struct rrlog_event ev;
	int n = 0;
	while (n++ < 1000000 && rrlog_reader_next(r, &ev) == 1) {
		if (ev.len) { volatile uint8_t x = ev.data[0] ^ ev.data[ev.len - 1]; (void)x; }
		*last = ev.icount;
	}
	(void)rrlog_reader_errmsg(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0) return 0;
	if (size && write(fd, data, size) != (ssize_t)size) { close(fd); return 0; }
	lseek(fd, 0, SEEK_SET);
	rrlog_reader *r;
	uint64_t last = 0;
	if (rrlog_reader_open_fd(fd, &r) == 0) {
		const struct rrlog_header_info *h = rrlog_reader_header(r);
		(void)rrlog_header_get(h, "icount-shift");
		drain(r, &last);
		struct rrlog_block_info bi;
		(void)rrlog_reader_block(r, &bi);
		uint64_t targets[4] = { last / 2, 0, last, last + 1 };
		for (int i = 0; i < 4; i++)
			if (rrlog_reader_seek(r, targets[i]) == 0) {
				struct rrlog_event ev;
				for (int k = 0; k < 3 && rrlog_reader_next(r, &ev) == 1; k++) {}
			}
	}
	rrlog_reader_close(r);
	struct rrlog_validation v;
	lseek(fd, 0, SEEK_SET);
	rrlog_validate_fd(fd, &v);
	close(fd);

	int p[2];
	if (size <= 65536 && pipe(p) == 0) {
		if (write(p[1], data, size) == (ssize_t)size) {
			close(p[1]);
			p[1] = -1;
			if (rrlog_reader_open_fd(p[0], &r) == 0) {
				rrlog_reader_seek(r, size ? data[0] : 0);
				drain(r, &last);
			}
			rrlog_reader_close(r);
		}
		close(p[0]);
		if (p[1] >= 0) close(p[1]);
	}
	return 0;
}
