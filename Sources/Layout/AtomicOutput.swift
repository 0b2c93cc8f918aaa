import Foundation
import Glibc

/// An output file that appears only when complete, and only whole.
///
/// Data goes to a hidden temporary file in the destination's folder (same file system, so the final
/// `rename` is atomic), named `.NAME.partial-PID-RANDOM` so that a later run can recognise, report
/// and remove what a killed run left behind. `commit()` flushes the file and its folder to disk
/// (`fsync`) before and after moving it into place, so a power loss leaves the old output or the
/// new one, never an empty "complete" file. A lock (`.NAME.lock`, held with `flock` for the life of
/// the output) makes a second process writing the same output fail at once instead of racing.
///
/// The destination is refused up front if it exists (unless `overwrite`), if it is not a regular
/// file (a device, a FIFO, a folder: never replaced), or if it is one of the inputs; inputs found
/// later (ONNX external data, configs, shards) are checked again at `commit(inputs:)`.
public final class AtomicOutput: @unchecked Sendable {
    public let destination: String
    public let temporaryPath: String
    /// Temporary files of runs that no longer exist, removed when this output was set up.
    public let removedLeftovers: [String]
    private let overwrite: Bool
    private var inputs: [String]
    private let reservation: PartialOutputs.Reservation
    private var isFinished = false

    public init(destination: String, overwrite: Bool, inputs: [String]) throws(LayoutError) {
        let destinationURL = URL(fileURLWithPath: destination)
        let folder = destinationURL.deletingLastPathComponent().path
        let name = destinationURL.lastPathComponent
        try PartialOutputs.checkFolder(folder, of: destination)
        try Self.checkReplaceable(destination, overwrite: overwrite, inputs: inputs)
        self.destination = destination
        self.overwrite = overwrite
        self.inputs = inputs
        reservation = try PartialOutputs.Reservation(folder: folder, name: name, destination: destination)
        temporaryPath = reservation.temporaryPath
        removedLeftovers = reservation.removedLeftovers
    }

    /// Files this run read after the output was set up; `commit` refuses to replace any of them.
    public func addInputs(_ paths: [String]) { inputs += paths }

    /// Flushes the finished temporary file to disk, moves it onto the destination, and flushes the
    /// folder so the rename itself is durable.
    public func commit() throws(LayoutError) {
        guard !isFinished else { return }
        do throws(LayoutError) {
            try Self.checkReplaceable(destination, overwrite: overwrite, inputs: inputs)
            try PartialOutputs.synchronize(temporaryPath, destination: destination)
            if overwrite {
                guard rename(temporaryPath, destination) == 0 else { throw failure("moving the file into place") }
            } else {
                // `link` fails if another process created the destination meanwhile: never replaced
                // without --force, even then.
                guard link(temporaryPath, destination) == 0 else {
                    if errno == EEXIST { throw LayoutError.outputExists(path: destination) }
                    throw failure("moving the file into place")
                }
                unlink(temporaryPath)
            }
            try PartialOutputs.synchronize(
                URL(fileURLWithPath: destination).deletingLastPathComponent().path, destination: destination)
        } catch {
            discard()
            throw error
        }
        finish()
    }

    /// Removes the temporary file; the destination is untouched.
    public func discard() {
        guard !isFinished else { return }
        unlink(temporaryPath)
        finish()
    }

    deinit { discard() }

    private func finish() {
        isFinished = true
        reservation.release()
    }

    private func failure(_ operation: String) -> LayoutError {
        .outputIO(path: destination, operation: operation, reason: String(cString: strerror(errno)))
    }

    /// Refuses a destination that is an input, or that exists without `overwrite`, or that is not a
    /// regular file (a symlink counts as existing, dangling or not).
    public static func checkReplaceable(_ destination: String, overwrite: Bool, inputs: [String]) throws(LayoutError) {
        for input in inputs where sameFile(input, destination) { throw .outputIsInput(path: destination) }
        var info = stat()
        guard lstat(destination, &info) == 0 else { return }
        let type = info.st_mode & S_IFMT
        var target = stat()
        let pointsToRegular = type == S_IFLNK && stat(destination, &target) == 0 && (target.st_mode & S_IFMT) == S_IFREG
        guard type == S_IFREG || type == S_IFLNK else {
            throw .outputNotRegular(path: destination, what: describe(type))
        }
        if type == S_IFLNK, stat(destination, &target) == 0, !pointsToRegular {
            throw .outputNotRegular(path: destination, what: "a link to \(describe(target.st_mode & S_IFMT))")
        }
        guard overwrite else { throw .outputExists(path: destination) }
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// True when both paths name the same existing file (same device and inode), which catches
    /// symlinks and `./x` vs `x` spellings.
    public static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat()
        var b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}

/// Temporary outputs in progress (files, and `AtomicFolder`'s folders), so an interrupted run (Ctrl-C,
/// SIGTERM, SIGHUP) can remove them before exiting.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []

    func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Deletes every registered temporary file (called from the signal handler).
    public func removeAll() {
        lock.withLock {
            for path in paths where unlink(path) != 0 && errno == EISDIR {
                try? FileManager.default.removeItem(atPath: path)
            }
            paths.removeAll()
        }
    }
}
