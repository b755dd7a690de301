/* rr-run config: the machine configuration as the text stored in a recording's
 * header, and the guest images it names.
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
#include "rr-run.h"
#include "rrlog/rrlog.h"
#include "record.h"

static void put(char **buf, size_t *len, size_t *cap, const char *key, const char *val)
{
	size_t need = strlen(key) + 2 * strlen(val) + 3;
	if (*len + need + 1 > *cap) {
		*cap = (*len + need + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort(); /* a few hundred bytes: out of memory here is hopeless */
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

int rr_config_parse(const char *text, struct machine_config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->nharts = 1;
	c->bios = "none";
	const char *line = text;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *eq = memchr(line, '=', n);
		if (!eq) {
			snprintf(err, errlen, "bad configuration line '%.*s'", (int)n, line);
			return -1;
		}
		size_t klen = eq - line;
		char *v = rr_own(unescape(eq + 1, n - klen - 1));
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
#define KEY(k) (klen == strlen(k) && memcmp(line, k, klen) == 0)
		if (KEY("ram"))
			c->ram_size = strtoull(v, NULL, 10);
		else if (KEY("smp"))
			c->nharts = atoi(v);
		else if (KEY("bios"))
			c->bios = v;
		else if (KEY("kernel"))
			c->kernel = v;
		else if (KEY("initrd"))
			c->initrd = v;
		else if (KEY("append"))
			c->append = v;
		else if (KEY("drive"))
			c->drive = v;
		else if (KEY("net"))
			c->net_user = strcmp(v, "user") == 0;
		else if (KEY("hostfwd"))
			c->hostfwd = v;
		else if (KEY("rng"))
			c->rng = strcmp(v, "on") == 0;
		else if (KEY("input"))
			c->input = strcmp(v, "on") == 0;
		else if (KEY("no-reboot"))
			c->no_reboot = strcmp(v, "on") == 0;
		else if (KEY("icount-shift"))
			c->icount_shift = atoi(v);
		else {
			snprintf(err, errlen, "unknown configuration key '%.*s' (made by a newer rr-run?)",
				 (int)klen, line);
			return -1;
		}
#undef KEY
		line = nl ? nl + 1 : NULL;
	}
	if (!c->ram_size || c->nharts < 1 || c->nharts > MACHINE_MAX_HARTS) {
		snprintf(err, errlen, "configuration lacks a valid ram size or hart count");
		return -1;
	}
	return 0;
}

/* The images of a configuration, with their roles, in a fixed order. */
int rr_config_images(const struct machine_config *c, const char **roles, const char ***paths)
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

char *rr_abspath(const char *p)
{
	char buf[PATH_MAX];
	if (realpath(p, buf))
		return rr_own(strdup(buf));
	return NULL;
}

/* Strings that live as long as the run (configuration paths): freed at exit. */
static char **owned;
static size_t nowned, capowned;

char *rr_own(char *s)
{
	if (!s)
		return NULL;
	if (nowned == capowned) {
		size_t cap = capowned ? 2 * capowned : 16;
		char **n = realloc(owned, cap * sizeof *n);
		if (!n)
			return s; /* leaks one string; out of memory here is harmless */
		owned = n;
		capowned = cap;
	}
	owned[nowned++] = s;
	return s;
}

void rr_own_free(void)
{
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	owned = NULL;
	nowned = capowned = 0;
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
