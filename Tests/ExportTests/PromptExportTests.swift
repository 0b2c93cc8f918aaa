import Foundation
import HDF5
import Layout
import TensorCore
import Testing
import ZipArchive
import _TestSupport

@testable import Checkpoint
@testable import Conversion
@testable import Export

@Suite("Exporting prompts to .pt, .safetensors, .h5 and .npz")
struct PromptExportTests {
    /// The prompt tensors of an imported LDVC checkpoint, by MMSeg key.
    static func importedPrompts(_ folder: TemporaryFolder) throws -> (path: String, prompts: [String: Tensor]) {
        let path = folder.file("ldvc.h5")
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture("prompts/ldvc_mmseg.pth"), output: path, options: ConversionOptions())
        let prompts = try ExportRoundTripTests.tensors(FixturePath.fixture("prompts/ldvc_mmseg.pth")).filter {
            $0.key.contains("prompt")
        }
        #expect(prompts.count == 7)
        return (path, prompts)
    }

    /// Parses an `.npz` with the zip reader and the NPY 1.0 header.
    static func npz(_ path: String) throws -> [String: Tensor] {
        let archive = try ZipArchive(path: path)
        var result: [String: Tensor] = [:]
        for entry in archive.entries {
            let bytes = try archive.read(entry)
            #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
            let length = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + length) % 64 == 0)
            let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
            #expect(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"))
            let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
            let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            result[String(entry.name.dropLast(4))] = try Tensor(
                dtype: .f32, shape: shape, bytes: Array(bytes[(10 + length)...]))
        }
        return result
    }

    @Test(
        "every container reads back to the checkpoint's prompt tensors, bit for bit",
        arguments: ["pt", "safetensors", "h5", "npz"])
    func containers(_ suffix: String) throws {
        let folder = TemporaryFolder("ldvc-export")
        let (model, expected) = try Self.importedPrompts(folder)
        let output = folder.file("prompts.\(suffix)")
        let report = try Exporter.exportPrompts(input: model, output: output, overwrite: false)
        #expect(Set(report.keys) == Set(expected.keys))
        let actual: [String: Tensor]
        switch suffix {
        case "h5":
            let root = try HDF5File.open(path: output).root()
            actual = Dictionary(
                uniqueKeysWithValues: try root.childNames().map { ($0, try root.dataset($0).readTensor()) })
        case "npz":
            actual = try Self.npz(output)
        default:
            actual = try ExportRoundTripTests.tensors(output)
        }
        ExportRoundTripTests.expectSame(actual, expected, suffix)
    }

    @Test("canonical names on request")
    func canonicalNames() throws {
        let folder = TemporaryFolder("ldvc-export")
        let (model, _) = try Self.importedPrompts(folder)
        let report = try Exporter.exportPrompts(
            input: model, output: folder.file("p.safetensors"), naming: .canonical, overwrite: false)
        #expect(report.keys.first == "prompts.vision.embeddings" && report.keys.contains("prompts.text.embeddings"))
    }

    @Test("refusals leave nothing behind")
    func refusals() throws {
        let folder = TemporaryFolder("ldvc-export")
        let plain = folder.file("plain.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_bf16.pt"), output: plain, options: ConversionOptions())
        #expect { try Exporter.exportPrompts(input: plain, output: folder.file("p.pt"), overwrite: false) } throws: {
            error in
            "\(error)" == "\(plain): nothing to export: the model has no prompts (/prompts)"
        }
        #expect {
            try Exporter.exportModel(
                input: plain, output: folder.file("m.npz"), naming: ExportNaming(.openAI), overwrite: false)
        } throws: { error in
            "\(error)".contains("bfloat16, which numpy has no type for; pass --dtype f32")
        }
        #expect {
            try Exporter.exportModel(
                input: plain, output: folder.file("m.onnx"), naming: ExportNaming(.openAI), overwrite: false)
        } throws: { error in
            "\(error)".contains("cannot tell the format from the extension")
        }
        #expect {
            try Exporter.exportPrompts(
                input: plain, output: folder.file("p.pt"), naming: ExportNaming(.huggingFace), overwrite: false)
        } throws: { error in
            "\(error)".contains("no names for prompts")
        }
        #expect(folder.contents() == ["plain.h5"])
        _ = try Exporter.exportModel(
            input: plain, output: folder.file("m.npz"), naming: ExportNaming(.openAI), dtype: .f32, overwrite: false)
        #expect(throws: ExportError.layout(.outputExists(path: folder.file("m.npz")))) {
            try Exporter.exportModel(
                input: plain, output: folder.file("m.npz"), naming: ExportNaming(.openAI), dtype: .f32, overwrite: false
            )
        }
    }

    @Test(
        "the pickle is protocol 2 and uses only the opcodes torch's weights-only unpickler accepts (a state dict, and a training checkpoint with meta)"
    )
    func pickleOpcodes() throws {
        let items: [(key: String, dtype: DType, shape: [Int])] = [
            ("a", .f16, [2, 3]), ("b", .i64, []), ("c", .bf16, [70_000]),
        ]
        let meta = PickleWriter.Literal.dict([
            ("config", .string("model = dict()")), ("CLASSES", .tuple([.string("cat"), .string("sky")])),
            ("PALETTE", .list([.list([.int(1), .int(2), .int(300)]), .list([.int(4), .int(5), .int(6)])])),
            ("ratio", .double(0.1)),
        ])
        for program in [PickleWriter.stateDict(items), PickleWriter.checkpoint(meta: meta, stateDict: items)] {
            #expect(Array(program.prefix(2)) == [0x80, 2] && program.last == 0x2E)
            // Walk the opcodes with their operand sizes; anything unknown fails. EMPTY_DICT, EMPTY_LIST,
            // APPENDS and BINFLOAT (8 bytes) are in torch/_weights_only_unpickler.py's list too.
            let accepted: [UInt8: Int] = [
                0x28: 0, 0x2E: 0, 0x4A: 4, 0x4B: 1, 0x4D: 2, 0x51: 0, 0x52: 0, 0x29: 0, 0x74: 0, 0x75: 0,
                0x71: 1, 0x72: 4, 0x89: 0, 0x80: 1, 0x7D: 0, 0x5D: 0, 0x65: 0, 0x47: 8,
            ]
            var index = 0
            while index < program.count {
                let opcode = program[index]
                index += 1
                switch opcode {
                case 0x58:  // BINUNICODE
                    let length =
                        Int(program[index]) | Int(program[index + 1]) << 8 | Int(program[index + 2]) << 16 | Int(
                            program[index + 3]) << 24
                    index += 4 + length
                case 0x63:  // GLOBAL: two newline-terminated lines
                    for _ in 0..<2 { while program[index] != 0x0A { index += 1 }; index += 1 }
                case 0x8A:  // LONG1
                    index += 1 + Int(program[index])
                default:
                    guard let size = accepted[opcode] else {
                        Issue.record("opcode 0x\(String(opcode, radix: 16)) at \(index - 1)")
                        return
                    }
                    index += size
                }
            }
        }
    }
}
