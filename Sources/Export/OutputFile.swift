import Foundation

/// Sequential writes to a new file (an `AtomicOutput`'s temporary path), tracking the offset.
final class OutputFile {
    let path: String
    /// The destination named in messages.
    let displayPath: String
    private let handle: FileHandle
    private(set) var offset = 0

    init(path: String, displayPath: String) throws(ExportError) {
        self.path = path
        self.displayPath = displayPath
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw .write(path: displayPath, reason: "cannot create \(path)")
        }
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws(ExportError) {
        guard !bytes.isEmpty else { return }
        do { try handle.write(contentsOf: Data(bytes)) } catch {
            throw .write(path: displayPath, reason: error.localizedDescription)
        }
        offset += bytes.count
    }

    /// Closes the file; `AtomicOutput.commit` flushes it to disk before the rename.
    func close() throws(ExportError) {
        do {
            try handle.close()
        } catch {
            throw .write(path: displayPath, reason: error.localizedDescription)
        }
    }
}

/// Little-endian byte building.
extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
