/* config: the machine configuration as the text stored in a recording's header, and
 * the guest images it names (with their cached SHA-256).
 *
 * The text is one "key=value" a line; values escape backslash and newline as \\ and
 * \n. Keys: ram, smp, bios, kernel, initrd, append, drive, net, hostfwd, rng, input,
 * no-reboot, icount-shift. Paths are absolute.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "replay/replay.h"

static void put(char **buf, size_t *len, size_t *cap, const char *key, const char *val)
{
	size_t need = strlen(key) + 2 * strlen(val) + 3;
	if (!*buf && *cap)
		return; /* out of memory earlier */
	if (*len + need + 1 > *cap) {
		*cap = (*len + need + 1) * 2;
		char *nb = realloc(*buf, *cap);
		if (!nb) {
			free(*buf);
			*buf = NULL;
			return;
		}
		*buf = nb;
	}
	char *p = *buf + *len;
	p += sprintf(p, "%s=", key);
	for (const char *s = val; *s; s++) {
		if (*s == '\\' || *s == '\n') {
			*p++ = '\\';
			*p++ = *s == '\n' ? 'n' : '\\';
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\n';
	*p = 0;
	*len = p - *buf;
}

char *rr_config_text(const struct machine_config *c)
{
	char *buf = NULL, num[32];
	size_t len = 0, cap = 0;
	snprintf(num, sizeof num, "%llu", (unsigned long long)c->ram_size);
	put(&buf, &len, &cap, "ram", num);
	snprintf(num, sizeof num, "%d", c->nharts);
	put(&buf, &len, &cap, "smp", num);
	put(&buf, &len, &cap, "bios", c->bios ? c->bios : "none");
	if (c->kernel)
		put(&buf, &len, &cap, "kernel", c->kernel);
	if (c->initrd)
		put(&buf, &len, &cap, "initrd", c->initrd);
	if (c->append)
		put(&buf, &len, &cap, "append", c->append);
	if (c->drive)
		put(&buf, &len, &cap, "drive", c->drive);
	put(&buf, &len, &cap, "net", c->net_user ? "user" : "none");
	if (c->hostfwd)
		put(&buf, &len, &cap, "hostfwd", c->hostfwd);
	put(&buf, &len, &cap, "rng", c->rng ? "on" : "off");
	put(&buf, &len, &cap, "input", c->input ? "on" : "off");
	put(&buf, &len, &cap, "no-reboot", c->no_reboot ? "on" : "off");
	snprintf(num, sizeof num, "%d", c->icount_shift);
	put(&buf, &len, &cap, "icount-shift", num);
	return buf;
}

static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			*p++ = s[i] == 'n' ? '\n' : s[i];
		} else {
			*p++ = s[i];
		}
	}
	*p = 0;
	return out;
}

int rr_config_set(struct rr_config *c, const char **field, const char *v)
{
	if (c->nstrings >= (int)(sizeof c->strings / sizeof c->strings[0]))
		return -1;
	char *d = strdup(v);
	if (!d)
		return -1;
	c->strings[c->nstrings++] = d;
	*field = d;
	return 0;
}

void rr_config_clear(struct rr_config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	memset(c, 0, sizeof *c);
}

/* A decimal number in [lo, hi], the whole string. */
static int number(const char *v, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	char *end;
	if (!*v || *v == '-')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

int rr_config_parse(const char *text, struct rr_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	struct machine_config *c = &cfg->mc;
	c->nharts = 1;
	c->bios = "none";
	const char *line = text;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *eq = memchr(line, '=', n);
		if (!eq) {
			snprintf(err, errlen, "bad configuration line '%.*s'", (int)(n > 80 ? 80 : n), line);
			goto fail;
		}
		size_t klen = eq - line;
		char *v = unescape(eq + 1, n - klen - 1);
		if (!v) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		unsigned long long num = 0;
		const char **str = NULL;
		int bad = 0;
#define KEY(k) (klen == strlen(k) && memcmp(line, k, klen) == 0)
		if (KEY("ram")) {
			bad = number(v, 16ull << 20, 16ull << 30, &num) || (num & 4095);
			c->ram_size = num;
		} else if (KEY("smp")) {
			bad = number(v, 1, MACHINE_MAX_HARTS, &num);
			c->nharts = (int)num;
		} else if (KEY("icount-shift")) {
			bad = number(v, 0, 10, &num);
			c->icount_shift = (int)num;
		} else if (KEY("bios")) str = &c->bios;
		else if (KEY("kernel")) str = &c->kernel;
		else if (KEY("initrd")) str = &c->initrd;
		else if (KEY("append")) str = &c->append;
		else if (KEY("drive")) str = &c->drive;
		else if (KEY("hostfwd")) str = &c->hostfwd;
		else if (KEY("net")) {
			bad = strcmp(v, "user") && strcmp(v, "none");
			c->net_user = strcmp(v, "user") == 0;
		} else if (KEY("rng") || KEY("input") || KEY("no-reboot")) {
			bad = strcmp(v, "on") && strcmp(v, "off");
			int on = strcmp(v, "on") == 0;
			if (KEY("rng")) c->rng = on;
			else if (KEY("input")) c->input = on;
			else c->no_reboot = on;
		} else {
			snprintf(err, errlen, "unknown configuration key '%.*s' (made by a newer rr-run?)",
				 (int)(klen > 40 ? 40 : klen), line);
			free(v);
			goto fail;
		}
#undef KEY
		if (bad) {
			snprintf(err, errlen, "configuration: %.*s=%.40s is out of range", (int)(klen > 40 ? 40 : klen),
				 line, v);
			free(v);
			goto fail;
		}
		if (str && rr_config_set(cfg, str, v) < 0) {
			snprintf(err, errlen, "configuration: too many strings");
			free(v);
			goto fail;
		}
		free(v);
		line = nl ? nl + 1 : NULL;
	}
	if (!c->ram_size) {
		snprintf(err, errlen, "configuration lacks the RAM size");
		goto fail;
	}
	return 0;
fail:
	rr_config_clear(cfg);
	return -1;
}

/* The images of a configuration, with their roles, in a fixed order. */
int rr_config_images(struct machine_config *c, const char **roles, const char ***paths)
{
	static const char *r[] = { "bios", "kernel", "initrd", "drive0" };
	int n = 0;
	const char **slot[] = { (const char **)&c->bios, (const char **)&c->kernel,
				(const char **)&c->initrd, (const char **)&c->drive };
	for (int i = 0; i < 4; i++) {
		const char *p = *slot[i];
		if (!p || (i == 0 && strcmp(p, "none") == 0))
			continue;
		roles[n] = r[i];
		paths[n] = slot[i];
		n++;
	}
	return n;
}

/* ---- image hashes, cached ----
 * Hashing a disk image on every record and replay is the slowest part of starting
 * one. A file whose device, inode, size, mtime and ctime (both to the nanosecond)
 * are unchanged has unchanged content (ctime moves on every write and cannot be
 * set back), so its SHA-256 is kept in $XDG_CACHE_HOME/rrkit/image-sha256 (or
 * ~/.cache/...), one "dev ino size mtime ctime sha256 path" line a file.
 * RRKIT_NO_HASH_CACHE=1 turns the cache off. Cache trouble only costs time. */

static char *cache_path(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char buf[PATH_MAX];
	if (getenv("RRKIT_NO_HASH_CACHE"))
		return NULL;
	if (x && *x) {
		snprintf(buf, sizeof buf, "%s", x);
	} else if (home && *home) {
		snprintf(buf, sizeof buf, "%s/.cache", home);
	} else {
		return NULL;
	}
	mkdir(buf, 0755);
	size_t l = strlen(buf);
	snprintf(buf + l, sizeof buf - l, "/rrkit");
	mkdir(buf, 0755);
	size_t n = strlen(buf);
	snprintf(buf + n, sizeof buf - n, "/image-sha256");
	return strdup(buf);
}

static void stat_key(const struct stat *st, char *key, size_t n)
{
	snprintf(key, n, "%llu %llu %llu %lld.%09ld %lld.%09ld", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (unsigned long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

int rr_image_sha256(const char *path, uint8_t out[32], uint64_t *size)
{
	struct stat st;
	char key[160], line[PATH_MAX + 300];
	char *cp = NULL;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (cp = cache_path())) {
		stat_key(&st, key, sizeof key);
		size_t kl = strlen(key);
		FILE *f = fopen(cp, "r");
		while (f && fgets(line, sizeof line, f)) {
			if (strncmp(line, key, kl) || line[kl] != ' ')
				continue;
			int ok = 1;
			for (int i = 0; i < 32 && ok; i++) {
				unsigned v;
				ok = sscanf(line + kl + 1 + 2 * i, "%2x", &v) == 1;
				out[i] = v;
			}
			if (ok) {
				fclose(f);
				free(cp);
				*size = st.st_size;
				return 0;
			}
		}
		if (f)
			fclose(f);
	}
	int rc = rrlog_sha256_file(path, out, size);
	if (rc == 0 && cp) {
		FILE *f = fopen(cp, "a");
		if (f) {
			fprintf(f, "%s ", key);
			for (int i = 0; i < 32; i++)
				fprintf(f, "%02x", out[i]);
			fprintf(f, " %s\n", path);
			fclose(f);
		}
	}
	free(cp);
	return rc;
}

int rr_parse_icount(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	if (strpbrk(s, "eE.")) {
		double d = strtod(s, &end);
		if (errno || *end || d < 0 || d >= 1.8e19 || d != (double)(uint64_t)d)
			return -1;
		*out = (uint64_t)d;
		return 0;
	}
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}
