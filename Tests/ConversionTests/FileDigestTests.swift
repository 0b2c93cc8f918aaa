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
        arguments: [1 << 20, 65_536, 999, 4 << 20])
    func millionA(chunkBytes: Int) throws {
        let folder = TemporaryFolder()
        let path = folder.file("a.bin")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: path))
        #expect(try FileDigest.hash(path: path, chunkBytes: chunkBytes).get().sha256 == Self.millionA)
    }
}
