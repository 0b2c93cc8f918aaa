import Foundation
import Testing
import ZipArchive
import _TestSupport

@testable import Checkpoint
@testable import Conversion

/// A config text nested 200,000 deep once overflowed the stack twice: in the recursive parser, and
/// when the parsed value (an indirect enum) was released. The lexer now refuses text nested deeper
/// than `ReaderLimits.maxTextNestingDepth` before the parser runs.
@Suite("Config text nesting")
struct ConfigTextDepthTests {
    func nested(_ depth: Int, _ open: String = "[", _ close: String = "]") -> String {
        "x = " + String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth) + "\n"
    }

    @Test("the deepest allowed nesting parses and is released; one more level is refused with its line")
    func boundary() throws {
        let depth = ReaderLimits.default.maxTextNestingDepth
        do {
            let config = try ConfigText(parsing: nested(depth))
            var value = config.value(at: "x")
            var levels = 0
            while case .list(let items)? = value, let first = items.first {
                value = first
                levels += 1
            }
            #expect(levels == depth && value == .int(1))
        }  // released here
        #expect(throws: ConfigTextError(.nestedTooDeep, line: 1, reason: "brackets nest deeper than \(depth) levels")) {
            try ConfigText(parsing: nested(depth + 1))
        }
        #expect(throws: ConfigTextError.self) { try ConfigText(parsing: nested(depth + 1, "dict(a=", ")")) }
        #expect(throws: ConfigTextError.self) { try ConfigText(parsing: nested(depth + 1, "{'a': ", "}")) }
    }

    @Test("the ZegCLIP checkpoint with meta.config nested 200,000 deep: metadata reads, the config is refused")
    func zegclipDeepConfig() throws {
        let source = try ZipArchive(path: FixturePath.fixture("prompts/zegclip_mmseg.pth"))
        let original = try CheckpointOpener.metadata(path: source.path)
        let oldText = Array(try #require(original.config).utf8)
        let newText = Array(
            ("x = " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)
        var builder = ZipBuilder()
        for entry in source.entries {
            var data = try source.read(entry)
            if entry.name.hasSuffix("/data.pkl") {
                // BINUNICODE <length> <text>: swap the text and its length.
                let needle = Self.littleEndian(UInt32(oldText.count)) + oldText
                let start = try #require(Self.firstIndex(of: needle, in: data))
                data.replaceSubrange(
                    start..<(start + needle.count), with: Self.littleEndian(UInt32(newText.count)) + newText)
            }
            builder.add(entry.name, data)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zegclip-deep-\(getpid()).pth").path
        try builder.write(to: path)
        let (outcome, probe) = ResourceProbe.measure { () -> ConfigTextError? in
            guard let text = try? CheckpointOpener.metadata(path: path).config else { return nil }
            let parsed = Result { () throws(ConfigTextError) in try ConfigText(parsing: text) }
            if case .failure(let error) = parsed { return error }
            return nil
        }
        #expect(outcome?.kind == .nestedTooDeep && outcome?.line == 1)
        #expect(probe.seconds < 20 * ResourceProbe.timeScale)
        // The weights are unaffected: the reader itself opens the file.
        #expect(
            try CheckpointOpener.open(path: path).records.count
                == CheckpointOpener.open(path: source.path).records.count)
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first, Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}
