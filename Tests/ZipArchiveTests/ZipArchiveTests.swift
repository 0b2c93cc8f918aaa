internal import CZlib
import Foundation
import Testing
import _TestSupport

@testable import ZipArchive

/// The libzip bridge on archives made here: CRC-32 checked on every full read, implausible sizes
/// refused, kernel-copy offsets exact, seeks only once a member is verified.
@Suite("Zip archives")
struct ZipArchiveTests {
    func write(_ builder: ZipBuilder, _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ldvc-zip-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try builder.write(to: path)
        return path
    }

    let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test("CRC-32 is zlib's (check value of \"123456789\" is 0xCBF43926) and continues across pieces")
    func crc() {
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipArchive.crc32(Array("6789".utf8), continuing: ZipArchive.crc32(Array("12345".utf8))) == 0xCBF4_3926)
    }

    /// The folded path (64 bytes and more) against zlib's own `crc32_z`: every length to 600 bytes
    /// (each number of 64-byte groups, 16-byte blocks and tail bytes), odd start addresses, running
    /// values carried in, and one long buffer cut at random places.
    @Test("CRC-32 equals zlib's crc32_z for every length, alignment, running value and cut")
    func crcMatchesZlib() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        let bytes = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: next()) }
        func zlib(_ crc: UInt32, _ range: Range<Int>) -> UInt32 {
            bytes.withUnsafeBufferPointer { buffer in
                UInt32(truncatingIfNeeded: crc32_z(UInt(crc), buffer.baseAddress! + range.lowerBound, range.count))
            }
        }
        func ours(_ crc: UInt32, _ range: Range<Int>) -> UInt32 {
            bytes.withUnsafeBytes { ZipArchive.crc32(UnsafeRawBufferPointer(rebasing: $0[range]), continuing: crc) }
        }
        var mismatches: [String] = []
        for length in 0...600 {
            let start = Int(next() % 61)
            let running = UInt32(truncatingIfNeeded: next())
            for crc in [0, running] where ours(crc, start..<start + length) != zlib(crc, start..<start + length) {
                mismatches.append("length \(length) at \(start) from \(crc)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let whole = zlib(0, 0..<bytes.count)
        #expect(ours(0, 0..<bytes.count) == whole)
        for _ in 0..<50 {
            let cut = Int(next() % UInt64(bytes.count))
            #expect(ours(ours(0, 0..<cut), cut..<bytes.count) == whole, "cut at \(cut)")
        }
        // Which path was checked: the folded one on x86-64 CPUs with PCLMULQDQ, zlib's otherwise.
        #if arch(x86_64)
        #expect(
            ZipArchive.crc32IsAccelerated
                == (try! String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).contains(" pclmulqdq"))
        #endif
    }

    @Test("a stored member reads back exactly, its data offset points at its bytes, and it is verified")
    func storedMember() throws {
        var builder = ZipBuilder()
        builder.add("a/b.bin", payload)
        let path = try write(builder, "stored.zip")
        let archive = try ZipArchive(path: path)
        let entry = try #require(archive.entry(named: "a/b.bin"))
        #expect(entry.isStored && entry.size == payload.count && entry.crc32 == ZipArchive.crc32(payload))
        #expect(!archive.isVerified(entry))
        #expect(try archive.read(entry) == payload)
        #expect(archive.isVerified(entry))
        let offset = try #require(archive.dataOffsets["a/b.bin"])
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(file[offset..<(offset + payload.count)]) == payload)
    }

    @Test("a wrong CRC-32 is found by a full read, by reading in pieces, and by verifyChecksum")
    func wrongChecksum() throws {
        var builder = ZipBuilder()
        builder.add(.init(name: "m", data: payload, crc32: ZipArchive.crc32(payload) ^ 0x8000_0000))
        let archive = try ZipArchive(path: try write(builder, "crc.zip"))
        let entry = try #require(archive.entry(named: "m"))
        #expect(throws: ZipError.self) { _ = try archive.read(entry) }
        do {
            try archive.verifyChecksum(of: entry)
            Issue.record("verifyChecksum accepted a wrong CRC")
        } catch {
            guard case .checksumMismatch(_, "m", let expected, let actual) = error else {
                Issue.record("\(error)"); return
            }
            #expect(expected == actual ^ 0x8000_0000)
        }
        let reader = try archive.open(entry, at: 0)
        var buffer = [UInt8](repeating: 0, count: 4_000)
        try reader.read(into: &buffer, count: 4_000)
        try reader.read(into: &buffer, count: 4_000)
        #expect(throws: ZipError.self) { try reader.read(into: &buffer, count: 2_000) }
        #expect(!archive.isVerified(entry))
    }

    @Test("before verification a skip reads through (keeping the checksum); after it, it seeks")
    func skipping() throws {
        var builder = ZipBuilder()
        builder.add("m", payload)
        let archive = try ZipArchive(path: try write(builder, "skip.zip"))
        let entry = try #require(archive.entry(named: "m"))
        let reader = try archive.open(entry, at: 9_000)
        #expect(try reader.read(count: 1_000) == Array(payload[9_000...]))
        #expect(archive.isVerified(entry))  // the skipped bytes fed the checksum
        let again = try archive.open(entry, at: 5_000)
        #expect(try again.read(count: 10) == Array(payload[5_000..<5_010]))
    }

    @Test("a deflated member inflates; one claiming more than deflate can hold is refused at open")
    func deflated() throws {
        var builder = ZipBuilder()
        let zeros = ZipBuilder.deflatedZeros(count: 100_000)
        builder.add(
            .init(
                name: "z", data: zeros, deflatedSize: 100_000,
                crc32: ZipArchive.crc32([UInt8](repeating: 0, count: 100_000))))
        let archive = try ZipArchive(path: try write(builder, "deflated.zip"))
        let entry = try #require(archive.entry(named: "z"))
        #expect(!entry.isStored && archive.dataOffsets["z"] == nil)
        #expect(try archive.read(entry) == [UInt8](repeating: 0, count: 100_000))

        var bomb = ZipBuilder()
        bomb.add(.init(name: "bomb", data: [0x03, 0x00], deflatedSize: 1 << 30, crc32: 0))
        let path = try write(bomb, "bomb.zip")
        #expect(throws: ZipError.implausibleSize(path: path, entry: "bomb", size: 1 << 30, compressedSize: 2)) {
            _ = try ZipArchive(path: path)
        }
    }

    @Test("a member that ends before its stated size is refused, and the buffer grows only as bytes arrive")
    func shortMember() throws {
        var builder = ZipBuilder()
        let zeros = ZipBuilder.deflatedZeros(count: 1_000)
        builder.add(.init(name: "short", data: zeros, deflatedSize: 200_000, crc32: 0))
        let archive = try ZipArchive(path: try write(builder, "short.zip"))
        let entry = try #require(archive.entry(named: "short"))
        let (outcome, probe) = ResourceProbe.measure { () -> ZipError? in
            let read = Result { () throws(ZipError) in try archive.read(entry, maxUncheckedAllocation: 4_096) }
            if case .failure(let error) = read { return error }
            return nil
        }
        guard case .entryFailed(_, "short", _)? = outcome else {
            Issue.record("\(String(describing: outcome))"); return
        }
        #expect(probe.seconds < 5 * ResourceProbe.timeScale)
    }

    @Test("member names with control characters are escaped in messages")
    func escapedNames() {
        let error = ZipError.entryFailed(path: "x.zip", entry: "a\u{1B}[2Jb", reason: "r")
        #expect(error.description == "x.zip: cannot read member 'a\\u{1b}[2Jb' (r)")
    }
}
