import Foundation
import Testing
import _TestSupport

@testable import HDF5

/// `HDF5Preflight`, our own bounded walk of a file before libhdf5 reads it. The hostile files are
/// only ever given to the preflight here (pure Swift): what libhdf5 does with them runs in child
/// processes (`HostileHDF5CommandTests`), so a hole cannot take the test runner down.
@Suite("HDF5 preflight")
struct HDF5PreflightTests {
    static let adversarial = FixturePath.fixture("adversarial/hdf5")
    static let baseLayout = FixturePath.fixture("adversarial/hdf5/base_layout.h5")
    static let baseGolden = FixturePath.fixture("adversarial/hdf5/base_golden.h5")

    /// Each hostile file and the refusal it must get (see Fixtures/adversarial/hdf5/README.md).
    static let hostile: [(file: String, refusal: String)] = [
        ("attribute_type_size.h5", "'/text/token_embedding': a 40-byte integer"),
        ("attribute_heap_id_offset.h5", "'/': heap object 1048576 + 72 is not inside its block"),
        ("attribute_type_version.h5", "'/vision/w0': datatype version 8 is not 1 … 3"),
        ("chunk_deflate_bomb.h5", "'/taps/vision.tap0': a chunk inflates past its 128 bytes"),
        ("chunk_dimension.h5", "'/taps/vision.tap0': a chunk holds 128 bytes, its dimensions need 25600"),
        ("contiguous_past_end.h5", "'/text/token_embedding': its data (805306368 bytes at 8432) lies past the end"),
        ("continuation_length.h5", "'/': continuation chunk 861 + 288230376151711744 lies outside the file"),
        ("dimensions_overflow.h5", "dimensions [4294967296, 4294967297] multiply past 2^64"),
        ("external_link.h5", "link 'outside' is an external link; only hard links are accepted"),
        ("external_storage.h5", "'/text/outside': external data files (they read other files) is not accepted"),
        ("filter_unknown_id.h5", "filter 32001 is not accepted"),
        ("global_heap_free_space_zero.h5", "the free space object's size 0 does not reach the end"),
        ("global_heap_object_size.h5", "claims 36028797018963968 bytes past its collection"),
        ("group_cycle.h5", "'/text/root': the object header at 96 is reached a second time"),
        ("group_linked_twice.h5", "'/text/vision_again': the object header at 1630 is reached a second time"),
        ("link_heap_checksum.h5", "'/taps': the direct block checksum does not match"),
        ("link_info_heap_address.h5", "'/text': link messages beside dense link storage"),
        ("soft_link.h5", "link 'alias' is a soft link"),
        ("string_length_huge.h5", "the length of one string of '/vision/w0' exceeds the limit of 16777216"),
        ("string_missing_heap_object.h5", "refers to global heap object 16711705, which does not exist"),
        ("superblock_checksum.h5", "the superblock checksum does not match"),
        (
            "token_embedding_rows.h5",
            "the bytes of the dataset of '/text/token_embedding' exceeds the limit of 4294967296"
        ),
        ("truncated.h5", "truncated HDF5 file: it declares 16728 bytes but has 10036"),
        ("vlen_type_bits.h5", "'/vision/w0': only variable-length strings are accepted"),
        ("vlen_type_size.h5", "'/vision/w0': a variable-length string type of 11 bytes, not 16"),
    ]

    @Test("every hostile file is refused by the preflight with its one-line reason", arguments: hostile)
    func hostileFile(_ file: String, _ refusal: String) {
        let path = Self.adversarial + "/" + file
        let error = #expect(throws: HDF5Error.self) { try HDF5Preflight.check(path: path) }
        #expect(error?.kind == .inputRefused)
        #expect(error?.description.hasPrefix(path + ": ") == true)
        #expect(error?.description.contains(refusal) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("\n") == false)
    }

    @Test("every HDF5 file of the repository passes: layouts, goldens (gzip chunks), h5py reference dumps")
    func everyFixturePasses() throws {
        let root = FixturePath.repository("Fixtures")
        let hostile = Set(Self.hostile.map { Self.adversarial + "/" + $0.file })
        var checked = 0
        for case let relative as String in FileManager.default.enumerator(atPath: root)!
        where relative.hasSuffix(".h5") && !hostile.contains(root + "/" + relative) {
            let summary = try HDF5Preflight.check(path: root + "/" + relative)
            #expect(summary.groups >= 1 && summary.datasets >= 1, "\(relative)")
            checked += 1
        }
        #expect(checked >= 30)
        // The walk sees everything h5py does in the golden-like base: 3 groups, 11 datasets.
        let summary = try HDF5Preflight.check(path: Self.baseGolden)
        #expect(summary.groups == 3 && summary.datasets == 11 && summary.attributes == 16)
    }

    // MARK: The superblock

    /// The base layout with `patch` applied to a copy.
    static func patched(_ patch: (inout [UInt8]) -> Void) throws -> (folder: TemporaryFolder, path: String) {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: baseLayout)))
        patch(&bytes)
        let folder = TemporaryFolder()
        let path = folder.file("patched.h5")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (folder, path)
    }

    static func store(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    @Test("a download cut anywhere is refused as truncated, with both lengths")
    func truncatedDownloads() throws {
        let size = try Data(contentsOf: URL(fileURLWithPath: Self.baseLayout)).count
        for length in [96, 1000, size / 2, size - 1] {
            let (folder, path) = try Self.patched { $0.removeSubrange(length...) }
            #expect(throws: HDF5Error.truncated(path: path, declaredBytes: UInt64(size), actualBytes: UInt64(length))) {
                try HDF5Preflight.check(path: path)
            }
            _ = folder
        }
        // Cut inside the superblock itself.
        let (folder, path) = try Self.patched { $0.removeSubrange(50...) }
        let error = #expect(throws: HDF5Error.self) { try HDF5Preflight.check(path: path) }
        #expect(error?.description.contains("the file ends inside its superblock") == true, "\(error!)")
        _ = folder
    }

    @Test(
        "superblock fields outside what we accept are refused by name",
        arguments: [
            (8, 4 as UInt64, 1, "superblock version 4 is not one of 0 … 3"),
            (13, 4, 1, "sizes of offsets and lengths are 4 and 8, not 8 and 8"),
            (24, 512, 8, "base address 512 is not 0"),
            (32, 96, 8, "a free-space address is not accepted"),
            (48, 96, 8, "a driver information block (family, multi or split files) is not accepted"),
            (64, 1 << 40, 8, "the root object header address 1099511627776 lies outside the file"),
        ])
    func superblockFields(_ offset: Int, _ value: UInt64, _ width: Int, _ reason: String) throws {
        let (folder, path) = try Self.patched { bytes in
            for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        let error = #expect(throws: HDF5Error.self) { try HDF5Preflight.check(path: path) }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
        _ = folder
    }

    @Test("a file claiming to be longer than it is, or not HDF5 at all")
    func lengthAndSignature() throws {
        let size = UInt64(try Data(contentsOf: URL(fileURLWithPath: Self.baseLayout)).count)
        let (longer, longerPath) = try Self.patched { Self.store(size + 1, at: 40, in: &$0) }
        #expect(throws: HDF5Error.truncated(path: longerPath, declaredBytes: size + 1, actualBytes: size)) {
            try HDF5Preflight.check(path: longerPath)
        }
        let (other, otherPath) = try Self.patched { $0[1] = UInt8(ascii: "X") }
        #expect(throws: HDF5Error.notHDF5(path: otherPath)) { try HDF5Preflight.check(path: otherPath) }
        _ = (longer, other)
    }

    // MARK: Budgets

    @Test(
        "each budget of HDF5Limits is enforced",
        arguments: [
            (HDF5Limits(maxObjects: 3), "objects in the file exceeds the limit of 3"),
            (HDF5Limits(maxDepth: 0), "depth of nested groups exceeds the limit of 0"),
            (HDF5Limits(maxLinksPerGroup: 5), "links of '/vision' exceeds the limit of 5"),
            (HDF5Limits(maxAttributesPerObject: 5), "attributes of '/' exceeds the limit of 5"),
            // Dense attributes and links are walked in name-index (hash) order.
            (
                HDF5Limits(maxAttributeBytes: 8),
                "the value of attribute 'dropped_tensors' of '/' exceeds the limit of 8"
            ),
            (HDF5Limits(maxDatasetBytes: 16), "the bytes of the dataset of '/vision/w4' exceeds the limit of 16"),
            (HDF5Limits(maxMetadataBytes: 4096), "file structure read of '/' exceeds the limit of 4096"),
        ])
    func budgets(_ limits: HDF5Limits, _ refusal: String) {
        let error = #expect(throws: HDF5Error.self) { try HDF5Preflight.check(path: Self.baseLayout, limits: limits) }
        #expect(error?.description.contains(refusal) == true, "\(error?.description ?? "")")
    }

    @Test("chunks larger than the chunk budget are refused before they are inflated")
    func chunkBudget() {
        let error = #expect(throws: HDF5Error.self) {
            try HDF5Preflight.check(path: Self.baseGolden, limits: HDF5Limits(maxChunkBytes: 100))
        }
        #expect(
            error?.description.contains("the bytes of one chunk of '/inputs/image' exceeds the limit of 100") == true)
    }

    // MARK: Checks after libhdf5 opened the file

    @Test(
        "dataset shapes past Int, the budget or the file are refused when the dataset opens, preflight or not",
        arguments: [
            ("dimensions_overflow.h5", "the bytes of dataset '/text/token_embedding' [4294967296, 4294967297]"),
            ("token_embedding_rows.h5", "the bytes of dataset '/text/token_embedding' [1099511627776, 3]"),
            ("contiguous_past_end.h5", "the data of '/text/token_embedding' (805306368 bytes) lies past the end"),
        ])
    func datasetExtent(_ file: String, _ refusal: String) throws {
        // libhdf5 1.10.8 opens these files without complaint (the table in the fixtures' README).
        let path = Self.adversarial + "/" + file
        let opened = try HDF5File.openSkippingPreflight(path: path, limits: .default)
        let group = try opened.root().group("text")
        let error = #expect(throws: HDF5Error.self) { _ = try group.dataset("token_embedding") }
        #expect(error?.description.contains(refusal) == true, "\(error?.description ?? "")")
    }

    // MARK: The pieces

    @Test("lookup3 gives the published values and the checksums of real files")
    func lookup3() {
        // Bob Jenkins' lookup3.c self-test: hashlittle("", 0, 0) and the "Four score…" string.
        #expect(Lookup3.hash([]) == 0xDEAD_BEEF)
        #expect(Lookup3.hash(Array("Four score and seven years ago".utf8)) == 0x1777_0551)
    }

    /// A zlib stream of one fixed-Huffman block: a zero byte, then `copies` matches of 258 bytes at
    /// distance 1 (13 bits each: RFC 1951 fixed codes 285 and distance 0).
    static func zeroRun(copies: Int, literalFirst: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [0x78, 0x9C], buffer: UInt32 = 0, count = 0
        func bits(_ value: UInt32, _ length: Int) {
            buffer |= value << UInt32(count)
            count += length
            while count >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }
        func code(_ value: UInt32, _ length: Int) {  // Huffman codes go most significant bit first
            for shift in stride(from: length - 1, through: 0, by: -1) { bits((value >> UInt32(shift)) & 1, 1) }
        }
        bits(1, 1)
        bits(1, 2)
        if literalFirst { code(0x30, 8) }
        for _ in 0..<copies {
            code(0xC5, 8)
            code(0, 5)
        }
        code(0, 7)
        if count > 0 { bits(0, 8 - count) }
        return bytes + [0, 0, 0, 0]
    }

    @Test("inflated sizes equal what zlib made the streams from; bombs and broken streams are refused")
    func inflatedSize() throws {
        // zlib.compress(b"stored block: sixteen", 0) and zlib.compress(b"abc" * 9, 9), Python 3.11.
        let stored: [UInt8] = [
            0x78, 0x01, 0x01, 0x15, 0x00, 0xEA, 0xFF, 0x73, 0x74, 0x6F, 0x72, 0x65, 0x64, 0x20, 0x62, 0x6C, 0x6F,
            0x63, 0x6B, 0x3A, 0x20, 0x73, 0x69, 0x78, 0x74, 0x65, 0x65, 0x6E, 0x59, 0x59, 0x08, 0x17,
        ]
        let fixed: [UInt8] = [0x78, 0xDA, 0x4B, 0x4C, 0x4A, 0x4E, 0xC4, 0x81, 0x00, 0x90, 0xBD, 0x0A, 0x57]
        #expect(try InflatedSize.of(zlib: stored[...], limit: 1000) == 21)
        #expect(try InflatedSize.of(zlib: fixed[...], limit: 1000) == 27)
        let bomb = Self.zeroRun(copies: 10_000)
        #expect(try InflatedSize.of(zlib: bomb[...], limit: 10_000_000) == 2_580_001)
        #expect(throws: InflatedSize.Failure.self) { try InflatedSize.of(zlib: bomb[...], limit: 4096) }
        // A match before any byte, a cut stream, and bytes that are not zlib.
        #expect(throws: InflatedSize.Failure.self) {
            try InflatedSize.of(zlib: Self.zeroRun(copies: 1, literalFirst: false)[...], limit: 1000)
        }
        #expect(throws: InflatedSize.Failure.self) { try InflatedSize.of(zlib: fixed.prefix(7), limit: 1000) }
        #expect(throws: InflatedSize.Failure.self) { try InflatedSize.of(zlib: [0x78, 0x00, 0x00][...], limit: 1000) }
    }
}
