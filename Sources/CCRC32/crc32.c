#include "ccrc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

// How folding works (reflected CRC-32, polynomial P = 0x104C11DB7):
// a 16-byte block X, read little-endian, holds 128 message bits; its first 8 bytes (H) are the
// higher-degree half. Moving X forward by D bits, X·x^D ≡ H·(x^(D+64) mod P) + L·(x^D mod P), a
// product of at most 96 bits: it fits the register of the block D bits later and is added into it.
// Each constant is reflect33(x^n mod P), where n = D + 64 - 32 for H and n = D - 32 for L (the
// reflection and the 32-bit shift of the CRC account for the -32 and the 33rd bit). They were
// computed from that definition (scripts/crc32_constants.py prints them).
static const uint64_t fold_512_high = 0x154442bd4;  // n = 544: H moved by 4 blocks
static const uint64_t fold_512_low = 0x1c6e41596;   // n = 480: L moved by 4 blocks
static const uint64_t fold_128_high = 0x1751997d0;  // n = 160: H moved by 1 block
static const uint64_t fold_128_low = 0x0ccaa009e;   // n = 96: L moved by 1 block

__attribute__((target("pclmul,sse2"))) static inline __m128i fold(__m128i x, __m128i constants) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, constants, 0x00), _mm_clmulepi64_si128(x, constants, 0x11));
}

// Folds whole 16-byte blocks of `bytes` (at least 64 bytes) into one block, which has the same
// CRC as everything folded; the caller's zlib call finishes it and the tail.
__attribute__((target("pclmul,sse2"))) static uint32_t crc32_folded(
    uint32_t crc, const unsigned char *bytes, size_t length, size_t *consumed) {
    const __m128i by4 = _mm_set_epi64x((long long)fold_512_low, (long long)fold_512_high);
    const __m128i by1 = _mm_set_epi64x((long long)fold_128_low, (long long)fold_128_high);
    const unsigned char *p = bytes;
    size_t left = length;
    // zlib's CRC starts from the complement of the running value; the register XORs into the
    // first 32 message bits.
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)~crc));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    left -= 64;
    // Four independent chains keep the multiplier busy (its latency is several cycles).
    while (left >= 64) {
        x0 = _mm_xor_si128(fold(x0, by4), _mm_loadu_si128((const __m128i *)p));
        x1 = _mm_xor_si128(fold(x1, by4), _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = _mm_xor_si128(fold(x2, by4), _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = _mm_xor_si128(fold(x3, by4), _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        left -= 64;
    }
    __m128i x = _mm_xor_si128(fold(x0, by1), x1);
    x = _mm_xor_si128(fold(x, by1), x2);
    x = _mm_xor_si128(fold(x, by1), x3);
    while (left >= 16) {
        x = _mm_xor_si128(fold(x, by1), _mm_loadu_si128((const __m128i *)p));
        p += 16;
        left -= 16;
    }
    unsigned char block[16];
    _mm_storeu_si128((__m128i *)block, x);
    *consumed = (size_t)(p - bytes);
    // The block's CRC from a zero register, in zlib's convention (complemented in and out).
    return (uint32_t)crc32_z(0xffffffffUL, block, sizeof block);
}

static int cpu_has_pclmul(void) {
    // 0 = not asked yet, 1 = no, 2 = yes.
    static atomic_int known = 0;
    int value = atomic_load_explicit(&known, memory_order_relaxed);
    if (value == 0) {
        unsigned int eax, ebx, ecx, edx;
        value = (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_PCLMUL)) ? 2 : 1;
        atomic_store_explicit(&known, value, memory_order_relaxed);
    }
    return value == 2;
}

int ccrc32_is_accelerated(void) { return cpu_has_pclmul(); }

uint32_t ccrc32_update(uint32_t crc, const void *bytes, size_t length) {
    // zlib answers 0 for a null pointer (its way to ask for the initial value), not `crc`.
    if (length == 0) return crc;
    const unsigned char *p = bytes;
    if (length >= 64 && cpu_has_pclmul()) {
        size_t consumed = 0;
        crc = crc32_folded(crc, p, length, &consumed);
        p += consumed;
        length -= consumed;
    }
    return (uint32_t)crc32_z(crc, p, length);
}

#else

int ccrc32_is_accelerated(void) { return 0; }

uint32_t ccrc32_update(uint32_t crc, const void *bytes, size_t length) {
    if (length == 0) return crc;
    return (uint32_t)crc32_z(crc, bytes, length);
}

#endif
