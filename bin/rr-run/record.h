/* rr-run's record and replay hosts and the configuration text they store. */
#ifndef RR_RECORD_H
#define RR_RECORD_H
#include <stdint.h>
#include "rr-run.h"

/* The configuration as header text (malloc'd). */
char *rr_config_text(const struct machine_config *c);
/* Parse header text into c (strings malloc'd, kept for the process's life). */
int rr_config_parse(const char *text, struct machine_config *c, char *err, size_t errlen);
/* The image paths of c with their roles ("bios", "kernel", "initrd", "drive0"):
 * fills roles[i] and paths[i] (pointers into c, so they can be replaced); returns n. */
int rr_config_images(const struct machine_config *c, const char **roles, const char ***paths);
/* realpath() as a string owned by the run (rr_own), NULL if the file does not exist. */
char *rr_abspath(const char *p);
/* SHA-256 and size of an image file, through the image-hash cache (config.c). 0, or
 * an rrlog error code with errno set. */
int rr_image_sha256(const char *path, uint8_t out[32], uint64_t *size);
/* Keep s (malloc'd) until rr_own_free() at exit; returns s. */
char *rr_own(char *s);
void rr_own_free(void);

/* Record (-w) or replay (-r, --live) as the options say; returns the exit status. */
int rr_run_recorded(struct rr_options *o);
#endif
