/* rrlog-kinds: count the events of an rrkit recording by kind.
 *
 *   cc -o rrlog-kinds rrlog-kinds.c $(pkg-config --cflags --libs rrlog)
 *   rrlog-kinds boot.rr          # one "KIND COUNT" line per kind present, then total
 *
 * Built only from what librrlog-dev installs (rrlog/rrlog.h, librrlog, rrlog.pc).
 * Exit status as rr-dump's: 0 a complete log, 1 truncated or corrupt (the counts
 * cover the good part), 2 unreadable or not a log. */
#include <stdio.h>
#include <string.h>
#include <rrlog/rrlog.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rrlog-kinds FILE|-\n");
		return 2;
	}
	const char *name = strcmp(argv[1], "-") ? argv[1] : "(stdin)";
	rrlog_reader *r;
	int rc = rrlog_reader_open(argv[1], &r);
	if (rc != RRLOG_OK) {
		fprintf(stderr, "rrlog-kinds: %s: %s\n", name,
			r ? rrlog_reader_errmsg(r) : rrlog_strerror(rc));
		rrlog_reader_close(r);
		return 2;
	}
	/* Only the kinds are counted: leave snapshot data compressed. */
	rrlog_reader_skip_data(r, 1u << RRLOG_SNAPSHOT);
	unsigned long long count[RRLOG_KIND_COUNT] = { 0 }, total = 0;
	struct rrlog_event ev;
	while ((rc = rrlog_reader_next(r, &ev)) == 1) {
		count[ev.kind]++;
		total++;
	}
	for (int k = 0; k < RRLOG_KIND_COUNT; k++)
		if (count[k])
			printf("%s %llu\n", rrlog_kind_name(k), count[k]);
	printf("total %llu\n", total);
	if (rc < 0)
		fprintf(stderr, "rrlog-kinds: %s: %s\n", name, rrlog_reader_errmsg(r));
	rrlog_reader_close(r);
	return rc < 0 ? (rc == RRLOG_ETRUNCATED || rc == RRLOG_ECORRUPT ? 1 : 2) : 0;
}
