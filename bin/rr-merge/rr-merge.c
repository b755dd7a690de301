/* rr-merge: join consecutive windows of one recording (rr-cut's) back into one
 * (mergecap's feel). A thin main over lib/replay's rr_merge(); see man rr-merge. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "replay/replay.h"

static const char *prog = "rr-merge";
#include "../common/msg.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: rr-merge -o OUT SEG...\n"
"       rr-merge --from-text -o OUT TEXT|-\n"
"Join consecutive windows of one recording, in order, into OUT. Each window must\n"
"start where the one before it ends, with the same machine state there (state\n"
"hashes), and all must come from the same machine configuration and images.\n"
"  -o OUT        the merged recording (written as OUT.part, renamed at the end)\n"
"  --from-text   TEXT is rr-dump --full output (or that edited): make it a log\n"
"  -q            print nothing on success\n"
"  -h, --help    this help;  --version  print the version\n"
"Exit status: 0 success, 1 failure, 2 usage or segments that do not join.\n");
}

/* rr-dump --full text back into a log: OUT.part, renamed when complete. */
static int from_text(const char *in, const char *out, int quiet)
{
	FILE *f = strcmp(in, "-") ? fopen(in, "r") : stdin;
	const char *name = strcmp(in, "-") ? in : "(stdin)";
	if (!f) {
		msg(in, "%s", strerror(errno));
		return 2;
	}
	char *part = malloc(strlen(out) + 8);
	sprintf(part, "%s.part", out);
	rrlog_text *t = rrlog_text_new();
	rrlog_writer *w = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, events = 0;
	int st = 0, ended = 0;
	while (st == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		struct rrlog_event ev;
		int rc = rrlog_text_line(t, line, (size_t)n, &ev);
		if (rc < 0) {
			msg(NULL, "%s:%ld: %s", name, lineno, rrlog_text_errmsg(t));
			st = 2;
		} else if (rc == RRLOG_TEXT_HEADER && w) {
			msg(NULL, "%s:%ld: a header line after the first event", name, lineno);
			st = 2;
		} else if (rc == RRLOG_TEXT_EVENT) {
			if (ended) {
				msg(NULL, "%s:%ld: an event after END", name, lineno);
				st = 2;
				break;
			}
			if (ev.kind == RRLOG_END) {
				ended = 1;
				continue; /* the writer ends the log itself */
			}
			if (!w && rrlog_writer_open(part, rrlog_text_header(t), &w) < 0) {
				msg(out, "%s", rrlog_writer_errmsg(w));
				st = 1;
				break;
			}
			int arc = rrlog_writer_append(w, &ev);
			if (arc < 0) {
				msg(NULL, "%s:%ld: %s", name, lineno, rrlog_writer_errmsg(w));
				/* an event out of order is bad input; a full disk is a failure */
				st = arc == RRLOG_EORDER || arc == RRLOG_EINVAL ? 2 : 1;
			}
			events++;
		}
	}
	if (f != stdin)
		fclose(f);
	free(line);
	if (st == 0 && !w) {
		msg(name, "no events");
		st = 2;
	}
	int crc;
	if (st == 0 && (crc = rrlog_writer_close(w)) < 0) {
		msg(out, "cannot finish the log: %s", rrlog_strerror(crc));
		st = 1;
	} else if (st != 0) {
		rrlog_writer_abort(w);
	}
	if (st == 0 && rename(part, out) < 0) {
		msg(out, "%s", strerror(errno));
		st = 1;
	}
	if (st != 0)
		unlink(part);
	else if (!quiet)
		msg(NULL, "%ld events from %s into %s", events, name, out);
	free(part);
	rrlog_text_free(t);
	return st;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' },
		{ "from-text", no_argument, 0, 'T' }, { 0, 0, 0, 0 },
	};
	const char *out = NULL;
	int quiet = 0, c, text = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': quiet = 1; break;
		case 'T': text = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rr-merge (rrkit) %s\n", RRKIT_VERSION); return 0;
		default: option_error(c, argv);
		}
	}
	if (!out)
		usage_error("-o OUT is missing");
	if (optind >= argc)
		usage_error("no %s given", text ? "TEXT" : "SEG");
	if (!strcmp(out, "-")) {
		msg(NULL, "-o -: a merged recording is written to a file");
		return 2;
	}
	if (text) {
		if (argc - optind != 1)
			usage_error("--from-text takes one TEXT");
		return from_text(argv[optind], out, quiet);
	}
	for (int i = optind; i < argc; i++)
		if (access(argv[i], R_OK)) {
			msg(argv[i], "%s", strerror(errno));
			return 2; /* bad input, as in the other tools */
		}
	char err[1024];
	struct progress pg;
	progress_init(&pg, "joining", "bytes", 0, 0, quiet);
	struct rr_progress pr = { progress_report, &pg };
	int rc = rr_merge((const char *const *)argv + optind, argc - optind, out, pg.on ? &pr : NULL, err, sizeof err);
	progress_clear(&pg);
	if (rc != RR_OK) {
		msg(NULL, "%s", err);
		return rc == RR_EIO || rc == RR_ENOMEM ? 1 : 2;
	}
	if (!quiet)
		msg(NULL, "joined %d windows into %s", argc - optind, out);
	return 0;
}
