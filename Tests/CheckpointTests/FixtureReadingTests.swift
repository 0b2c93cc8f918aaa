import TensorCore
import Testing
import _TestSupport

@testable import Checkpoint

/// Every committed checkpoint read by our readers equals what `torch.load` / safetensors gave the
/// fixture script (the `source/` group of its reference dump), tensor by tensor, bit for bit.
@Suite("Reading the fixture checkpoints")
struct FixtureReadingTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        let reference: String
        let format: CheckpointFormat
        let wrapper: String
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "torch/openai_fp32.pt", reference: "openai_fp32", format: .torchZip, wrapper: ""),
        Case(file: "torch/openai_fp16.pt", reference: "openai_fp16", format: .torchZip, wrapper: ""),
        Case(file: "torch/openai_bf16.pt", reference: "openai_bf16", format: .torchZip, wrapper: ""),
        Case(file: "torch/openai_jit.pt", reference: "openai_jit", format: .torchScript, wrapper: ""),
        Case(file: "torch/openai_legacy.pt", reference: "openai_legacy", format: .torchLegacy, wrapper: ""),
        Case(file: "torch/openai_wrapped.pth", reference: "openai_wrapped", format: .torchZip, wrapper: "state_dict"),
        Case(file: "torch/openai_views.pt", reference: "openai_views", format: .torchZip, wrapper: ""),
        Case(file: "torch/openai_protocol4.pt", reference: "openai_protocol4", format: .torchZip, wrapper: ""),
        Case(file: "torch/open_clip/open_clip_model.pt", reference: "open_clip_model", format: .torchZip, wrapper: ""),
        Case(file: "hf/model.safetensors", reference: "hf_safetensors", format: .safetensors, wrapper: ""),
        Case(file: "hf/pytorch_model.bin", reference: "hf_bin", format: .torchZip, wrapper: ""),
    ]

    @Test("tensors equal the reference dump bit for bit", arguments: cases)
    func tensorsMatch(_ testCase: Case) throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture(testCase.file))
        let dump = try ReferenceDump(testCase.reference)
        #expect(reader.format == testCase.format)
        #expect(reader.wrapperKey == testCase.wrapper)
        let expectedNames = try dump.sourceNames()
        let names = reader.records.map(\.name)
        // The wrapped checkpoint's names lost their `module.` prefix; the dump stores them without it too
        // only if the script did; compare as sets after that normalisation.
        #expect(Set(names) == Set(expectedNames.map { $0.hasPrefix("module.") ? String($0.dropFirst(7)) : $0 }))
        for record in reader.records {
            let dumpName = expectedNames.contains(record.name) ? record.name : "module." + record.name
            let expected = try dump.source(dumpName)
            let actual = try reader.read(record)
            #expect(actual.dtype == expected.dtype, "\(record.name)")
            #expect(actual.shape == expected.shape, "\(record.name)")
            #expect(actual.contiguousBytes == expected.contiguousBytes, "\(record.name)")
        }
    }

    @Test("shared storages are reported as tied")
    func tiedTensors() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_views.pt"))
        let groups = reader.tiedGroups
        #expect(groups.contains { Set($0) == Set(["visual.ln_post.bias", "ln_final.bias"]) })
        // Views with strides and offsets were recognised as such, not read as packed.
        let projection = try #require(reader.records.first { $0.name == "visual.proj" })
        #expect(!projection.isRowMajorPacked)
        #expect(reader.records.contains { $0.storageOffset > 0 })
    }

    @Test("the DDP prefix is removed and wrapper entries are reported")
    func wrappedCheckpoint() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_wrapped.pth"))
        #expect(reader.records.allSatisfy { !$0.name.hasPrefix("module.") })
        #expect(reader.notes.contains { $0.contains("module.") })
        #expect(reader.notes.contains { $0.contains("meta") && $0.contains("optimizer") })
    }

    @Test("storage records are streamed in row pieces that add up to the tensor")
    func streaming() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp32.pt"))
        let record = try #require(reader.records.first { $0.name == "token_embedding.weight" })
        var bytes: [UInt8] = []
        var pieces = 0
        try reader.streamRows(record, chunkBytes: 10_000) { firstRow, rowCount, piece in
            #expect(firstRow * record.shape[1] * 4 == bytes.count)
            #expect(piece.count == rowCount * record.shape[1] * 4)
            bytes += piece
            pieces += 1
        }
        #expect(pieces > 1)
        #expect(bytes == (try reader.read(record)).contiguousBytes)
    }
}
