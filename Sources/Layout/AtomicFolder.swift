import Foundation
import Glibc

/// An output folder (a model folder: config plus weights) that appears only when complete, and only
/// whole.
///
/// The files are written into a hidden temporary folder beside the destination,
/// `.NAME.partial-PID-RANDOM` (same file system), each flushed to disk; `commit()` flushes the folder and
/// renames it onto the destination, so a reader sees either no folder or every file of it. The
/// destination may be missing or an empty folder (a rename replaces an empty folder in one step). A
/// folder with files is refused without `overwrite`; with it, the folder is replaced only when it holds
/// nothing but files this export writes (`replaceableNames`, a previous export): it is renamed aside,
/// the new folder renamed in, and the old one removed, so the destination never mixes two exports. A
/// lock (`.NAME.lock`) keeps a second process from writing the same folder, and partial folders of
/// killed runs are removed, as `AtomicOutput` does for files.
public final class AtomicFolder: @unchecked Sendable {
    public let destination: String
    /// The temporary folder the files go into.
    public let temporaryPath: String
    /// Partial folders of runs that no longer exist, removed when this output was set up.
    public let removedLeftovers: [String]
    private let overwrite: Bool
    private let inputs: [String]
    private let replaceableNames: Set<String>
    private let parent: String
    private let name: String
    private let reservation: PartialOutputs.Reservation
    private var isFinished = false

    public init(destination: String, overwrite: Bool, inputs: [String], replaceableNames: Set<String>)
        throws(LayoutError)
    {
        var trimmed = destination
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let url = URL(fileURLWithPath: trimmed)
        parent = url.deletingLastPathComponent().path
        name = url.lastPathComponent
        try PartialOutputs.checkFolder(parent, of: destination)
        self.destination = trimmed
        self.overwrite = overwrite
        self.inputs = inputs
        self.replaceableNames = replaceableNames
        try Self.checkReplaceable(trimmed, overwrite: overwrite, inputs: inputs, replaceableNames: replaceableNames)
        reservation = try PartialOutputs.Reservation(folder: parent, name: name, destination: trimmed)
        temporaryPath = reservation.temporaryPath
        removedLeftovers = reservation.removedLeftovers
        guard mkdir(temporaryPath, 0o755) == 0 else {
            let reason = String(cString: strerror(errno))
            // Every property is set, so `deinit` runs after this throw: it must find nothing left to do.
            finish()
            throw .outputFolder(path: trimmed, reason: "cannot create \(temporaryPath): \(reason)")
        }
    }

    /// Where the file `name` of the folder is written before the commit.
    public func temporaryFile(_ name: String) -> String { temporaryPath + "/" + name }

    /// Flushes every file and the folder to disk and moves the folder into place.
    public func commit() throws(LayoutError) {
        guard !isFinished else { return }
        do throws(LayoutError) {
            try Self.checkReplaceable(
                destination, overwrite: overwrite, inputs: inputs, replaceableNames: replaceableNames)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: temporaryPath)) ?? []
            for file in files { try PartialOutputs.synchronize(temporaryPath + "/" + file, destination: destination) }
            try PartialOutputs.synchronize(temporaryPath, destination: destination)
            if Self.entries(of: destination)?.isEmpty == false {
                // A previous export, checked above: set it aside, move the new folder in, remove the old.
                let aside =
                    parent + "/." + name
                    + ".replaced-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
                guard rename(destination, aside) == 0 else { throw failure("moving the old folder aside") }
                guard rename(temporaryPath, destination) == 0 else {
                    let error = failure("moving the folder into place")
                    _ = rename(aside, destination)
                    throw error
                }
                try? FileManager.default.removeItem(atPath: aside)
            } else {
                // Missing or empty: one rename (an empty folder is replaced in the same step).
                guard rename(temporaryPath, destination) == 0 else {
                    if errno == ENOTEMPTY || errno == EEXIST { throw LayoutError.outputExists(path: destination) }
                    throw failure("moving the folder into place")
                }
            }
            try PartialOutputs.synchronize(parent, destination: destination)
        } catch {
            discard()
            throw error
        }
        finish()
    }

    /// Removes the temporary folder; the destination is untouched.
    public func discard() {
        guard !isFinished else { return }
        try? FileManager.default.removeItem(atPath: temporaryPath)
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

    /// The names in `path` if it is a folder (following no link), nil if it does not exist.
    static func entries(of path: String) -> [String]? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Refuses a destination that is not a folder, that holds an input, or that holds files without
    /// `overwrite` (or other files than a previous export's with it).
    static func checkReplaceable(
        _ destination: String, overwrite: Bool, inputs: [String], replaceableNames: Set<String>
    ) throws(LayoutError) {
        var info = stat()
        guard lstat(destination, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .outputNotRegular(path: destination, what: "not a folder")
        }
        let names = entries(of: destination) ?? []
        for entry in names {
            for input in inputs where AtomicOutput.sameFile(input, destination + "/" + entry) {
                throw .outputIsInput(path: destination)
            }
        }
        guard !names.isEmpty else { return }
        guard overwrite else { throw .outputExists(path: destination) }
        let others = names.filter { entry in
            var entryInfo = stat()
            let isFile = lstat(destination + "/" + entry, &entryInfo) == 0 && (entryInfo.st_mode & S_IFMT) == S_IFREG
            return !isFile || !replaceableNames.contains(entry)
        }
        guard others.isEmpty else {
            throw .outputFolder(
                path: destination,
                reason:
                    "it holds other files than an export's (\(others.sorted().prefix(3).joined(separator: ", "))); "
                    + "it is never replaced, export into a new folder")
        }
    }
}
