import Foundation
import Testing

@testable import TensorCore

/// The one-piece reads used for images, JSON documents and index files: what they refuse, at once.
@Suite("Regular file reads")
struct RegularFileTests {
    private func scratch(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "ldvc-regular-file-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    @Test("a file is read whole, and its first bytes alone")
    func wholeAndPrefix() throws {
        let path = scratch("bytes.bin")
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: path))
        #expect(RegularFile.contents(path: path, limit: 5) == .success([1, 2, 3, 4, 5]))
        #expect(RegularFile.prefix(path: path, count: 2) == .success([1, 2]))
        #expect(RegularFile.prefix(path: path, count: 99) == .success([1, 2, 3, 4, 5]))
    }

    @Test("a file over the limit is refused by its size, before it is read")
    func overLimit() throws {
        let path = scratch("large.bin")
        try Data(count: 6).write(to: URL(fileURLWithPath: path))
        #expect(RegularFile.contents(path: path, limit: 5) == .failure(.tooLarge(size: 6, limit: 5)))
    }

    @Test("a FIFO is refused at once rather than waiting for a writer; a folder and a missing file are named")
    func specialFiles() throws {
        let fifo = scratch("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(RegularFile.contents(path: fifo, limit: 100) == .failure(.notRegular(kind: "a FIFO")))
        #expect(RegularFile.prefix(path: fifo, count: 4) == .failure(.notRegular(kind: "a FIFO")))
        #expect(
            RegularFile.contents(path: NSTemporaryDirectory(), limit: 100) == .failure(.notRegular(kind: "a folder")))
        #expect(RegularFile.contents(path: scratch("absent"), limit: 100) == .failure(.missing))
    }
}
