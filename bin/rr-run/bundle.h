/* rr-run bundle: portable recordings as tar archives (see bundle.c). */
#ifndef RR_BUNDLE_H
#define RR_BUNDLE_H
/* Does the name end in .tar (record into a bundle)? */
int rr_is_bundle_name(const char *path);
/* Is the file a tar archive (ustar magic)? */
int rr_is_bundle_file(const char *path);
/* Write out: the log at logpath plus every image its header names. 0 or -1 (printed). */
int rr_bundle_write(const char *out, const char *logpath);
/* Extract a bundle into a new temporary directory (*dir_out); returns the log's path
 * (malloc'd) or NULL after printing why. */
char *rr_bundle_extract(const char *path, char **dir_out);
/* Remove an extraction directory and free dir (NULL ok). */
void rr_bundle_cleanup(char *dir);
#endif
