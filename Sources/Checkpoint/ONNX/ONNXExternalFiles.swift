import Foundation
import ONNXProto

/// External tensor data (`TensorProto.external_data`): files beside the model, named relative to the
/// model's folder. A location may not be absolute or lead out of that folder, even through a symbolic
/// link, and each tensor's bytes must lie inside its file; all of it is checked when the model is
/// opened, before any conversion starts.
final class ONNXExternalFiles: @unchecked Sendable {
    let modelPath: String
    private let folder: String
    private(set) var files: [RandomAccessFile] = []
    private var indexByLocation: [String: Int] = [:]
    private(set) var ignoredKeys: Set<String> = []

    init(modelPath: String) {
        self.modelPath = modelPath
        folder = URL(fileURLWithPath: modelPath).deletingLastPathComponent().resolvingSymlinksInPath().path
    }

    /// The storage of a tensor with external data, after every check.
    func locate(tensor: String, entries: [ONNXStringPair], byteCount: Int, shapeDescription: String)
        throws(CheckpointError) -> ONNXStorage
    {
        func refuse(_ reason: String) -> CheckpointError {
            .externalData(path: modelPath, tensor: tensor, reason: reason)
        }
        var location: String?
        var offset = 0
        var length: Int?
        for entry in entries {
            switch entry.key {
            case "location": location = entry.value
            case "offset":
                guard let value = Self.decimal(entry.value) else {
                    throw refuse("offset '\(entry.value)' is not a non-negative decimal number")
                }
                offset = value
            case "length":
                guard let value = Self.decimal(entry.value) else {
                    throw refuse("length '\(entry.value)' is not a non-negative decimal number")
                }
                length = value
            default: ignoredKeys.insert(entry.key)  // checksum (SHA-1 of the whole file) and future keys
            }
        }
        guard let location, !location.isEmpty else { throw refuse("no location") }
        let index = try file(for: location, refuse: refuse)
        let file = files[index]
        let count = length ?? max(0, file.size - offset)
        guard count == byteCount else {
            throw refuse("\(count) bytes at '\(location)', but shape \(shapeDescription) needs \(byteCount)")
        }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= file.size else {
            throw refuse("needs bytes \(offset)..<\(offset &+ count) of '\(location)', which has \(file.size) bytes")
        }
        return .external(file: index, offset: offset, count: count)
    }

    /// Opens (once) the file a location names, after checking that it stays inside the model's folder.
    private func file(for location: String, refuse: (String) -> CheckpointError) throws(CheckpointError) -> Int {
        if let index = indexByLocation[location] { return index }
        guard !location.hasPrefix("/"), !location.contains("\0") else {
            throw refuse("location '\(location)' is an absolute path")
        }
        var depth = 0
        for component in location.split(separator: "/", omittingEmptySubsequences: true) {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            guard depth >= 0 else { throw refuse("location '\(location)' leads out of the model's folder") }
        }
        let candidate = URL(fileURLWithPath: folder).appendingPathComponent(location)
        guard FileManager.default.fileExists(atPath: candidate.path) else {
            throw refuse("the file '\(location)' does not exist beside the model")
        }
        // A symbolic link inside the folder may still point outside it.
        let resolved = candidate.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
            throw refuse("location '\(location)' resolves to '\(resolved)', outside the model's folder")
        }
        let file: RandomAccessFile
        do { file = try RandomAccessFile(path: resolved) } catch {
            throw refuse("cannot open '\(location)': \(error)")
        }
        files.append(file)
        indexByLocation[location] = files.count - 1
        return files.count - 1
    }

    var locations: [String] { indexByLocation.sorted { $0.value < $1.value }.map(\.key) }

    /// Decimal digits only (the spec stores offsets and lengths as decimal strings).
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
