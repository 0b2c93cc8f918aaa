import Foundation
import Testing
import ZipArchive
import _TestSupport

@testable import Checkpoint

/// Each budget of `ReaderLimits`: the defaults pass every real checkpoint of the fixtures, and a
/// budget set below what a file needs refuses it with `limitExceeded` naming that budget.
@Suite("Reader limits")
struct ReaderLimitsTests {
    static let checkpoints = [
        "torch/openai_fp32.pt", "torch/openai_jit.pt", "torch/openai_legacy.pt", "torch/openai_wrapped.pth",
        "torch/openai_views.pt", "torch/openai_protocol4.pt", "hf/model.safetensors", "hf/pytorch_model.bin",
        "onnx/openai/openai_visual.onnx", "onnx/hf/hf_clip.onnx", "prompts/zegclip_mmseg.pth",
        "runtime/checkpoints/ldvc_tiny.pth",
    ]

    @Test("the defaults open every fixture checkpoint", arguments: checkpoints)
    func defaultsPass(_ name: String) throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture(name))
        #expect(!reader.records.isEmpty)
    }

    func limitName(_ name: String, _ change: (inout ReaderLimits) -> Void) -> String? {
        var limits = ReaderLimits.default
        change(&limits)
        do {
            _ = try CheckpointOpener.open(path: FixturePath.fixture(name), limits: limits)
            return nil
        } catch {
            if case .limitExceeded(_, let limit, _, _) = error { return limit }
            Issue.record("\(error)")
            return nil
        }
    }

    @Test("pickle operations")
    func operations() {
        #expect(limitName("torch/openai_fp32.pt") { $0.maxPickleOperations = 1_000 } == "pickle operations")
    }

    @Test("container items")
    func containerItems() {
        #expect(limitName("torch/openai_jit.pt") { $0.maxContainerItems = 100 } == "pickle container items")
    }

    @Test("bytes of unpickled values")
    func valueBytes() {
        #expect(limitName("prompts/zegclip_mmseg.pth") { $0.maxValueBytes = 4_096 } == "bytes of unpickled values")
    }

    @Test("JSON nesting depth (safetensors header) and entries")
    func json() {
        #expect(
            limitName("hf/model.safetensors") { $0.maxTextNestingDepth = 1 } == "safetensors header nesting depth")
        #expect(limitName("hf/model.safetensors") { $0.maxTensorCount = 3 } == "safetensors header entries")
    }

    @Test("tensor count")
    func tensorCount() { #expect(limitName("torch/openai_fp32.pt") { $0.maxTensorCount = 3 } == "tensor count") }

    @Test("pickle size, stack depth, MARK nesting, memo")
    func pickleShape() {
        #expect(limitName("torch/openai_fp32.pt") { $0.maxPickleBytes = 100 } == "data.pkl size")
        #expect(limitName("torch/openai_fp32.pt") { $0.maxStackDepth = 3 } == "pickle stack depth")
        #expect(limitName("torch/openai_fp32.pt") { $0.maxMarkDepth = 1 } == "pickle MARK nesting")
        #expect(limitName("torch/openai_fp32.pt") { $0.maxMemoEntries = 10 } == "pickle memo size")
    }

    @Test("the largest unchecked allocation does not change what a pickle reads as")
    func uncheckedAllocation() throws {
        var limits = ReaderLimits.default
        limits.maxUncheckedAllocation = 64  // data.pkl is read in growing pieces
        let small = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp32.pt"), limits: limits)
        let normal = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp32.pt"))
        #expect(small.records == normal.records)
    }

    @Test("a deflated storage larger than the unchecked allocation is read in growing pieces, and a short one refused")
    func deflatedStorageInPieces() throws {
        var pickle = PickleBuilder()
        pickle.emptyDict()
        pickle.string("w")
        pickle.tensor(
            type: "ByteStorage", key: "0", storageElements: 300_000, offset: 0, shape: [300_000], strides: [1])
        pickle.setItem()
        pickle.stop()
        var limits = ReaderLimits.default
        limits.maxUncheckedAllocation = 4_096
        let folder = FileManager.default.temporaryDirectory.path
        for (claimed, actual) in [(300_000, 300_000), (300_000, 200_000)] {
            var builder = ZipBuilder.torchArchive(pickle: pickle.bytes)
            builder.add(
                .init(
                    name: "archive/data/0", data: ZipBuilder.deflatedZeros(count: actual), deflatedSize: claimed,
                    crc32: ZipArchive.crc32([UInt8](repeating: 0, count: actual))))
            let path = folder + "/ldvc-pieces-\(actual)-\(getpid()).pt"
            try builder.write(to: path)
            let reader = try CheckpointOpener.open(path: path, limits: limits)
            let record = try #require(reader.records.first)
            if claimed == actual {
                #expect(try reader.read(record).contiguousBytes == [UInt8](repeating: 0, count: claimed))
            } else {
                #expect(throws: CheckpointError.self) { _ = try reader.read(record) }
            }
        }
    }
}
