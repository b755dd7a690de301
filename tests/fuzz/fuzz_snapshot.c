/* libFuzzer target for snapshot loading (make fuzz): the input is a snapshot blob,
 * loaded as it is (the checksum must refuse damage) and again with its SUM section
 * recomputed (so the mutations reach the field checks). A blob that loads is run
 * for a few thousand instructions: whatever the state says, the machine must not
 * crash, hang or touch memory outside its own. Then the baseline state is loaded
 * back. The machine runs build/guest/hello.elf (FUZZ_KERNEL overrides).
 * FUZZ_SEED_OUT=DIR writes seed blobs (a full and an incremental snapshot) there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/machine.h"
#include "emu/machine_impl.h"
#include "../fake_host.h"

static struct machine *m;
static struct fake_host host;
static void *base;
static size_t base_len;

static void write_seed(const char *dir, const char *name, const void *b, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *k = getenv("FUZZ_KERNEL");
	struct machine_config c = { .ram_size = 16ull << 20, .nharts = 2, .bios = "none",
				    .kernel = k ? k : "build/guest/hello.elf", .rng = 1, .input = 1 };
	char err[256];
	fake_init(&host, 1);
	m = machine_new(&c, &host.host, err, sizeof err);
	if (!m) {
		fprintf(stderr, "fuzz_snapshot: %s\n", err);
		exit(1);
	}
	machine_run(m, 5000);
	base = machine_snapshot_save(m, 0, &base_len);
	machine_run(m, 9000);
	size_t il;
	void *inc = machine_snapshot_save(m, 1, &il);
	const char *out = getenv("FUZZ_SEED_OUT");
	if (out) {
		write_seed(out, "full.snap", base, base_len);
		write_seed(out, "incremental.snap", inc, il);
	}
	free(inc);
	const void *b[1] = { base };
	machine_snapshot_load(m, b, &base_len, 1, err, sizeof err);
	return 0;
}

static void try_load(const uint8_t *data, size_t size)
{
	char err[300];
	const void *b[1] = { data };
	if (machine_snapshot_load(m, b, &size, 1, err, sizeof err) == 0) {
		machine_run(m, machine_icount(m) + 3000);
		const void *bb[1] = { base };
		if (machine_snapshot_load(m, bb, &base_len, 1, err, sizeof err) != 0)
			abort(); /* the baseline must always load */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_load(data, size);
	if (size >= 72) {
		uint8_t *copy = malloc(size);
		memcpy(copy, data, size);
		uint64_t h = machine_hash_bytes(7, copy, size - 24);
		memcpy(copy + size - 8, &h, 8);
		try_load(copy, size);
		free(copy);
	}
	return 0;
}
