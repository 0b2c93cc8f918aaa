// zlib's CRC-32 (the checksum zip and PNG record), folded with carry-less multiplication on CPUs
// that have it. Checking every byte of a 600 MB checkpoint with zlib's table code costs ~0.25 s of
// CPU; this path costs ~0.03 s, and the value is the same.
#ifndef CCRC32_H
#define CCRC32_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32 of `length` bytes at `bytes`, continuing from `crc` (0 to start): exactly zlib's
/// `crc32_z(crc, bytes, length)`.
uint32_t ccrc32_update(uint32_t crc, const void *bytes, size_t length);

/// 1 when this CPU takes the carry-less multiply path, 0 when every call goes to zlib.
int ccrc32_is_accelerated(void);

#endif
