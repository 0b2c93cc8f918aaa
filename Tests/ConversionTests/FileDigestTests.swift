import Checkpoint
import Foundation
import Testing
import _TestSupport

@testable import Conversion

@Suite("Source file digest")
struct FileDigestTests {
    /// FIPS 180-2 test vector: SHA-256 of one million 'a' characters.
    static let millionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

    @Test(
        "SHA-256 matches the FIPS 180-2 vector whatever the read size, including a short last piece",
        arguments: [1 << 20, 65_536, 999, 4 << 20, FileDigest.defaultChunkBytes])
    func millionA(chunkBytes: Int) throws {
        let folder = TemporaryFolder()
        let path = folder.file("a.bin")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: path))
        let digest = FileDigest(paths: [path], checksums: [], chunkBytes: chunkBytes)
        #expect(try digest.value().sha256 == Self.millionA)
        #expect(try digest.value().size == 1_000_000)
    }

    /// When the zip CRC checks reach the pass: with the start, while it reads, after it has read
    /// everything, or never (the conversion asked for the value first).
    enum Handover: CaseIterable {
        case atStart, duringPass, afterPass, never
    }

    /// `sha256sum Fixtures/torch/openai_fp32.pt`; `scripts/make_golden.py` (Python's hashlib) records
    /// the same value in the `model_files` attribute of `Fixtures/runtime/goldens/scene_openai_fp32.h5`.
    static let openAIFixtureSHA256 = "e477ed814fdef0e2cdfc7af1106ebf33540d0799c96fb7f263648a60b5d46bc6"

    /// The hash starts before the checkpoint is parsed and the CRC checks follow: whenever they
    /// arrive, every stored member is checked whole, so a flipped byte is found and an intact file
    /// passes, with the SHA-256 other tools give it.
    @Test(
        "CRC checks handed over at any moment of the pass find a flipped byte and pass an intact file",
        arguments: Handover.allCases)
    func checksHandedOverLate(handover: Handover) throws {
        let folder = TemporaryFolder()
        let intact = try folder.copy(FixturePath.fixture("torch/openai_fp32.pt"), as: "intact.pt")
        let corrupt = try folder.copy(FixturePath.fixture("torch/openai_fp32.pt"), as: "corrupt.pt")
        let member = try flipByteInStoredTensor(of: corrupt, last: true)
        func digest(_ path: String) throws -> FileDigest {
            // Small reads, so a hand-over right after the start lands in the middle of the pass.
            let checks = try CheckpointOpener.open(path: path).fileChecksums()
            #expect(!checks.isEmpty)
            switch handover {
            case .atStart: return FileDigest(paths: [path], checksums: checks, chunkBytes: 4096)
            case .duringPass:
                let digest = FileDigest(paths: [path], checksums: nil, chunkBytes: 4096)
                digest.check(checks)
                return digest
            case .afterPass:
                let digest = FileDigest(paths: [path], checksums: nil, chunkBytes: 4096)
                digest.waitForPass()
                digest.check(checks)
                return digest
            case .never: return FileDigest(paths: [path], checksums: nil, chunkBytes: 4096)
            }
        }
        let expected = Self.openAIFixtureSHA256
        #expect(try digest(intact).value().sha256 == expected)
        let corrupted = try digest(corrupt)
        if handover == .never {
            // No checks: the hash alone, which differs.
            #expect(try corrupted.value().sha256 != expected)
            return
        }
        #expect {
            _ = try corrupted.value()
        } throws: { error in
            guard case .zip(.checksumMismatch(_, let entry, _, _)) = error as? CheckpointError else { return false }
            return entry == member
        }
    }

    @Test("a cancelled digest stops, ignores checks handed over later, and its value throws instead of waiting")
    func cancelled() throws {
        let path = FixturePath.fixture("torch/openai_fp32.pt")
        let digest = FileDigest(paths: [path], checksums: nil, chunkBytes: 4096)
        digest.cancel()
        // Checks that arrive after the cancel (a reader that finished parsing) are ignored.
        digest.check([])
        #expect(throws: CheckpointError.self) { _ = try digest.value() }
    }
}
