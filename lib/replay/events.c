/* events: how host inputs are written in the log and read back (internal.h has the
 * table), in one place for the recorder and the replayer. */
#include <stdio.h>
#include <string.h>
#include "replay/internal.h"

static const struct {
	int input;
	enum rrlog_kind kind;
	int sub_is_dev;         /* else the fixed sub below */
	uint32_t sub;
	int has_data, id_in_value;
} map[] = {
	{ EMU_INPUT_SERIAL, RRLOG_CHAR_READ, 1, 0, 1, 0 },
	{ EMU_INPUT_NET, RRLOG_NET, 1, 0, 1, 0 },
	{ EMU_INPUT_BLOCK, RRLOG_BLOCK, 1, 0, 0, 1 },
	{ EMU_INPUT_KEY, RRLOG_ASYNC_INPUT, 1, 0, 0, 1 },
	{ EMU_INPUT_SHUTDOWN, RRLOG_SHUTDOWN, 0, RRLOG_SHUTDOWN_HOST_SIGNAL, 0, 0 },
	/* the end of a window cut out of a recording (rr-cut): replay stops there */
	{ EMU_INPUT_SHUTDOWN, RRLOG_SHUTDOWN, 0, RRLOG_SHUTDOWN_HOST_QMP_QUIT, 0, 0 },
	{ EMU_INPUT_RESET, RRLOG_CHECKPOINT, 0, RRLOG_CP_RESET_REQUESTED, 0, 0 },
};
#define NMAP (sizeof map / sizeof map[0])

int rr_input_to_event(const struct emu_input *in, struct rrlog_event *ev)
{
	for (size_t i = 0; i < NMAP; i++) {
		if (map[i].input != in->kind)
			continue;
		memset(ev, 0, sizeof *ev);
		ev->kind = map[i].kind;
		ev->sub = map[i].sub_is_dev ? in->dev : map[i].sub;
		if (map[i].id_in_value)
			ev->value = in->id;
		if (map[i].has_data) {
			ev->data = in->data;
			ev->len = in->len;
		}
		return 0;
	}
	return -1;
}

int rr_event_to_input(const struct rrlog_event *ev, struct emu_input *in)
{
	for (size_t i = 0; i < NMAP; i++) {
		if (map[i].kind != ev->kind || (!map[i].sub_is_dev && map[i].sub != ev->sub))
			continue;
		memset(in, 0, sizeof *in);
		in->kind = map[i].input;
		in->dev = map[i].sub_is_dev ? ev->sub : 0;
		if (map[i].id_in_value)
			in->id = ev->value;
		if (map[i].has_data) {
			in->data = ev->data;
			in->len = (uint32_t)ev->len;
		}
		return 1;
	}
	return 0;
}

const char *rr_event_desc(const struct rrlog_event *e, char *buf, size_t n)
{
	const char *k = rrlog_kind_name(e->kind);
	if (e->kind == RRLOG_SHUTDOWN)
		snprintf(buf, n, "%s cause=%s at icount %llu", k, rrlog_shutdown_name(e->sub) ?
			 rrlog_shutdown_name(e->sub) : "?", (unsigned long long)e->icount);
	else
		snprintf(buf, n, "%s at icount %llu", k ? k : "?", (unsigned long long)e->icount);
	return buf;
}
