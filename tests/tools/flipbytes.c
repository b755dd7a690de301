/* flipbytes: a copy of a file with some bits flipped (the corruption sweeps of
 * tests/reliability/flip.sh).
 *
 *   flipbytes IN OUT OFFSET:MASK...
 *
 * Each OFFSET:MASK (decimal offset, hex or decimal mask) xors the byte at OFFSET
 * with MASK. Exit 0, or 2 with a message (an offset past the end, I/O). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: flipbytes IN OUT OFFSET:MASK...\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "flipbytes: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	size_t cap = 1 << 16, n = 0, k;
	unsigned char *b = malloc(cap);
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0)
		if ((n += k) == cap)
			b = realloc(b, cap *= 2);
	fclose(f);
	if (!b)
		return 2;
	for (int i = 3; i < argc; i++) {
		char *end;
		unsigned long long off = strtoull(argv[i], &end, 10);
		unsigned long mask = *end == ':' ? strtoul(end + 1, NULL, 0) : 0;
		if (*end != ':' || off >= n || !mask || mask > 255) {
			fprintf(stderr, "flipbytes: %s: not OFFSET:MASK inside the file (%zu bytes)\n", argv[i], n);
			return 2;
		}
		b[off] ^= (unsigned char)mask;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "flipbytes: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	free(b);
	return 0;
}
