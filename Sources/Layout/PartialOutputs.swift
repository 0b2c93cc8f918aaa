import Foundation
import Glibc

/// What `AtomicOutput` (one file) and `AtomicFolder` (an export folder) share: the hidden
/// `.NAME.partial-PID-RANDOM` names that a killed run leaves, and flushing a path to disk.
enum PartialOutputs {
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
