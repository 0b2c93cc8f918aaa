import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import HDF5

/// The bridge over libhdf5: datatypes (including the user-defined 16-bit floats), attributes of
/// every kind, row-wise reads and writes, the data offset the converters copy into, and errors
/// that tell a missing file from one that is not HDF5.
@Suite("HDF5 bridge")
struct HDF5BridgeTests {
    static func bytes(_ dtype: DType, count: Int) -> [UInt8] {
        (0..<(count * dtype.itemSize)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    @Test(
        "every element type round-trips its exact bits, f16 and bf16 as 16-bit IEEE layouts", arguments: DType.allCases)
    func elementTypes(_ dtype: DType) throws {
        let folder = TemporaryFolder()
        let path = folder.file("types.h5")
        // Bool is stored as u8: any byte other than 0/1 is not a bool, so write 0/1.
        let payload = dtype == .bool ? (0..<12).map { UInt8($0 % 2) } : Self.bytes(dtype, count: 12)
        do {
            let file = try HDF5File.create(path: path)
            let dataset = try file.root().createDataset("x", dtype: dtype, shape: [3, 4])
            try dataset.write(payload)
            try file.close()
        }
        let data = try HDF5File.open(path: path).root().dataset("x")
        #expect(data.dtype == (dtype == .bool ? .u8 : dtype))
        #expect(data.shape == [3, 4])
        #expect(try data.readBytes() == payload)
        // The widening read: f32 is read straight into floats, the others through their bytes; both
        // must give what the bytes mean.
        if [.f32, .f16, .bf16, .f64].contains(dtype) {
            let widened = try data.readFloats()
            #expect(
                widened.map(\.bitPattern) == TensorBytes.floats(from: payload, dtype: dtype).map(\.bitPattern))
        }
    }

    @Test("attributes of every kind read back as written, in creation order")
    func attributes() throws {
        let folder = TemporaryFolder()
        let path = folder.file("attributes.h5")
        let values: [(String, HDF5AttributeValue)] = [
            ("text", .string("ünïcode ✓")), ("count", .int(-7)), ("big", .int(Int64.max)), ("ratio", .double(0.1)),
            ("ids", .intArray([1, 2, 3])), ("mean", .doubleArray([123.675, 116.28])),
        ]
        do {
            let file = try HDF5File.create(path: path)
            let group = try file.root().createGroup("g")
            for (name, value) in values { try group.setAttribute(name, value) }
            try group.setAttribute("count", .int(8))  // replacing keeps one attribute
            try file.close()
        }
        let group = try HDF5File.open(path: path).root().group("g")
        #expect(try group.attributeNames() == values.map(\.0).filter { $0 != "count" } + ["count"])
        for (name, value) in values where name != "count" { #expect(try group.attribute(name) == value, "\(name)") }
        #expect(try group.intAttribute("count") == 8)
        #expect(throws: HDF5Error.missingAttribute(path: path, object: "/g", attribute: "absent")) {
            _ = try group.attribute("absent")
        }
    }

    @Test("rows written and read in pieces; the early-allocated data lies at fileOffset, contiguous")
    func rowsAndOffsets() throws {
        let folder = TemporaryFolder()
        let path = folder.file("rows.h5")
        let payload = Self.bytes(.f32, count: 10 * 6)
        do {
            let file = try HDF5File.create(path: path)
            let dataset = try file.root().createDataset("m", dtype: .f32, shape: [10, 6])
            try dataset.writeRows(firstRow: 0, rowCount: 4, bytes: Array(payload[0..<96]))
            try dataset.writeRows(firstRow: 4, rowCount: 6, bytes: Array(payload[96...]) + [9, 9])  // longer buffer
            #expect(throws: HDF5Error.self) { try dataset.writeRows(firstRow: 8, rowCount: 3, bytes: payload) }
            let offset = try #require(dataset.fileOffset)
            try file.close()
            let raw = try #require(FileManager.default.contents(atPath: path))
            #expect(Array(raw[offset..<(offset + payload.count)]) == payload)
        }
        let data = try HDF5File.open(path: path).root().dataset("m")
        var buffer: [UInt8] = []
        try data.readRows(firstRow: 3, rowCount: 5, into: &buffer)
        #expect(Array(buffer[0..<120]) == Array(payload[72..<192]))
        #expect(throws: HDF5Error.self) { try data.readRows(firstRow: 9, rowCount: 2, into: &buffer) }
    }

    @Test("children are listed in creation order, and kinds are told apart")
    func children() throws {
        let folder = TemporaryFolder()
        let path = folder.file("tree.h5")
        do {
            let file = try HDF5File.create(path: path)
            let root = try file.root()
            _ = try root.createGroup("zeta")
            _ = try root.createDataset("alpha", dtype: .i64, shape: [])
            _ = try root.createGroup("mid")
            try file.close()
        }
        let root = try HDF5File.open(path: path).root()
        #expect(try root.childNames() == ["zeta", "alpha", "mid"])
        #expect(try root.kind(of: "alpha") == .dataset && root.kind(of: "mid") == .group)
        #expect(throws: HDF5Error.unexpectedObject(path: path, object: "/alpha", expected: "a group")) {
            _ = try root.group("alpha")
        }
    }

    @Test("a missing file, a folder and a non-HDF5 file are told apart before libhdf5 opens them")
    func openErrors() throws {
        let folder = TemporaryFolder()
        let missing = folder.file("missing.h5")
        #expect(throws: HDF5Error.cannotOpen(path: missing, reason: "No such file or directory")) {
            _ = try HDF5File.open(path: missing)
        }
        #expect(throws: HDF5Error.cannotOpen(path: folder.path, reason: "not a regular file")) {
            _ = try HDF5File.open(path: folder.path)
        }
        let text = folder.file("text.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: HDF5Error.notHDF5(path: text)) { _ = try HDF5File.open(path: text) }
        #expect(HDF5Error.cannotOpen(path: missing, reason: "").kind == .inputMissing)
        #expect(HDF5Error.notHDF5(path: text).kind == .inputRefused)
        // Creating never replaces a file.
        #expect(throws: HDF5Error.self) { _ = try HDF5File.create(path: text) }
    }
}
