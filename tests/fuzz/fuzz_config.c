/* libFuzzer target for the configuration text in a recording's header (make fuzz):
 * any bytes either parse into a configuration whose text parses back to the same
 * text, or are refused with a message; never a crash, a hang or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "replay/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	struct rr_config c;
	char err[256];
	if (rr_config_parse(text, &c, err, sizeof err) == 0) {
		char *t1 = rr_config_text(&c.mc);
		struct rr_config c2;
		if (!t1 || rr_config_parse(t1, &c2, err, sizeof err) != 0)
			abort();
		char *t2 = rr_config_text(&c2.mc);
		if (!t2 || strcmp(t1, t2) != 0)
			abort();
		free(t1);
		free(t2);
		rr_config_clear(&c2);
		rr_config_clear(&c);
	} else if (!err[0]) {
		abort(); /* a refusal says why */
	}
	free(text);
	return 0;
}
