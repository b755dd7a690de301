/* disk: a raw disk image behind virtio-blk, with a copy-on-write overlay.
 *
 * Reads fall through to the image; writes land in an in-memory overlay of 4 KiB
 * chunks (a chunk is copied from the image on its first write), so the image file
 * stays byte-identical, as QEMU's snapshot=on. With persist, the image is opened
 * read-write and writes go straight to it (live runs only). The overlay is part of
 * the machine state: disk_overlay_save/load serialize it for snapshots.
 * Thread safety: every call takes the disk's lock, so one I/O worker thread and the
 * machine thread may use a disk at once.
 */
#ifndef EMU_DISK_H
#define EMU_DISK_H
#include <stddef.h>
#include <stdint.h>

#define DISK_CHUNK 4096

struct disk;

/* Open the raw image at path (O_RDONLY unless persist). NULL with "PATH: reason"
 * in err if it is missing, unreadable, not a file or block device, or smaller than
 * one 512-byte sector. */
struct disk *disk_open(const char *path, int persist, char *err, size_t errlen);
void disk_close(struct disk *d);
/* Image size in bytes (the device capacity is size / 512 sectors). */
uint64_t disk_size(const struct disk *d);
int disk_persistent(const struct disk *d);
/* Read/write len bytes at byte offset off. 0, or -1 if the range is not inside
 * the image, memory runs out or the host I/O fails. */
int disk_read(struct disk *d, uint64_t off, void *buf, size_t len);
int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len);
/* Make writes durable (persist: fdatasync; overlay: nothing to do). 0 or -1. */
int disk_flush(struct disk *d);
/* Chunks held in the overlay. */
size_t disk_overlay_chunks(struct disk *d);
/* Serialize the overlay (sorted by chunk) into a malloc'ed buffer the caller frees;
 * NULL if out of memory. changed_only: just the chunks written since the previous
 * save (for incremental snapshots); every save starts that count afresh. Format,
 * little-endian: "RRDSKOV1", u32 chunk size, u32 0, u64 image size, u64 count,
 * count x (u64 chunk index, chunk bytes). */
void *disk_overlay_save(struct disk *d, int changed_only, size_t *len);
/* Replace the overlay with n serialized ones applied in order (a full one, then
 * the changes saved after it). check_only: validate, change nothing. 0, or -1 with
 * a reason in err (bad format, another image size, a chunk beyond the image,
 * persist mode with a non-empty overlay, out of memory); on error the overlay is
 * unchanged. */
int disk_overlay_load(struct disk *d, const void *const *bufs, const size_t *lens, int n,
		      int check_only, char *err, size_t errlen);
#endif
