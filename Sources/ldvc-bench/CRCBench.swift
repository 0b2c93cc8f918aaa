internal import CZlib
import Foundation
import ZipArchive

/// `ldvc-bench crc [--megabytes 600] [--repeat 5]`: the CRC-32 the zip checks use
/// (`ZipArchive.crc32`, folded with carry-less multiplication where the CPU has it) against zlib's
/// `crc32_z`, over the same bytes in the 256 KB pieces a conversion's hash pass feeds it, in one
/// invocation: best of `repeat` runs each, and their ratio.
enum CRCBench {
    static func run(_ arguments: ArraySlice<String>) throws {
        var megabytes = 600
        var repeats = 5
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--megabytes": megabytes = Int(iterator.next() ?? "") ?? megabytes
            case "--repeat": repeats = Int(iterator.next() ?? "") ?? repeats
            default: throw BenchError.usage
            }
        }
        let piece = 256 << 10
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<piece).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let pieces = (megabytes << 20) / piece
        var zlibBest = Double.infinity
        var oursBest = Double.infinity
        var zlibValue: UInt32 = 0
        var oursValue: UInt32 = 0
        for _ in 0..<max(repeats, 1) {
            zlibBest = min(
                zlibBest,
                seconds {
                    zlibValue = bytes.withUnsafeBufferPointer { buffer in
                        var crc: UInt = 0
                        for _ in 0..<pieces { crc = crc32_z(crc, buffer.baseAddress, buffer.count) }
                        return UInt32(truncatingIfNeeded: crc)
                    }
                })
            oursBest = min(
                oursBest,
                seconds {
                    var crc: UInt32 = 0
                    for _ in 0..<pieces { crc = ZipArchive.crc32(bytes, continuing: crc) }
                    oursValue = crc
                })
        }
        let output: [String: Any] = [
            "megabytes": megabytes, "piece_bytes": piece, "zlib_seconds": zlibBest, "ours_seconds": oursBest,
            "speedup": zlibBest / oursBest, "accelerated": ZipArchive.crc32IsAccelerated,
            "values_equal": zlibValue == oursValue,
        ]
        let data = try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
