/* libFuzzer target for the text form of a log (rrlog_text_*, rr-merge --from-text;
 * make fuzz): the input is split into lines and parsed; the events accepted are
 * written with the writer into a memfd (every other one with data through its stream
 * calls, begin/write/end_data), and the log that makes must validate and read
 * back the same events, which format back to text that parses to the same events.
 * Never a crash, a hang or a leak; a refused line says why. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rrlog/rrlog.h"

#define MAXEV 256

/* Every other event with data goes through the writer's stream calls, in two
 * pieces; the log must be the same either way. */
static int append_some_way(rrlog_writer *w, const struct rrlog_event *ev, size_t i)
{
	if (!ev->len || i % 2)
		return rrlog_writer_append(w, ev);
	int rc = rrlog_writer_begin_data(w, ev);
	if (rc == 0) rc = rrlog_writer_write_data(w, ev->data, ev->len / 3);
	if (rc == 0) rc = rrlog_writer_write_data(w, ev->data + ev->len / 3, ev->len - ev->len / 3);
	if (rc == 0) rc = rrlog_writer_end_data(w);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rrlog_text *t = rrlog_text_new();
	if (!t) return 0;
	int fd = memfd_create("fuzz", 0);
	rrlog_writer *w = NULL;
	size_t nev = 0;
	uint64_t icount[MAXEV];
	int kind[MAXEV];
	const uint8_t *p = data, *end = data + size;
	int bad = 0;
	while (p < end && !bad) {
		const uint8_t *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		struct rrlog_event ev;
		int rc = rrlog_text_line(t, (const char *)p, len, &ev);
		p += len;
		if (rc < 0) {
			if (!*rrlog_text_errmsg(t)) abort(); /* a refusal says why */
			bad = 1;
		} else if (rc == RRLOG_TEXT_EVENT && ev.kind != RRLOG_END && nev < MAXEV) {
			if (!w && rrlog_writer_open_fd(fd, rrlog_text_header(t), &w) < 0) bad = 1;
			else if (append_some_way(w, &ev, nev) == 0) {
				icount[nev] = ev.icount;
				kind[nev++] = ev.kind;
			}
		}
	}
	if (w && rrlog_writer_close(w) == 0 && nev) {
		struct rrlog_validation v;
		lseek(fd, 0, SEEK_SET);
		if (rrlog_validate_fd(fd, &v) != 0) abort(); /* the writer made a bad log */
		lseek(fd, 0, SEEK_SET);
		rrlog_reader *r;
		if (rrlog_reader_open_fd(fd, &r) != 0) abort();
		struct rrlog_event ev;
		char line[1 << 16];
		rrlog_text *t2 = rrlog_text_new();
		for (size_t i = 0; i < nev; i++) {
			if (rrlog_reader_next(r, &ev) != 1 || ev.icount != icount[i] || (int)ev.kind != kind[i])
				abort(); /* not what was written */
			size_t l = rrlog_format_event(&ev, RRLOG_FMT_FULL, line, sizeof line);
			struct rrlog_event e2;
			if (t2 && l < sizeof line) {
				uint64_t ic = ev.icount, val = ev.value;
				uint32_t sub = ev.sub;
				size_t dl = ev.len;
				int k = ev.kind;
				if (rrlog_text_line(t2, line, l, &e2) != RRLOG_TEXT_EVENT || (int)e2.kind != k ||
				    e2.icount != ic || e2.value != val || e2.sub != sub || e2.len != dl)
					abort(); /* the text form does not read back */
			}
		}
		rrlog_text_free(t2);
		if (rrlog_reader_next(r, &ev) != 1 || ev.kind != RRLOG_END) abort();
		rrlog_reader_close(r);
	} else if (w) {
		/* close failed (it frees w) */
	}
	close(fd);
	rrlog_text_free(t);
	return 0;
}
