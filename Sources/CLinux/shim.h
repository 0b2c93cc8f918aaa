// Linux system calls that Swift's Glibc module does not import (they need _GNU_SOURCE).
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#define _GNU_SOURCE
#include <fcntl.h>

/// Starts writing the byte range back to disk without waiting (sync_file_range with
/// SYNC_FILE_RANGE_WRITE), so a later fsync finds most of a large file already on disk.
static inline int clinux_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)count, SYNC_FILE_RANGE_WRITE);
}
#endif
