/* rr-cut: trim a recording to an instruction window that replays on its own, or
 * split it into such windows (editcap's feel). A thin main over lib/replay's
 * rr_cut(); see man rr-cut. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay.h"

static const char *prog = "rr-cut";
#include "../common/msg.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: rr-cut [-A N] [-B M] IN OUT          the window [N, M) of IN into OUT\n"
"       rr-cut --last N IN OUT                the last N instructions (the crash window)\n"
"       rr-cut -c N | --segments K IN OUT     split: every N instructions, or K parts;\n"
"                                             OUT is a name pattern (see below)\n"
"Each output starts with a full snapshot of the machine and replays on its own\n"
"(rr-run -r OUT: exit 0 at the window's end); icounts stay absolute.\n"
"  -A N          first instruction count (default: the start); 1.2e9 works\n"
"  -B M          end, exclusive (default: the end of the recording)\n"
"  --last N      the window [end - N, end]\n"
"  -c N          split into windows of N instructions\n"
"  --segments K  split into K windows of equal length\n"
"  -q            print nothing on success\n"
"  -h, --help    this help;  --version  print the version\n"
"Split outputs: OUT with a %%d (printf style, e.g. seg-%%03d.rr) is a pattern;\n"
"otherwise the number goes before the extension: out.rr -> out-001.rr, out-002.rr...\n"
"Exit status: 0 success, 1 failure, 2 usage or bad input.\n");
}

static char *seg_name(const char *pat, int i)
{
	char *s = malloc(strlen(pat) + 32);
	if (!s)
		return NULL;
	const char *pc = strchr(pat, '%');
	if (pc && strchr(pc, 'd') && !strchr(pc + 1, '%')) {
		sprintf(s, pat, i);
		return s;
	}
	const char *dot = strrchr(pat, '.'), *slash = strrchr(pat, '/');
	if (!dot || (slash && dot < slash))
		dot = pat + strlen(pat);
	sprintf(s, "%.*s-%03d%s", (int)(dot - pat), pat, i, dot);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "last", required_argument, 0, 'L' }, { "segments", required_argument, 0, 'K' },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }, { 0, 0, 0, 0 },
	};
	uint64_t from = 0, to = UINT64_MAX, last = 0, every = 0, segs = 0;
	int have_from = 0, have_to = 0, have_last = 0, quiet = 0, c;
	while ((c = getopt_long(argc, argv, ":A:B:c:qh", lo, NULL)) != -1) {
		uint64_t *dst = c == 'A' ? &from : c == 'B' ? &to : c == 'L' ? &last : c == 'c' ? &every
			       : c == 'K' ? &segs : NULL;
		if (dst && rr_parse_icount(optarg, dst) < 0) {
			msg(NULL, "-%c %s: not an instruction count", c == 'L' ? 'L' : c, optarg);
			return 2;
		}
		switch (c) {
		case 'A': have_from = 1; break;
		case 'B': have_to = 1; break;
		case 'L': have_last = 1; break;
		case 'c': case 'K': break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rr-cut (rrkit) %s\n", RRKIT_VERSION); return 0;
		default: option_error(c, argv);
		}
	}
	if (argc - optind != 2)
		usage_error("expected IN and OUT, %s", argc - optind < 2 ? "missing one" : "more given");
	const char *in = argv[optind], *out = argv[optind + 1];
	int split = every || segs;
	if ((split && (have_from || have_to || have_last)) || (have_last && (have_from || have_to)) ||
	    (every && segs) || (have_last && !last) || (segs && segs > 10000)) {
		msg(NULL, "choose one of -A/-B, --last, -c, --segments");
		return 2;
	}
	if (!strcmp(in, "-") || !strcmp(out, "-")) {
		msg(NULL, "IN and OUT must be files: a cut seeks in IN");
		return 2;
	}
	char err[1024];
	uint64_t first, end;
	if (rr_recording_span(in, &first, &end, err, sizeof err) != RR_OK) {
		msg(NULL, "%s", err);
		return 2;
	}
	if (have_last)
		from = last > end - first ? first : end - last;
	if (!have_from && !have_last)
		from = first;
	if (from < first || from > end || (have_to && to <= from)) {
		msg(in, "the window %llu..%llu is outside the recording (%llu..%llu)",
			 (unsigned long long)from, (unsigned long long)to, (unsigned long long)first,
			(unsigned long long)end);
		return 2;
	}
	if (to > end)
		to = UINT64_MAX; /* to the end, with the recording's own ending */
	uint64_t *b;
	int n = 1;
	if (split) {
		uint64_t len = end - first;
		if (segs) {
			n = (int)segs;
		} else {
			uint64_t k = (len + every - 1) / every;
			if (k > 10000) {
				msg(NULL, "-c %llu makes %llu windows (at most 10000)",
					(unsigned long long)every, (unsigned long long)k);
				return 2;
			}
			n = k ? (int)k : 1;
		}
		b = calloc(n + 1, sizeof *b);
		for (int i = 0; i < n; i++)
			b[i] = segs ? first + (uint64_t)((unsigned __int128)len * i / n) : first + every * i;
		b[n] = UINT64_MAX;
	} else {
		b = calloc(2, sizeof *b);
		b[0] = from;
		b[1] = to;
	}
	char **names = calloc(n, sizeof *names);
	for (int i = 0; i < n; i++)
		names[i] = split ? seg_name(out, i + 1) : strdup(out);
	struct progress pg;
	progress_init(&pg, "cutting", "instructions", 0, 0, quiet);
	struct rr_progress pr = { progress_report, &pg };
	int rc = rr_cut(in, b, n, (const char *const *)names, pg.on ? &pr : NULL, err, sizeof err);
	progress_clear(&pg);
	if (rc != RR_OK)
		msg(NULL, "%s", err);
	else if (!quiet)
		for (int i = 0; i < n; i++) {
			char e[32] = "the end";
			if (b[i + 1] != UINT64_MAX)
				snprintf(e, sizeof e, "%llu", (unsigned long long)b[i + 1]);
			msg(names[i], "icount %llu to %s", (unsigned long long)b[i], e);
		}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(b);
	return rc == RR_OK ? 0 : rc == RR_EIO || rc == RR_ENOMEM ? 1 : 2;
}
