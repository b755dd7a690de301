/* rr-run replay (see replay.c). */
#ifndef RR_REPLAY_H
#define RR_REPLAY_H
#include "rr-run.h"
/* Replay o->replay; returns the exit status. */
int rr_replay_main(struct rr_options *o);
#endif
