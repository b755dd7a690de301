/* libFuzzer target for the bundle reader (rr_bundle_extract, lib/replay/bundle.c;
 * make fuzz): the input is a tar file; extraction either refuses it with a message or
 * returns recording.rr inside a fresh private directory, which holds only plain files
 * with plain names. Nothing is created outside that directory (the fuzzer's own
 * TMPDIR is checked to hold nothing else afterwards), cleanup removes it all; never a
 * crash, hang or leak. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "replay/replay.h"

static char top[256], input[300], work[300];

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	if (!d) return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
	closedir(d);
	return n;
}

static void remove_top(void)
{
	unlink(input);
	rmdir(work);
	rmdir(top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!top[0]) {
		atexit(remove_top);
		snprintf(top, sizeof top, "/tmp/fuzz-bundle-%d", (int)getpid());
		snprintf(work, sizeof work, "%s/tmp", top);
		snprintf(input, sizeof input, "%s/in.tar", top);
		mkdir(top, 0700);
		mkdir(work, 0700);
		setenv("TMPDIR", work, 1);
	}
	FILE *f = fopen(input, "wb");
	if (!f) abort();
	if (size) fwrite(data, 1, size, f);
	fclose(f);
	char *dir = NULL, err[700] = "";
	char *log = rr_bundle_extract(input, &dir, err, sizeof err);
	if (!log && !err[0]) abort(); /* a refusal says why */
	if (log) {
		struct stat sb;
		if (!dir || strncmp(log, dir, strlen(dir)) || strcmp(log + strlen(dir), "/recording.rr") ||
		    lstat(log, &sb) || !S_ISREG(sb.st_mode))
			abort(); /* the log is not a plain file in the private directory */
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char p[1024];
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    (lstat(p, &sb) || !S_ISREG(sb.st_mode)))
				abort(); /* something else than a plain file */
		}
		if (d) closedir(d);
	}
	free(log);
	rr_bundle_cleanup(dir);
	if (count_entries(work) != 0 || count_entries(top) != 2)
		abort(); /* left something behind, or wrote beside the input */
	return 0;
}
