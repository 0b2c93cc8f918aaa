import ZipArchive

/// `torch.save` zip archives (`<name>/data.pkl`, `<name>/data/<key>`, `byteorder`, `version`) and
/// TorchScript archives (`torch.jit.save`: the same plus `code/` and `constants.pkl`, with a module
/// tree instead of a dict in `data.pkl`). Both are read through libzip.
public final class TorchZipCheckpoint: CheckpointReader, @unchecked Sendable {
    public let path: String
    public let format: CheckpointFormat
    public let records: [TensorRecord]
    public let wrapperKey: String
    public let notes: [String]
    private let archive: ZipArchive
    private let entriesByKey: [String: ZipEntry]

    public init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        self.path = path
        let archive: ZipArchive
        do { archive = try ZipArchive(path: path) } catch { throw .zip(error) }
        self.archive = archive
        // The archive's single top-level folder holds data.pkl; its name is arbitrary (often "archive").
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard let pickleEntry = pickles.first else {
            if archive.entries.contains(where: { $0.name.hasSuffix("model.json") }) {
                throw .unknownFormat(
                    path: path, detail: "a TorchScript archive from PyTorch < 1.3 (model.json), which is not supported")
            }
            throw .unknownFormat(path: path, detail: "a zip archive without data.pkl, so not a PyTorch checkpoint")
        }
        guard pickles.count == 1 else {
            throw .unknownFormat(path: path, detail: "a zip archive with \(pickles.count) data.pkl files")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        var notes: [String] = []
        if let byteOrderEntry = archive.entry(named: prefix + "byteorder") {
            let value = try Self.text(archive, byteOrderEntry, limit: 64)
            guard value == "little" else { throw .unsupportedByteOrder(path: path, value: value) }
        }
        if let versionEntry = archive.entry(named: prefix + "version") ?? archive.entry(named: prefix + ".data/version")
        {
            notes.append("archive format version \(try Self.text(archive, versionEntry, limit: 64))")
        }
        let isTorchScript =
            archive.entries.contains { $0.name.hasPrefix(prefix + "code/") }
            || archive.entry(named: prefix + "constants.pkl") != nil
        format = isTorchScript ? .torchScript : .torchZip

        guard pickleEntry.size <= limits.maxPickleBytes else {
            throw .limitExceeded(
                path: path, limit: "data.pkl size", value: pickleEntry.size, maximum: limits.maxPickleBytes)
        }
        let program: [UInt8]
        do { program = try archive.read(pickleEntry) } catch { throw .zip(error) }
        let input = PickleInput(bytes: program, path: path, member: pickleEntry.name)
        let member = pickleEntry.name
        let machine = PickleMachine(input: input, context: isTorchScript ? .torchScript : .torchSave, limits: limits) {
            identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: member, offset: offset)
        }
        let root = try machine.run()

        let named: [(name: String, tensor: TensorReference)]
        if isTorchScript {
            named = try TorchPickle.moduleTensors(root: root, arena: machine.arena, path: path, limits: limits)
            wrapperKey = ""
        } else {
            let located = try TorchPickle.locateStateDict(root: root, arena: machine.arena, path: path, limits: limits)
            named = located.tensors
            wrapperKey = located.wrapperKey
            notes += located.notes
        }
        var entriesByKey: [String: ZipEntry] = [:]
        for entry in archive.entries where entry.name.hasPrefix(prefix + "data/") {
            entriesByKey[String(entry.name.dropFirst(prefix.count + "data/".count))] = entry
        }
        self.entriesByKey = entriesByKey
        let collector = TensorCollector(path: path, limits: limits) { storage in
            guard let entry = entriesByKey[storage.key] else { return nil }
            return StorageLocation(key: storage.key, byteCount: entry.size)
        }
        records = try collector.records(named)
        self.notes = notes
    }

    public func fileOffset(of storage: StorageLocation) -> Int? {
        entriesByKey[storage.key].flatMap { archive.dataOffsets[$0.name] }
    }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let entry = entriesByKey[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        do {
            let reader = try archive.open(entry, at: byteOffset)
            try reader.read(into: &buffer, count: count)
        } catch {
            throw .zip(error)
        }
    }

    private static func text(_ archive: ZipArchive, _ entry: ZipEntry, limit: Int) throws(CheckpointError) -> String {
        guard entry.size <= limit else { return "<\(entry.size) bytes>" }
        do {
            let bytes = try archive.read(entry)
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .zip(error)
        }
    }
}
