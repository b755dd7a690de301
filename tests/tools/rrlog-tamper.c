/* rrlog-tamper: copy a log, damaging one event, for the replay-divergence tests.
 *   rrlog-tamper change|drop KIND IN OUT
 * change: the first event of KIND gets value+1 (and its first data byte flipped);
 * drop: the first event of KIND is left out. Exit 0 if an event was tampered with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rrlog/rrlog.h"

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "change") && strcmp(argv[1], "drop"))) {
		fprintf(stderr, "usage: rrlog-tamper change|drop KIND IN OUT\n");
		return 2;
	}
	int kind = rrlog_kind_from_name(argv[2]);
	rrlog_reader *r = NULL;
	rrlog_writer *w = NULL;
	if (kind < 0 || rrlog_reader_open(argv[3], &r) < 0) {
		fprintf(stderr, "rrlog-tamper: bad kind or log\n");
		return 2;
	}
	if (rrlog_writer_open(argv[4], rrlog_reader_header(r), &w) < 0) {
		fprintf(stderr, "rrlog-tamper: %s: %s\n", argv[4], rrlog_writer_errmsg(w));
		return 2;
	}
	struct rrlog_event ev;
	int rc, done = 0;
	uint8_t buf[65536];
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		if (ev.kind == RRLOG_END)
			continue;
		if (!done && (int)ev.kind == kind) {
			done = 1;
			if (!strcmp(argv[1], "drop"))
				continue;
			ev.value++;
			if (ev.len && ev.len <= sizeof buf) {
				memcpy(buf, ev.data, ev.len);
				buf[0] ^= 0x55;
				ev.data = buf;
			}
		}
		if (rrlog_writer_append(w, &ev) < 0) {
			fprintf(stderr, "rrlog-tamper: %s\n", rrlog_writer_errmsg(w));
			return 1;
		}
	}
	rrlog_reader_close(r);
	if (rrlog_writer_close(w) < 0)
		return 1;
	return done ? 0 : 1;
}
