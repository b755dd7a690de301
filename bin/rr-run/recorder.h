/* rr-run recorder: the host wrapper that logs inputs (record.c). */
#ifndef RR_RECORDER_H
#define RR_RECORDER_H
#include "emu/machine.h"
#include "rrlog/rrlog.h"

struct recorder;
/* A recorder logging into w what inner answers; attach the machine before running. */
struct recorder *rr_recorder_new(struct emu_host *inner, rrlog_writer *w);
struct emu_host *rr_recorder_host(struct recorder *r);
void rr_recorder_set_machine(struct recorder *r, struct machine *m);
int rr_recorder_failed(const struct recorder *r);
uint64_t rr_recorder_events(const struct recorder *r);
void rr_recorder_free(struct recorder *r);
/* Log the state hash at the current icount. */
void rr_log_hash(struct recorder *r);
/* Log a SNAPSHOT of the machine; 0 or -1. */
int rr_log_snapshot(struct recorder *r);
/* Run to the end with a hash every interval instructions, then rr_record_finish. */
int rr_record_loop(struct recorder *r, uint64_t interval);
/* Log the final hash and how the run ended (machine exit e). */
void rr_record_finish(struct recorder *r, int e);
#endif
