#!/usr/bin/env python3
"""Prints the folding constants of Sources/CCRC32/crc32.c from their definition, and checks the
folding scheme against zlib on random data (no dependencies beyond Python's zlib).

A constant for moving a 64-bit half by n - 32 bits (see the comment in crc32.c) is
reflect33(x^n mod P), P = x^32 + ... = 0x104C11DB7, the CRC-32 polynomial of zlib and zip.

Usage: python3 scripts/crc32_constants.py
"""
import os
import random
import zlib

P = 0x104C11DB7
MASK64 = (1 << 64) - 1


def x_power_mod_p(n):
    r = 1
    for _ in range(n):
        r <<= 1
        if r & (1 << 32):
            r ^= P
    return r


def constant(n):
    return int(format(x_power_mod_p(n), "033b")[::-1], 2)


def carryless(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


def fold(x, high, low):
    return carryless(x & MASK64, high) ^ carryless(x >> 64, low)


def folded_crc(crc, data):
    """crc32.c's scheme, in integers: 4 chains of 16-byte blocks, then 1, then zlib for the rest."""
    if len(data) < 64:
        return zlib.crc32(data, crc)
    block = lambda i: int.from_bytes(data[i:i + 16], "little")
    chains = [block(16 * j) for j in range(4)]
    chains[0] ^= ~crc & 0xFFFFFFFF
    i = 64
    while len(data) - i >= 64:
        chains = [fold(chains[j], constant(544), constant(480)) ^ block(i + 16 * j) for j in range(4)]
        i += 64
    x = chains[0]
    for j in range(1, 4):
        x = fold(x, constant(160), constant(96)) ^ chains[j]
    while len(data) - i >= 16:
        x = fold(x, constant(160), constant(96)) ^ block(i)
        i += 16
    return zlib.crc32(data[i:], zlib.crc32(x.to_bytes(16, "little"), 0xFFFFFFFF))


def main():
    for name, n in (("fold_512_high", 544), ("fold_512_low", 480), ("fold_128_high", 160), ("fold_128_low", 96)):
        print(f"{name} = 0x{constant(n):09x}  (n = {n})")
    rng = random.Random(0)
    for length in list(range(0, 300)) + [4097, 65536 + 13]:
        data = os.urandom(length)
        crc = rng.getrandbits(32)
        assert folded_crc(crc, data) == zlib.crc32(data, crc), length
    print("the scheme matches zlib.crc32 on 302 random buffers")


if __name__ == "__main__":
    main()
