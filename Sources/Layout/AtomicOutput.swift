import Foundation

/// An output file that appears only when complete.
///
/// Data goes to a hidden temporary file in the destination's folder (same file system, so the final
/// `rename` is atomic); `commit()` moves it into place, anything else removes it. The destination is
/// refused up front if it exists (unless `overwrite`) or if it is one of the inputs.
public final class AtomicOutput: @unchecked Sendable {
    public let destination: String
    public let temporaryPath: String
    private var isFinished = false

    public init(destination: String, overwrite: Bool, inputs: [String]) throws(LayoutError) {
        let destinationURL = URL(fileURLWithPath: destination)
        let folder = destinationURL.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .outputFolder(path: destination, reason: "the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw .outputFolder(path: destination, reason: "the folder \(folder) is not writable")
        }
        for input in inputs where Self.sameFile(input, destination) {
            throw .outputIsInput(path: destination)
        }
        if FileManager.default.fileExists(atPath: destination) {
            guard overwrite else { throw .outputExists(path: destination) }
            if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
                throw .outputFolder(path: destination, reason: "it is a folder")
            }
        }
        self.destination = destination
        let random = UInt32.random(in: 0...UInt32.max)
        self.temporaryPath =
            folder + "/." + destinationURL.lastPathComponent + ".partial-\(getpid())-\(String(random, radix: 16))"
        TemporaryFiles.shared.register(temporaryPath)
    }

    /// Moves the finished temporary file onto the destination.
    public func commit() throws(LayoutError) {
        guard !isFinished else { return }
        if rename(temporaryPath, destination) != 0 {
            let reason = String(cString: strerror(errno))
            discard()
            throw .commitFailed(path: destination, reason: reason)
        }
        isFinished = true
        TemporaryFiles.shared.unregister(temporaryPath)
    }

    /// Removes the temporary file; the destination is untouched.
    public func discard() {
        guard !isFinished else { return }
        isFinished = true
        unlink(temporaryPath)
        TemporaryFiles.shared.unregister(temporaryPath)
    }

    deinit { discard() }

    /// True when both paths name the same existing file (same device and inode), which catches
    /// symlinks and `./x` vs `x` spellings.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat()
        var b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}

/// Temporary outputs in progress, so an interrupted run (Ctrl-C) can remove them before exiting.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []

    func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Deletes every registered temporary file (called from the interrupt handler).
    public func removeAll() {
        lock.withLock {
            for path in paths { unlink(path) }
            paths.removeAll()
        }
    }
}
