/* rrlog-tamper: copy a log, damaging one event, for the replay-divergence tests.
 *   rrlog-tamper change|drop KIND[:N|:last] IN OUT
 * The event damaged is the Nth of KIND (1-based; default the first, or the last).
 * change: the first event of KIND gets value+1 (clocks: one hour later) and its
 * first data byte flipped;
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
	char kname[64];
	snprintf(kname, sizeof kname, "%s", argv[2]);
	char *colon = strchr(kname, ':');
	long nth = 1;
	if (colon) {
		*colon = 0;
		nth = strcmp(colon + 1, "last") == 0 ? -1 : atol(colon + 1);
	}
	int kind = rrlog_kind_from_name(kname);
	rrlog_reader *r = NULL;
	rrlog_writer *w = NULL;
	struct rrlog_event ev;
	if (kind < 0 || nth == 0 || rrlog_reader_open(argv[3], &r) < 0) {
		fprintf(stderr, "rrlog-tamper: bad kind or log\n");
		return 2;
	}
	if (nth < 0) { /* count them first */
		long n = 0;
		while (rrlog_reader_next(r, &ev) == 1)
			n += (int)ev.kind == kind;
		rrlog_reader_close(r);
		r = NULL;
		nth = n;
		if (rrlog_reader_open(argv[3], &r) < 0)
			return 2;
	}
	if (rrlog_writer_open(argv[4], rrlog_reader_header(r), &w) < 0) {
		fprintf(stderr, "rrlog-tamper: %s: %s\n", argv[4], rrlog_writer_errmsg(w));
		return 2;
	}
	int rc, done = 0;
	long seen = 0;
	uint8_t *buf = NULL;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		if (ev.kind == RRLOG_END)
			continue;
		if (!done && (int)ev.kind == kind && ++seen == nth) {
			done = 1;
			if (!strcmp(argv[1], "drop"))
				continue;
			ev.value += ev.kind == RRLOG_CLOCK_VRT || ev.kind == RRLOG_CLOCK_HOST
				    ? 3600ull * 1000000000ull : 1;
			if (ev.len && ev.data && (buf = malloc(ev.len))) {
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
	free(buf);
	rrlog_reader_close(r);
	if (rrlog_writer_close(w) < 0)
		return 1;
	return done ? 0 : 1;
}
