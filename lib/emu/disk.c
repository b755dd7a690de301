/* disk: raw image with a copy-on-write overlay (see disk.h for the contract). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/disk.h"

#define LEAF 1024                       /* chunk pointers per leaf table */
static const char ov_magic[8] = "RRDSKOV1";

struct disk {
	int fd;
	int persist;
	uint64_t size;
	uint64_t nchunks;
	uint8_t ***top;                 /* top[c / LEAF][c % LEAF] -> chunk or NULL */
	uint64_t ntop;
	size_t count;                   /* chunks in the overlay */
	uint8_t *changed;               /* per chunk: written since the last overlay save */
	pthread_mutex_t lock;
};

struct disk *disk_open(const char *path, int persist, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, (persist ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "%s: not a disk image (%s)", path,
			 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		close(fd);
		return NULL;
	}
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (end < 512) {
		snprintf(err, errlen, "%s: disk image too small (%lld bytes, need at least 512)",
			 path, (long long)end);
		close(fd);
		return NULL;
	}
	/* a read probe: an unreadable image fails now, not inside the guest */
	uint8_t probe[512];
	if (pread(fd, probe, sizeof probe, 0) != (ssize_t)sizeof probe) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
		close(fd);
		return NULL;
	}
	struct disk *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->persist = persist;
	d->size = end;
	d->nchunks = (d->size + DISK_CHUNK - 1) / DISK_CHUNK;
	d->ntop = (d->nchunks + LEAF - 1) / LEAF;
	d->top = calloc(d->ntop, sizeof *d->top);
	d->changed = calloc(d->nchunks, 1);
	if (!d->top || !d->changed) {
		free(d->top);
		free(d->changed);
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

static void free_tables(uint8_t ***top, uint64_t ntop)
{
	for (uint64_t t = 0; t < ntop; t++) {
		if (!top[t])
			continue;
		for (int i = 0; i < LEAF; i++)
			free(top[t][i]);
		free(top[t]);
	}
	free(top);
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	free_tables(d->top, d->ntop);
	free(d->changed);
	close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

uint64_t disk_size(const struct disk *d)
{
	return d->size;
}

int disk_persistent(const struct disk *d)
{
	return d->persist;
}

static int range_ok(const struct disk *d, uint64_t off, size_t len)
{
	return off <= d->size && len <= d->size - off;
}

/* pread/pwrite the whole range (retrying short transfers). 0 or -1. */
static int full_pread(int fd, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static int full_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (const uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static uint8_t *chunk_get(struct disk *d, uint64_t c)
{
	uint8_t **leaf = d->top[c / LEAF];
	return leaf ? leaf[c % LEAF] : NULL;
}

/* The overlay copy of chunk c, created from the image if absent. NULL: no memory
 * or the image read failed. */
static uint8_t *chunk_make(struct disk *d, uint64_t c)
{
	uint8_t **leaf = d->top[c / LEAF];
	if (!leaf) {
		leaf = calloc(LEAF, sizeof *leaf);
		if (!leaf)
			return NULL;
		d->top[c / LEAF] = leaf;
	}
	if (leaf[c % LEAF])
		return leaf[c % LEAF];
	uint8_t *p = calloc(1, DISK_CHUNK);
	if (!p)
		return NULL;
	uint64_t off = c * DISK_CHUNK;
	size_t n = d->size - off < DISK_CHUNK ? d->size - off : DISK_CHUNK;
	if (full_pread(d->fd, p, n, off) < 0) {
		free(p);
		return NULL;
	}
	leaf[c % LEAF] = p;
	d->count++;
	return p;
}

int disk_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	if (!range_ok(d, off, len))
		return -1;
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	uint8_t *out = buf;
	while (len && rc == 0) {
		uint64_t c = off / DISK_CHUNK;
		size_t in = off % DISK_CHUNK;
		size_t n = DISK_CHUNK - in < len ? DISK_CHUNK - in : len;
		uint8_t *p = d->count ? chunk_get(d, c) : NULL;
		if (p) {
			memcpy(out, p + in, n);
		} else {
			/* read the run of chunks that are not in the overlay at once */
			while (n < len && !(d->count && chunk_get(d, (off + n) / DISK_CHUNK)))
				n = len - n < DISK_CHUNK ? len : n + DISK_CHUNK;
			rc = full_pread(d->fd, out, n, off);
		}
		out += n;
		off += n;
		len -= n;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	if (!range_ok(d, off, len))
		return -1;
	if (d->persist)
		return full_pwrite(d->fd, buf, len, off);
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	const uint8_t *in = buf;
	while (len) {
		uint64_t c = off / DISK_CHUNK;
		size_t at = off % DISK_CHUNK;
		size_t n = DISK_CHUNK - at < len ? DISK_CHUNK - at : len;
		uint8_t *p = chunk_make(d, c);
		if (!p) {
			rc = -1;
			break;
		}
		memcpy(p + at, in, n);
		d->changed[c] = 1;
		in += n;
		off += n;
		len -= n;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int disk_flush(struct disk *d)
{
	if (d->persist)
		return fdatasync(d->fd) < 0 ? -1 : 0;
	return 0;
}

size_t disk_overlay_chunks(struct disk *d)
{
	pthread_mutex_lock(&d->lock);
	size_t n = d->count;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void *disk_overlay_save(struct disk *d, int changed_only, size_t *len)
{
	pthread_mutex_lock(&d->lock);
	size_t count = 0;
	for (uint64_t c = 0; c < d->nchunks; c++)
		count += chunk_get(d, c) && (!changed_only || d->changed[c]);
	size_t total = 32 + count * (8 + DISK_CHUNK);
	uint8_t *buf = malloc(total), *p = buf;
	if (buf) {
		uint32_t cs = DISK_CHUNK, zero = 0;
		memcpy(p, ov_magic, 8);
		memcpy(p + 8, &cs, 4);
		memcpy(p + 12, &zero, 4);
		memcpy(p + 16, &d->size, 8);
		memcpy(p + 24, &count, 8);
		p += 32;
		for (uint64_t c = 0; c < d->nchunks; c++) {
			uint8_t *ch = chunk_get(d, c);
			if (!ch || (changed_only && !d->changed[c]))
				continue;
			memcpy(p, &c, 8);
			memcpy(p + 8, ch, DISK_CHUNK);
			p += 8 + DISK_CHUNK;
		}
		memset(d->changed, 0, d->nchunks);
		*len = total;
	}
	pthread_mutex_unlock(&d->lock);
	return buf;
}

/* Checks one serialized overlay; 0 or -1 with a reason. */
static int overlay_check(const struct disk *d, const uint8_t *p, size_t len, uint64_t *count,
			 char *err, size_t errlen)
{
	uint32_t cs;
	uint64_t size;
	if (len < 32 || memcmp(p, ov_magic, 8) != 0) {
		snprintf(err, errlen, "disk overlay: bad header");
		return -1;
	}
	memcpy(&cs, p + 8, 4);
	memcpy(&size, p + 16, 8);
	memcpy(count, p + 24, 8);
	if (cs != DISK_CHUNK) {
		snprintf(err, errlen, "disk overlay: chunk size %u, expected %u", cs, DISK_CHUNK);
		return -1;
	}
	if (size != d->size) {
		snprintf(err, errlen, "disk overlay: for an image of %llu bytes, this one has %llu",
			 (unsigned long long)size, (unsigned long long)d->size);
		return -1;
	}
	if (*count > d->nchunks || (len - 32) / (8 + DISK_CHUNK) != *count ||
	    (len - 32) % (8 + DISK_CHUNK)) {
		snprintf(err, errlen, "disk overlay: truncated or bad chunk count");
		return -1;
	}
	if (d->persist && *count) {
		snprintf(err, errlen, "disk overlay: cannot load an overlay onto a persistent disk");
		return -1;
	}
	for (uint64_t i = 0; i < *count; i++) {
		uint64_t c;
		memcpy(&c, p + 32 + i * (8 + DISK_CHUNK), 8);
		if (c >= d->nchunks) {
			snprintf(err, errlen, "disk overlay: chunk %llu beyond the image",
				 (unsigned long long)c);
			return -1;
		}
	}
	return 0;
}

int disk_overlay_load(struct disk *d, const void *const *bufs, const size_t *lens, int n,
		      int check_only, char *err, size_t errlen)
{
	uint64_t count;
	for (int k = 0; k < n; k++)
		if (overlay_check(d, bufs[k], lens[k], &count, err, errlen) < 0)
			return -1;
	if (check_only)
		return 0;
	uint8_t ***top = calloc(d->ntop, sizeof *top);
	if (!top && d->ntop)
		goto nomem;
	size_t nchunks = 0;
	for (int k = 0; k < n; k++) {
		const uint8_t *p = bufs[k];
		memcpy(&count, p + 24, 8);
		for (uint64_t i = 0; i < count; i++) {
			const uint8_t *e = p + 32 + i * (8 + DISK_CHUNK);
			uint64_t c;
			memcpy(&c, e, 8);
			if (!top[c / LEAF] && !(top[c / LEAF] = calloc(LEAF, sizeof **top)))
				goto nomem_tables;
			uint8_t **slot = &top[c / LEAF][c % LEAF];
			if (!*slot) {
				if (!(*slot = malloc(DISK_CHUNK)))
					goto nomem_tables;
				nchunks++;
			}
			memcpy(*slot, e + 8, DISK_CHUNK);
		}
	}
	pthread_mutex_lock(&d->lock);
	uint8_t ***old = d->top;
	d->top = top;
	d->count = nchunks;
	memset(d->changed, 0, d->nchunks);
	pthread_mutex_unlock(&d->lock);
	free_tables(old, d->ntop);
	return 0;
nomem_tables:
	free_tables(top, d->ntop);
nomem:
	snprintf(err, errlen, "disk overlay: out of memory");
	return -1;
}
