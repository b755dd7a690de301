/* libFuzzer target for the monitor's command parser and commands (make fuzz): any
 * lines get reply lines (text ending in a newline), never a crash, a hang or a
 * leak. The monitor runs over a real replay session (FUZZ_MONITOR_LOG, default
 * build/fuzz/gdb-seed.rr, the hello.elf recording the Makefile makes for
 * fuzz_gdb), brought back to its first instruction after every input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay.h"

static rr_session *sess;

static void check_out(void *opaque, const char *text)
{
	size_t n = strlen(text);
	if (!n || text[n - 1] != '\n')
		abort(); /* every reply is whole lines */
	*(size_t *)opaque += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sess) {
		const char *log = getenv("FUZZ_MONITOR_LOG");
		if (rr_session_open(log ? log : "build/fuzz/gdb-seed.rr", NULL, &sess) != RR_OK) {
			fprintf(stderr, "fuzz_monitor: %s\n", rr_session_errmsg(sess));
			abort();
		}
	}
	if (rr_session_icount(sess) != 0 && rr_session_seek(sess, 0) != RR_OK)
		abort();
	rr_monitor *mon = rr_monitor_new(sess);
	if (!mon)
		abort();
	char line[600];
	size_t i = 0, out = 0;
	int cmds = 0;
	while (i < size && cmds++ < 64) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		while (i < size && data[i] != '\n')
			i++;
		i++;
		line[n] = 0;
		if (rr_monitor_exec(mon, line, check_out, &out))
			break;
	}
	rr_monitor_free(mon);
	return 0;
}
