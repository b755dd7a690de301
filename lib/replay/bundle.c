/* bundle: a portable recording, one tar archive (libarchive) holding the log
 * as "recording.rr" and every image it names under its file name, so that
 * `rr-run -r trace.tar` replays on a machine that has none of the original files
 * (the replayer finds images beside the log and checks them by SHA-256).
 *
 * Reading extracts only plain files with plain names (no directories, links or
 * "..") into a private temporary directory, which is removed afterwards.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "replay/replay.h"

/* libarchive's message, which is NULL when it ran out of memory for one */
static const char *a_err(struct archive *a)
{
	const char *m = archive_error_string(a);
	return m ? m : "out of memory";
}

int rr_bundle_is_name(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcmp(path + n - 4, ".tar") == 0;
}

int rr_bundle_is_file(const char *path)
{
	char magic[6];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	int ok = pread(fd, magic, 5, 257) == 5 && memcmp(magic, "ustar", 5) == 0;
	close(fd);
	return ok;
}

static int add_file(struct archive *a, const char *path, const char *name, const char *out,
		    char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct archive_entry *e = archive_entry_new();
	if (!e) {
		snprintf(err, errlen, "%s: out of memory", out);
		close(fd);
		return -1;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	int rc = archive_write_header(a, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", out, a_err(a));
		close(fd);
		return -1;
	}
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (archive_write_data(a, buf, n) != n) {
			snprintf(err, errlen, "%s: %s", out, a_err(a));
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int rr_bundle_write(const char *out_final, const char *logpath, char *err, size_t errlen)
{
	char *out = malloc(strlen(out_final) + 16);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sprintf(out, "%s.part", out_final);
	rrlog_reader *rd = NULL;
	if (rrlog_reader_open(logpath, &rd) < 0) {
		snprintf(err, errlen, "%s: %s", logpath, rd ? rrlog_reader_errmsg(rd) : "out of memory");
		rrlog_reader_close(rd);
		free(out);
		return -1;
	}
	const struct rrlog_header_info *h = rrlog_reader_header(rd);
	struct archive *a = archive_write_new();
	int rc = -1;
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: out of memory", out_final);
		goto done;
	}
	if (archive_write_open_filename(a, out) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", out, a_err(a));
		goto done;
	}
	if (add_file(a, logpath, "recording.rr", out, err, errlen) < 0)
		goto done;
	for (size_t i = 0; i < h->nimages; i++) {
		char *tmp = strdup(h->images[i].path);
		if (!tmp) {
			snprintf(err, errlen, "%s: out of memory", out_final);
			goto done;
		}
		const char *name = basename(tmp);
		for (size_t j = 0; j < i; j++) {
			char *t2 = strdup(h->images[j].path);
			int same = !t2 || strcmp(basename(t2), name) == 0;
			if (!t2) {
				snprintf(err, errlen, "%s: out of memory", out_final);
				free(tmp);
				goto done;
			}
			free(t2);
			if (same) {
				snprintf(err, errlen, "%s: two images are named %s; a bundle needs "
					 "distinct file names", out_final, name);
				free(tmp);
				goto done;
			}
		}
		int r = -1;
		if (strcmp(name, "recording.rr") == 0)
			snprintf(err, errlen, "%s: an image is named recording.rr, the name of the log in a "
				 "bundle", out_final);
		else
			r = add_file(a, h->images[i].path, name, out, err, errlen);
		free(tmp);
		if (r < 0)
			goto done;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", out, a_err(a));
		goto done;
	}
	if (rename(out, out_final) < 0) {
		snprintf(err, errlen, "%s: %s", out_final, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	archive_write_free(a);
	rrlog_reader_close(rd);
	if (rc < 0)
		unlink(out);
	free(out);
	return rc;
}

/* Is name a plain file name (no directory part, not . or ..)? */
static int plain_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

char *rr_bundle_extract(const char *path, char **dir_out, char *err, size_t errlen)
{
	char tmpl[] = "/tmp/rr-run-bundle-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char *dir;
	if (tmpdir && *tmpdir) {
		dir = malloc(strlen(tmpdir) + 32);
		if (dir)
			sprintf(dir, "%s/rr-run-bundle-XXXXXX", tmpdir);
	} else {
		dir = strdup(tmpl);
	}
	*dir_out = NULL;
	if (!dir || !mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
		free(dir);
		return NULL;
	}
	*dir_out = dir;
	struct archive *a = archive_read_new();
	/* an entry of our own (archive_read_next_header2): libarchive does not check the
	 * allocation of the one archive_read_new makes, and crashes on it later */
	struct archive_entry *e = archive_entry_new();
	char *log = NULL;
	if (!a || !e || archive_read_support_format_tar(a) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", path, a_err(a));
		goto fail;
	}
	int rc;
	while ((rc = archive_read_next_header2(a, e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !name || !plain_name(name)) {
			snprintf(err, errlen, "%s: refusing the entry '%s': not a plain file with a plain "
				 "name (links, directories, absolute paths and '..' are not allowed)",
				 path, name ? name : "");
			goto fail;
		}
		char *dst = malloc(strlen(dir) + strlen(name) + 2);
		if (!dst) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		sprintf(dst, "%s/%s", dir, name);
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", dst, strerror(errno));
			free(dst);
			goto fail;
		}
		const void *buf;
		size_t len;
		la_int64_t off;
		int r;
		while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
			if (pwrite(fd, buf, len, off) != (ssize_t)len) {
				snprintf(err, errlen, "%s: %s", dst, strerror(errno));
				close(fd);
				free(dst);
				goto fail;
			}
		}
		close(fd);
		if (r != ARCHIVE_EOF) {
			snprintf(err, errlen, "%s: %s", path, a_err(a));
			free(dst);
			goto fail;
		}
		if (strcmp(name, "recording.rr") == 0) {
			free(log);
			log = dst;
		} else {
			free(dst);
		}
	}
	if (rc != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s: %s", path, a_err(a));
		goto fail;
	}
	if (!log) {
		snprintf(err, errlen, "%s: not an rr-run bundle (no recording.rr inside)", path);
		goto fail;
	}
	archive_read_free(a);
	archive_entry_free(e);
	return log;
fail:
	free(log);
	archive_read_free(a);
	archive_entry_free(e);
	return NULL;
}

/* Removes the plain files in dir, then dir. No allocation (getdents64 into a stack
 * buffer, not opendir): cleaning up after an allocation failure must not need one. */
void rr_bundle_cleanup(char *dir)
{
	if (!dir)
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[8192] __attribute__((aligned(8)));
		long n;
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
			for (long off = 0; off < n;) {
				struct linux_dirent64 {
					uint64_t ino;
					int64_t off;
					unsigned short reclen;
					unsigned char type;
					char name[];
				} *de = (void *)(buf + off);
				if (plain_name(de->name))
					unlinkat(fd, de->name, 0);
				off += de->reclen;
			}
		close(fd);
	}
	rmdir(dir);
	free(dir);
}
