import Foundation
import Glibc

/// What `AtomicOutput` (one file) and `AtomicFolder` (an export folder) share: the destination's folder
/// check, the lock, the hidden `.NAME.partial-PID-RANDOM` names that a killed run leaves, and flushing a
/// path to disk.
enum PartialOutputs {
    /// The lock and the temporary name of one output while it is written: `.NAME.lock`, held with `flock`
    /// so a second process writing the same output fails at once, and `.NAME.partial-PID-RANDOM` beside
    /// the destination (same file system, so the final rename is atomic). Both are registered for removal
    /// on a signal.
    struct Reservation {
        let temporaryPath: String
        /// Temporary outputs of runs that no longer exist, removed when this one was reserved.
        let removedLeftovers: [String]
        private let lockPath: String
        private let lockDescriptor: Int32

        /// `folder` must exist and be writable (`checkFolder`); `destination` names the output in errors.
        init(folder: String, name: String, destination: String) throws(LayoutError) {
            lockPath = folder + "/." + name + ".lock"
            lockDescriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            guard lockDescriptor >= 0 else {
                throw .outputFolder(
                    path: destination, reason: "cannot create \(lockPath): \(String(cString: strerror(errno)))")
            }
            if flock(lockDescriptor, LOCK_EX | LOCK_NB) != 0 {
                close(lockDescriptor)
                throw .outputBusy(path: destination)
            }
            removedLeftovers = PartialOutputs.removeLeftovers(folder: folder, name: name)
            let random = UInt32.random(in: 0...UInt32.max)
            temporaryPath = folder + "/." + name + ".partial-\(getpid())-\(String(random, radix: 16))"
            TemporaryFiles.shared.register(temporaryPath)
            TemporaryFiles.shared.register(lockPath)
        }

        /// Unregisters the temporary path and gives the lock up (the caller has removed or renamed the
        /// temporary output).
        func release() {
            TemporaryFiles.shared.unregister(temporaryPath)
            TemporaryFiles.shared.unregister(lockPath)
            unlink(lockPath)
            close(lockDescriptor)
        }
    }

    /// Refuses `destination` when its folder is missing or not writable.
    static func checkFolder(_ folder: String, of destination: String) throws(LayoutError) {
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0, (folderInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw .outputFolder(path: destination, reason: "the folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else {
            throw .outputFolder(path: destination, reason: "the folder \(folder) is not writable")
        }
    }

    /// `fsync` of `path` (a file or a folder); a failure names `destination`, the output the user asked for.
    static func synchronize(_ path: String, destination: String) throws(LayoutError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .outputIO(
                path: destination, operation: "opening \(path) to flush it", reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw .outputIO(path: destination, operation: "flushing to disk", reason: String(cString: strerror(errno)))
        }
    }

    /// Removes the `.NAME.partial-PID-*` files and folders in `folder` whose process is gone (a crash,
    /// `kill -9`), returning their paths. Only `partial` names: a `.NAME.replaced-PID-*` folder (a previous
    /// export set aside by a run killed between its two renames) may be the only copy and is kept.
    static func removeLeftovers(folder: String, name: String) -> [String] {
        let prefix = "." + name + ".partial-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for entry in entries.sorted() where entry.hasPrefix(prefix) {
            guard let pidText = entry.dropFirst(prefix.count).split(separator: "-").first, let pid = Int32(pidText)
            else { continue }
            // Signal 0 probes for a live process; ESRCH means it is gone.
            if kill(pid, 0) != 0 && errno == ESRCH {
                let path = folder + "/" + entry
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        return removed
    }
}
