import Foundation

/// Entry points for fuzz targets: each takes arbitrary bytes and must return (normally or by a
/// refusal), never crash, hang or allocate beyond `HDF5Limits`. A crash inside libhdf5 is a hole in
/// `HDF5Preflight`.
package enum HDF5Fuzzing {
    /// The preflight, then (if it accepts) every group, dataset and attribute through the bridge.
    package static func file(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "input.h5") { path in
            guard let file = try? HDF5File.open(path: path), let root = try? file.root() else { return }
            walk(root, depth: 0)
        }
    }

    /// Reads everything below `group` that a reader of ours could: attributes, children, small datasets.
    package static func walk(_ group: HDF5Group, depth: Int) {
        guard depth < 40 else { return }
        readAttributes(of: group)
        for name in (try? group.childNames()) ?? [] {
            switch try? group.kind(of: name) {
            case .group?:
                if let child = try? group.group(name) { walk(child, depth: depth + 1) }
            case .dataset?:
                guard let data = try? group.dataset(name) else { continue }
                readAttributes(of: data)
                _ = data.fileOffset
                if data.byteCount <= 1 << 20 { _ = try? data.readBytes() }
                if let rows = data.shape.first, rows > 0, data.byteCount <= 1 << 20 {
                    var buffer: [UInt8] = []
                    try? data.readRows(firstRow: 0, rowCount: 1, into: &buffer)
                }
                _ = try? HDF5Dataset.readRaw(group: group, name: name)
            default:
                continue
            }
        }
    }

    private static func readAttributes(of object: any HDF5Object) {
        for name in (try? object.attributeNames()) ?? [] { _ = try? object.attribute(name) }
    }

    /// Runs `body` on a scratch file in memory-backed `/dev/shm` (one per process, rewritten for each
    /// input) holding `bytes`.
    package static func withScratchFile(_ bytes: [UInt8], name: String, _ body: (String) throws -> Void) {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = URL(fileURLWithPath: base).appendingPathComponent(
            "ldvc-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        guard (try? Data(bytes).write(to: file)) != nil else { return }
        defer { try? FileManager.default.removeItem(at: file) }
        try? body(file.path)
    }
}
