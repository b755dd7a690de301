/* libFuzzer target for the gdb stub's packet framer and parser (make fuzz): any
 * bytes from the debugger get well-formed replies (acks, $data#checksum packets
 * whose checksum is right), never a crash, a hang or a leak. The stub runs over a
 * real replay session: FUZZ_GDB_LOG (default build/fuzz/gdb-seed.rr, recorded by
 * the Makefile from build/guest/hello.elf), brought back to its first instruction
 * after every input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/gdbstub.h"

static rr_session *sess;

/* Replies must be '+', '-' or complete packets with the right checksum. */
static int check_out(void *opaque, const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (b[i] == '+' || b[i] == '-') {
			i++;
			continue;
		}
		if (b[i] != '$')
			abort();
		uint8_t sum = 0;
		size_t j = i + 1;
		while (j < n && b[j] != '#')
			sum += b[j++];
		if (j + 2 >= n)
			abort(); /* a packet split over writes, or cut */
		char hex[3] = { (char)b[j + 1], (char)b[j + 2], 0 };
		if (strtoul(hex, NULL, 16) != sum)
			abort();
		i = j + 3;
	}
	return 0;
}

static int no_input(void *opaque, uint8_t *b, size_t n, int timeout_ms) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sess) {
		const char *log = getenv("FUZZ_GDB_LOG");
		if (rr_session_open(log ? log : "build/fuzz/gdb-seed.rr", NULL, &sess) != RR_OK) {
			fprintf(stderr, "fuzz_gdb: %s\n", rr_session_errmsg(sess));
			abort();
		}
	}
	if (rr_session_icount(sess) != 0 && rr_session_seek(sess, 0) != RR_OK)
		abort();
	struct rr_gdb_io io = { .read = no_input, .write = check_out };
	rr_gdb *g = rr_gdb_new(sess, &io);
	if (!g)
		abort();
	rr_gdb_feed(g, data, size);
	rr_gdb_free(g);
	return 0;
}
