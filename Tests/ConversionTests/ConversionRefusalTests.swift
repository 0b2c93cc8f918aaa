import Checkpoint
import Foundation
import Layout
import Testing
import ZipArchive
import _TestSupport

@testable import Conversion

/// Bad input and bad destinations: a clear error, and nothing left behind or overwritten.
@Suite("Conversion refusals")
struct ConversionRefusalTests {
    @Test("an existing output is not replaced without overwrite, and is replaced with it")
    func existingOutput() throws {
        let folder = TemporaryFolder()
        let output = folder.file("out.h5")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: output))
        #expect(throws: ConversionError.layout(.outputExists(path: output))) {
            _ = try Converter.convert(
                input: FixturePath.fixture("torch/openai_fp32.pt"), output: output, options: ConversionOptions())
        }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        var options = ConversionOptions()
        options.overwrite = true
        _ = try Converter.convert(input: FixturePath.fixture("torch/openai_fp32.pt"), output: output, options: options)
        _ = try LayoutReader(path: output)
        #expect(folder.contents() == ["out.h5"])
    }

    @Test("the input is never the output, even through another spelling")
    func inputIsOutput() throws {
        let folder = TemporaryFolder()
        // A checkpoint named like an output: the format comes from its bytes, so it would convert.
        let input = try folder.copy(FixturePath.fixture("torch/openai_fp32.pt"), as: "model.h5")
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        var options = ConversionOptions()
        options.overwrite = true
        #expect(throws: ConversionError.layout(.outputIsInput(path: folder.path + "/./model.h5"))) {
            _ = try Converter.convert(input: input, output: folder.path + "/./model.h5", options: options)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        #expect(folder.contents() == ["model.h5"])
    }

    @Test("a tensor whose bytes no longer match its CRC-32 is refused, though it is copied in the kernel")
    func corruptTensorBytes() throws {
        let folder = TemporaryFolder()
        let input = try folder.copy(FixturePath.fixture("torch/openai_fp32.pt"), as: "model.pt")
        let member = try flipByteInStoredTensor(of: input)
        let output = folder.file("out.h5")
        #expect(throws: ConversionError.self) {
            try Converter.convert(input: input, output: output, options: ConversionOptions())
        }
        do {
            _ = try Converter.convert(input: input, output: output, options: ConversionOptions())
        } catch {
            guard case .checkpoint(.zip(.checksumMismatch(_, let entry, _, _))) = error else {
                Issue.record("expected a CRC-32 mismatch, got \(error)")
                return
            }
            #expect(entry == member)
            #expect(error.kind == .inputRefused)
        }
        #expect(folder.contents() == ["model.pt"])
    }

    @Test("an output named for another format is a usage error that names export")
    func outputExtension() throws {
        let folder = TemporaryFolder()
        let output = folder.file("model.safetensors")
        #expect(throws: ConversionError.layout(.outputExtension(path: output))) {
            _ = try Converter.convert(
                input: FixturePath.fixture("torch/openai_fp32.pt"), output: output, options: ConversionOptions())
        }
        #expect(LayoutError.outputExtension(path: output).kind == .usage)
        #expect(LayoutError.outputExtension(path: output).description.contains("ldvc-convert export"))
        #expect(folder.contents().isEmpty)
    }

    @Test(
        "bad inputs leave no output and no temporary file",
        arguments: [
            "empty.pt", "text.pt", "truncated.pt", "corrupt_zip.pt", "malicious_reduce.pt", "unknown_global.pt",
            "storage_too_small.pt", "view_out_of_bounds.pt", "absurd_sizes.pt", "missing_record.pt",
            "legacy_truncated.pt",
            "bad_safetensors.safetensors", "safetensors_offsets.safetensors",
        ])
    func nothingLeftBehind(_ name: String) throws {
        let folder = TemporaryFolder()
        #expect(throws: ConversionError.self) {
            _ = try Converter.convert(
                input: FixturePath.fixture("adversarial/\(name)"), output: folder.file("out.h5"),
                options: ConversionOptions())
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("a checkpoint missing a CLIP tensor is refused before writing, naming the source key")
    func missingTensor() throws {
        let folder = TemporaryFolder()
        let input = folder.file("partial.safetensors")
        try SafetensorsFile.copy(
            FixturePath.fixture("hf/model.safetensors"), to: input, dropping: "vision_model.post_layernorm.bias")
        do {
            _ = try Converter.convert(input: input, output: folder.file("out.h5"), options: ConversionOptions())
            Issue.record("converted a checkpoint without vision_model.post_layernorm.bias")
        } catch {
            #expect("\(error)".contains("vision_model.post_layernorm.bias"))
        }
        #expect(folder.contents() == ["partial.safetensors"])
    }

    @Test("unknown tensors are reported, and refused with strict")
    func unknownTensors() throws {
        let folder = TemporaryFolder()
        let input = folder.file("extra.safetensors")
        try SafetensorsFile.copy(
            FixturePath.fixture("hf/model.safetensors"), to: input, renaming: ("logit_scale", "decoder.extra"))
        let warnings = Warnings()
        let reporter = Reporter(diagnostic: { warnings.append($0) })
        _ = try Converter.convert(
            input: input, output: folder.file("out.h5"), options: ConversionOptions(), reporter: reporter)
        #expect(warnings.messages.contains { $0.contains("decoder.extra") })
        let layout = try LayoutReader(path: folder.file("out.h5"))
        #expect(layout.metadata.droppedTensors.contains { $0.name == "decoder.extra" })
        var strict = ConversionOptions()
        strict.strict = true
        #expect(throws: ConversionError.unmappedTensors(path: input, names: ["decoder.extra"])) {
            _ = try Converter.convert(input: input, output: folder.file("strict.h5"), options: strict)
        }
    }
}

final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ diagnostic: Diagnostic) { lock.withLock { stored.append(diagnostic.message) } }
    var messages: [String] { lock.withLock { stored } }
}

/// Rewrites a safetensors file with one tensor dropped or renamed (test inputs for refusals).
enum SafetensorsFile {
    static func copy(
        _ source: String, to destination: String, dropping: String? = nil, renaming: (String, String)? = nil
    ) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        if let dropping { header.removeValue(forKey: dropping) }
        if let (old, new) = renaming { header[new] = header.removeValue(forKey: old) }
        let json = try JSONSerialization.data(withJSONObject: header)
        var output = Data((0..<8).map { UInt8((json.count >> (8 * $0)) & 0xFF) })
        output += json
        output += data.subdata(in: (8 + headerLength)..<data.count)
        try output.write(to: URL(fileURLWithPath: destination))
    }
}
