/* rr-merge: join consecutive windows of one recording (rr-cut's) back into one
 * (mergecap's feel). A thin main over lib/replay's rr_merge(); see man rr-merge. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "replay/replay.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: rr-merge -o OUT SEG...\n"
"Join consecutive windows of one recording, in order, into OUT. Each window must\n"
"start where the one before it ends, with the same machine state there (state\n"
"hashes), and all must come from the same machine configuration and images.\n"
"  -o OUT        the merged recording (written as OUT.part, renamed at the end)\n"
"  -q            print nothing on success\n"
"  -h, --help    this help;  --version  print the version\n"
"Exit status: 0 success, 1 failure, 2 usage or segments that do not join.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }, { 0, 0, 0, 0 },
	};
	const char *out = NULL;
	int quiet = 0, c;
	while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rr-merge (rrkit) %s\n", RRKIT_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!out || optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(out, "-")) {
		fprintf(stderr, "rr-merge: -o -: a merged recording is written to a file\n");
		return 2;
	}
	char err[1024];
	int rc = rr_merge((const char *const *)argv + optind, argc - optind, out, err, sizeof err);
	if (rc != RR_OK) {
		fprintf(stderr, "rr-merge: %s\n", err);
		return rc == RR_EIO || rc == RR_ENOMEM ? 1 : 2;
	}
	if (!quiet)
		fprintf(stderr, "rr-merge: joined %d windows into %s\n", argc - optind, out);
	return 0;
}
