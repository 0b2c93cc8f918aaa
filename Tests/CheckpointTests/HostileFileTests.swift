import Foundation
import Pickle
import Testing
import ZipArchive
import _TestSupport

@testable import Checkpoint

#if canImport(Glibc)
import Glibc
#endif

/// Files that made an earlier build trap, crash, hang, blow up memory or accept corrupt data (found
/// by fuzzing). Each is refused with a one-line error naming the file and the specific case, within
/// bounded time and memory. Small ones are committed (`Fixtures/scripts/make_adversarial.py`);
/// large ones are made here from the fixtures.
@Suite("Hostile files", .serialized)
struct HostileFileTests {
    /// Opens `path` and returns the refusal, after checking it is one line naming the file and that
    /// the work stayed within `seconds` and `megabytes` of peak resident memory.
    func refusal(
        _ path: String, seconds: Double = 20, megabytes: Int = 512, sourceLocation: SourceLocation = #_sourceLocation
    ) -> CheckpointError? {
        let (result, probe) = ResourceProbe.measure { () -> CheckpointError? in
            let opened = Result { () throws(CheckpointError) in try CheckpointOpener.open(path: path) }
            if case .failure(let error) = opened { return error }
            return nil
        }
        #expect(
            probe.seconds < seconds * ResourceProbe.timeScale, "took \(probe.seconds) s",
            sourceLocation: sourceLocation)
        #expect(
            probe.peakResidentBytes < (megabytes * ResourceProbe.memoryScale) << 20,
            "peak RSS \(probe.peakResidentBytes >> 20) MB",
            sourceLocation: sourceLocation)
        guard let error = result else {
            Issue.record("\(path) was accepted", sourceLocation: sourceLocation)
            return nil
        }
        let message = error.description
        #expect(message.hasPrefix(path + ": "), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("\n") && !message.contains("\r"), sourceLocation: sourceLocation)
        #expect(message.count < 2_000, "message of \(message.count) characters", sourceLocation: sourceLocation)
        return error
    }

    func fixture(_ name: String) -> String { FixturePath.fixture("adversarial/\(name)") }

    func scratch(_ name: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ldvc-hostile-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    // MARK: - Traps

    @Test("a fake ZIP64 locator in the zip comment (offset 2^64-1) is ignored, not converted to Int")
    func fakeZip64Locator() throws {
        // libzip reads the real directory; only the kernel-copy offsets are lost, never a trap.
        let reader = try CheckpointOpener.open(path: fixture("zip_fake_zip64_locator.pt"))
        #expect(reader.records.map(\.name) == ["w"])
        #expect(try reader.read(reader.records[0]).floats() == [1, 2, 3, 4])
    }

    @Test("a zip comment pointing at a central directory at offset 2^63 + 5 gives no offsets, no trap")
    func hugeDirectoryOffset() throws {
        let reader = try CheckpointOpener.open(path: fixture("zip_huge_directory_offset.pt"))
        #expect(reader.fileOffset(of: reader.records[0].storage) == nil)
        #expect(try reader.read(reader.records[0]).floats() == [1, 2, 3, 4])
    }

    @Test("a zip member whose size is 2^63 is refused as implausible")
    func memberSize2To63() {
        guard case .zip(.implausibleSize(_, let entry, let size, _))? = refusal(fixture("zip_member_size_2_63.pt"))
        else { Issue.record("not refused as an implausible size"); return }
        #expect(entry == "archive/data.pkl" && size == 1 << 63)
    }

    @Test("a tensor at storage offset Int.max is refused (one element, and none)")
    func storageOffsetIntMax() {
        guard case .badTensor(_, "w", _)? = refusal(fixture("pickle_offset_int_max.pt")) else {
            Issue.record("not refused as a bad tensor"); return
        }
        guard case .viewOutOfBounds(_, "w", _)? = refusal(fixture("pickle_offset_int_max_empty.pt")) else {
            Issue.record("not refused as a view out of bounds"); return
        }
    }

    // MARK: - Hangs and quadratic work

    @Test("100,000 APPENDs to one list run in linear time")
    func hundredThousandAppends() throws {
        var pickle = PickleBuilder()
        pickle.emptyDict()
        pickle.string("x")
        pickle.emptyList()
        for _ in 0..<100_000 {
            pickle.none()
            pickle.append()
        }
        pickle.setItem()
        pickle.string("w")
        pickle.tensor(type: "FloatStorage", key: "0", storageElements: 4, offset: 0, shape: [4], strides: [1])
        pickle.setItem()
        pickle.stop()
        let path = scratch("appends.pt")
        try ZipBuilder.torchArchive(pickle: pickle.bytes, storages: [("0", [UInt8](repeating: 0, count: 16))])
            .write(to: path)
        let (reader, probe) = try ResourceProbe.measure { try CheckpointOpener.open(path: path) }
        #expect(reader.records.map(\.name) == ["w"])
        #expect(reader.notes.contains { $0.contains("ignored non-tensor entries: x") })
        #expect(probe.seconds < 10 * ResourceProbe.timeScale, "took \(probe.seconds) s")
    }

    @Test("100,000 ADDITEMS of one item each run in linear time")
    func hundredThousandAddItems() throws {
        var pickle = PickleBuilder(protocol: 4)
        pickle.op(.emptySet)
        for _ in 0..<100_000 {
            pickle.mark()
            pickle.none()
            pickle.op(.addItems)
        }
        pickle.stop()
        let machine = PickleMachine(
            input: PickleInput(bytes: pickle.bytes, path: "additems", member: "data.pkl"), context: .torchSave,
            limits: .default
        ) { _, _, offset throws(CheckpointError) in
            throw .malformedPickle(path: "additems", member: "data.pkl", offset: offset, reason: "no storages")
        }
        let (root, probe) = try ResourceProbe.measure { try machine.run() }
        guard case .set(let members)? = machine.arena.node(root) else { Issue.record("not a set"); return }
        #expect(members.count == 100_000)
        #expect(probe.seconds < 10 * ResourceProbe.timeScale, "took \(probe.seconds) s")
    }

    @Test("ONNX external data whose location is a FIFO is refused at once, not waited on")
    func externalDataFIFO() throws {
        let folder = scratch("fifo-model")
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = folder + "/openai_visual_external.onnx"
        try FileManager.default.copyItem(
            atPath: FixturePath.fixture("onnx/openai/openai_visual_external.onnx"), toPath: model)
        #expect(mkfifo(folder + "/openai_visual_external.data", 0o600) == 0)
        guard case .externalData(_, _, let reason)? = refusal(model, seconds: 10) else {
            Issue.record("not refused as external data"); return
        }
        #expect(reason.contains("not a regular file"))
    }

    @Test("a FIFO given as the checkpoint itself is refused at once")
    func checkpointFIFO() throws {
        let path = scratch("fifo.pt")
        try? FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(refusal(path, seconds: 10) == .unreadable(path: path, reason: "not a regular file"))
    }

    @Test("a 1 GiB deflated member is inflated once, in order, and its CRC-32 checked")
    func deflatedGibibyte() throws {
        let size = 1 << 30
        var pickle = PickleBuilder()
        pickle.emptyDict()
        pickle.string("w")
        pickle.tensor(
            type: "FloatStorage", key: "0", storageElements: Int32(size / 4), offset: 0, shape: [Int32(size / 4)],
            strides: [1])
        pickle.setItem()
        pickle.stop()
        var builder = ZipBuilder.torchArchive(pickle: pickle.bytes)
        var crc: UInt32 = 0
        let megabyte = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<(size >> 20) { crc = ZipArchive.crc32(megabyte, continuing: crc) }
        builder.add(
            .init(name: "archive/data/0", data: ZipBuilder.deflatedZeros(count: size), deflatedSize: size, crc32: crc))
        let path = scratch("deflated.pt")
        try builder.write(to: path)
        let reader = try CheckpointOpener.open(path: path)
        let record = try #require(reader.records.first)
        #expect(reader.fileOffset(of: record.storage) == nil)
        let (total, probe) = try ResourceProbe.measure { () throws -> Int in
            var total = 0
            let zeroChunk = ZipArchive.crc32(megabyte)
            try reader.streamRows(record, chunkBytes: 1 << 20) { _, _, bytes in
                if ZipArchive.crc32(bytes) != zeroChunk { Issue.record("chunk at \(total) is not zeros") }
                total += bytes.count
            }
            return total
        }
        #expect(total == size)
        #expect(probe.seconds < 60 * ResourceProbe.timeScale, "took \(probe.seconds) s")
        try reader.verifyChecksum(of: record.storage)  // already checked by the read: no second pass
    }

    // MARK: - Memory

    @Test("a pickle reusing its memo to build lists of 250,000 items over and over stops at the item budget")
    func memoReuse() throws {
        var pickle = PickleBuilder()
        pickle.emptyDict()
        pickle.string("x")
        pickle.string("memoised")
        pickle.binPut(0)
        pickle.op(.pop)
        var list = PickleBuilder(protocol: 0)
        list.mark()
        for _ in 0..<250_000 { list.binGet(0) }
        list.op(.list)
        list.op(.pop)
        for _ in 0..<128 { pickle.raw(list.bytes) }
        pickle.none()
        pickle.setItem()
        pickle.stop()
        #expect(pickle.bytes.count > 64_000_000)
        let path = scratch("memo.pt")
        try ZipBuilder.torchArchive(pickle: pickle.bytes).write(to: path)
        guard case .limitExceeded(_, let limit, _, let maximum)? = refusal(path, megabytes: 768) else {
            Issue.record("not refused by a limit"); return
        }
        #expect(limit == "pickle container items" && maximum == ReaderLimits.default.maxContainerItems)
    }

    @Test("a stride-0 view of one float expanded to 2 GiB is refused by the expanded-view budget")
    func strideZeroExpansion() {
        guard case .limitExceeded(_, _, let value, let maximum)? = refusal(fixture("stride0_expand.pt")) else {
            Issue.record("not refused by a limit"); return
        }
        #expect(value == 1 << 31 && maximum == ReaderLimits.default.maxExpandedViewBytes)
    }

    @Test("an expanded view within the budget is materialised element by element")
    func strideZeroWithinBudget() throws {
        var pickle = PickleBuilder()
        pickle.emptyDict()
        pickle.string("w")
        pickle.tensor(type: "FloatStorage", key: "0", storageElements: 2, offset: 0, shape: [3, 2], strides: [0, 1])
        pickle.setItem()
        pickle.stop()
        let path = scratch("expand.pt")
        try ZipBuilder.torchArchive(pickle: pickle.bytes, storages: [("0", [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])])
            .write(to: path)
        let reader = try CheckpointOpener.open(path: path)
        #expect(try reader.read(reader.records[0]).floats() == [1, 2, 1, 2, 1, 2])
    }

    @Test("300,000 safetensors entries are refused before the header is decoded")
    func safetensorsEntries() throws {
        var header = "{"
        for index in 0..<300_000 {
            header += "\"t\(index)\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
        }
        header.removeLast()
        header += "}"
        var bytes = Array(header.utf8)
        bytes += [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8)
        var file: [UInt8] = []
        for index in 0..<8 { file.append(UInt8(truncatingIfNeeded: bytes.count >> (8 * index))) }
        let path = scratch("entries.safetensors")
        try Data(file + bytes).write(to: URL(fileURLWithPath: path))
        guard case .limitExceeded(_, let limit, let value, _)? = refusal(path, megabytes: 256) else {
            Issue.record("not refused by a limit"); return
        }
        #expect(limit == "safetensors header entries" && value == 300_000)
    }

    @Test("a safetensors header nested 100,000 deep is refused by depth, not by the stack")
    func safetensorsDepth() throws {
        let header = Array(
            ("{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        var file: [UInt8] = []
        for index in 0..<8 { file.append(UInt8(truncatingIfNeeded: header.count >> (8 * index))) }
        let path = scratch("deep.safetensors")
        try Data(file + header).write(to: URL(fileURLWithPath: path))
        guard case .limitExceeded(_, "safetensors header nesting depth", 100_001, _)? = refusal(path) else {
            Issue.record("not refused by depth"); return
        }
    }

    @Test("a fractional shape in a safetensors header is refused, not truncated to an integer")
    func safetensorsFraction() {
        guard case .malformedSafetensors(_, let reason)? = refusal(fixture("safetensors_fractional_shape.safetensors"))
        else { Issue.record("not refused as malformed"); return }
        #expect(reason.contains("integer"))
    }

    // MARK: - Silently wrong

    @Test("a data.pkl whose CRC-32 does not match is refused")
    func pickleChecksum() {
        guard
            case .zip(.checksumMismatch(_, "archive/data.pkl", let expected, let actual))? = refusal(
                fixture("crc_mismatch_pickle.pt"))
        else { Issue.record("not refused as a checksum mismatch"); return }
        #expect(expected == actual ^ 1)
    }

    @Test("a tensor member whose CRC-32 does not match is refused when read, and by verifyChecksum")
    func tensorChecksum() throws {
        let reader = try CheckpointOpener.open(path: fixture("crc_mismatch_tensor.pt"))
        let record = try #require(reader.records.first)
        #expect(reader.fileOffset(of: record.storage) != nil)
        #expect { try reader.verifyChecksum(of: record.storage) } throws: { error in
            guard case .zip(.checksumMismatch(_, "archive/data/0", _, _)) = error as? CheckpointError else {
                return false
            }
            return true
        }
        #expect { try reader.read(record) } throws: { error in
            guard case .zip(.checksumMismatch) = error as? CheckpointError else { return false }
            return (error as? CheckpointError)?.description.contains("is corrupt") == true
        }
    }

    @Test("a good member's checksum verifies, and a later read at any offset seeks")
    func goodChecksum() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp32.pt"))
        for record in reader.records.prefix(5) { try reader.verifyChecksum(of: record.storage) }
        let record = reader.records[0]
        let tail = try reader.readStorage(record.storage, byteOffset: record.storage.byteCount - 4, count: 4)
        #expect(tail.count == 4)
    }

    // MARK: - Terminal injection and huge messages

    @Test("a tensor name with ESC, BEL and CR/LF is escaped in the error")
    func escapedTensorName() {
        guard let error = refusal(fixture("escape_tensor_name.pt")), case .storageTooSmall(_, let tensor, _, _) = error
        else { Issue.record("not refused as storage too small"); return }
        #expect(tensor.contains("\u{1B}"))
        #expect(!error.description.contains("\u{1B}") && !error.description.contains("\u{7}"))
        #expect(error.description.contains("w\\u{1b}[31m\\u{1b}]0;pwned\\u{7}\\u{d}\\u{a}fake: ok"))
    }

    @Test("a 64 KB global name gives a short, escaped refusal")
    func longGlobalName() {
        guard let error = refusal(fixture("long_global_name.pt")),
            case .disallowedGlobal(_, "os", let name, _) = error
        else { Issue.record("not refused as a global"); return }
        #expect(name.count == 65_540)
        #expect(error.description.count < 500)
        #expect(error.description.contains("\\u{1b}[2JAAAA") && error.description.contains("…"))
    }

    @Test("an ONNX initializer name with escapes is escaped in the duplicate-name error")
    func escapedONNXName() {
        guard let error = refusal(FixturePath.fixture("onnx/adversarial/escape_name.onnx")),
            case .duplicateName = error
        else { Issue.record("not refused as a duplicate"); return }
        #expect(error.description.contains("'w\\u{1b}[31m\\u{d}\\u{a}fake'"))
    }
}
