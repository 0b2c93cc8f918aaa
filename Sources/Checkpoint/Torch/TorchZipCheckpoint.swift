import Foundation
import TensorCore
import ZipArchive

/// `torch.save` zip archives (`<name>/data.pkl`, `<name>/data/<key>`, `byteorder`, `version`) and
/// TorchScript archives (`torch.jit.save`: the same plus `code/` and `constants.pkl`, with a module
/// tree instead of a dict in `data.pkl`). Both are read through libzip.
///
/// Storage members are read through one streaming reader each, kept open between calls, so a
/// converter reading a member in order (row chunks, q/k/v parts) reads and checks it once, even
/// when it is deflated.
public final class TorchZipCheckpoint: CheckpointReader, @unchecked Sendable {
    public let path: String
    public let format: CheckpointFormat
    public let records: [TensorRecord]
    public let wrapperKey: String
    public let notes: [String]
    public let metadata: CheckpointMetadata
    private let archive: ZipArchive
    private let entriesByKey: [String: ZipEntry]
    private let limits: ReaderLimits
    /// Open readers by member index, most recently used last; at most `maxOpenReaders`.
    private var openReaders: [(index: Int, reader: ZipArchive.EntryReader)] = []
    private let readersLock = NSLock()
    private static let maxOpenReaders = 8

    public convenience init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        let archive: ZipArchive
        do { archive = try ZipArchive(path: path) } catch { throw .zip(error) }
        let layout = try Self.layout(of: archive)
        let program = try Self.pickleProgram(of: archive, layout: layout, limits: limits)
        let (root, arena) = try Self.unpickle(program, layout: layout, path: path, limits: limits)
        try self.init(archive: archive, layout: layout, root: root, arena: arena, limits: limits)
    }

    /// Opens `path`: lists the archive, reads and runs `data.pkl` once, validates every tensor.
    public static func open(path: String, limits: ReaderLimits = .default) throws(CheckpointError) -> Self {
        try Self(path: path, limits: limits)
    }

    private init(archive: ZipArchive, layout: Layout, root: PickleValue, arena: PickleArena, limits: ReaderLimits)
        throws(CheckpointError)
    {
        let path = archive.path
        self.path = path
        self.archive = archive
        self.limits = limits
        format = layout.isTorchScript ? .torchScript : .torchZip
        var notes = layout.notes
        let named: [(name: String, tensor: TensorReference)]
        if layout.isTorchScript {
            named = try TorchPickle.moduleTensors(root: root, arena: arena, path: path, limits: limits)
            wrapperKey = ""
            metadata = CheckpointMetadata()
        } else {
            let located = try TorchPickle.locateStateDict(root: root, arena: arena, path: path, limits: limits)
            named = located.tensors
            wrapperKey = located.wrapperKey
            notes += located.notes
            metadata = CheckpointMetadata.read(root: root, arena: arena)
        }
        var entriesByKey: [String: ZipEntry] = [:]
        for entry in archive.entries where entry.name.hasPrefix(layout.prefix + "data/") {
            entriesByKey[String(entry.name.dropFirst(layout.prefix.count + "data/".count))] = entry
        }
        self.entriesByKey = entriesByKey
        let collector = TensorCollector(path: path, limits: limits) { storage in
            guard let entry = entriesByKey[storage.key] else { return nil }
            return StorageLocation(key: storage.key, byteCount: entry.size)
        }
        records = try collector.records(named)
        // Notes quote the file (names, producers) and are printed as they are.
        self.notes = notes.map { $0.escapedForTerminal(maxLength: 1000) }
    }

    // MARK: - Steps

    /// Where `data.pkl` is and what kind of archive holds it.
    struct Layout {
        var pickle: ZipEntry
        /// The archive's top-level folder with its slash (`archive/`).
        var prefix: String
        var isTorchScript: Bool
        var notes: [String]
    }

    /// Finds the single `<folder>/data.pkl`, checks the byte order and notes the format version.
    static func layout(of archive: ZipArchive) throws(CheckpointError) -> Layout {
        let path = archive.path
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
            let value = try text(archive, byteOrderEntry, limit: 64)
            guard value == "little" else { throw .unsupportedByteOrder(path: path, value: value) }
        }
        if let versionEntry = archive.entry(named: prefix + "version") ?? archive.entry(named: prefix + ".data/version")
        {
            notes.append("archive format version \(try text(archive, versionEntry, limit: 64))")
        }
        let isTorchScript =
            archive.entries.contains { $0.name.hasPrefix(prefix + "code/") }
            || archive.entry(named: prefix + "constants.pkl") != nil
        return Layout(pickle: pickleEntry, prefix: prefix, isTorchScript: isTorchScript, notes: notes)
    }

    /// The bytes of `data.pkl`, within `maxPickleBytes` and checked against their CRC-32.
    static func pickleProgram(of archive: ZipArchive, layout: Layout, limits: ReaderLimits) throws(CheckpointError)
        -> [UInt8]
    {
        guard layout.pickle.size <= limits.maxPickleBytes else {
            throw .limitExceeded(
                path: archive.path, limit: "data.pkl size", value: layout.pickle.size, maximum: limits.maxPickleBytes)
        }
        do {
            return try archive.read(layout.pickle, maxUncheckedAllocation: limits.maxUncheckedAllocation)
        } catch {
            throw .zip(error)
        }
    }

    /// Runs the pickle program once; the root value and the arena that holds it.
    static func unpickle(_ program: [UInt8], layout: Layout, path: String, limits: ReaderLimits)
        throws(CheckpointError) -> (PickleValue, PickleArena)
    {
        let member = layout.pickle.name
        let machine = PickleMachine(
            input: PickleInput(bytes: program, path: path, member: member),
            context: layout.isTorchScript ? .torchScript : .torchSave, limits: limits
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: member, offset: offset)
        }
        let root = try machine.run()
        return (root, machine.arena)
    }

    // MARK: - Reading

    public func fileOffset(of storage: StorageLocation) -> Int? {
        entriesByKey[storage.key].flatMap { archive.dataOffsets[$0.name] }
    }

    public func fileChecksums() -> [FileChecksums] {
        let members = archive.entries.compactMap { entry -> (name: String, start: Int, count: Int, crc32: UInt32)? in
            guard entry.isStored, let crc = entry.crc32, let start = archive.dataOffsets[entry.name] else { return nil }
            return (entry.name, start, entry.size, crc)
        }
        return [FileChecksums(path: path, members: members)]
    }

    public func verifyChecksum(of storage: StorageLocation) throws(CheckpointError) {
        guard let entry = entriesByKey[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        readersLock.lock()
        defer { readersLock.unlock() }
        do { try archive.verifyChecksum(of: entry) } catch { throw .zip(error) }
    }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let entry = entriesByKey[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        let (end, overflow) = byteOffset.addingReportingOverflow(count)
        guard byteOffset >= 0, count >= 0, !overflow, end <= entry.size else {
            throw .zip(
                .rangeOutOfBounds(path: path, entry: entry.name, offset: byteOffset, count: count, size: entry.size))
        }
        readersLock.lock()
        defer { readersLock.unlock() }
        do {
            let reader = try reader(for: entry, at: byteOffset)
            if entry.isStored || count <= limits.maxUncheckedAllocation {
                // A stored member's bytes are in the file (its size was checked against it).
                if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
                try reader.read(into: &buffer, count: count)
            } else {
                // A deflated member's size is only a claim until it inflates: grow as bytes arrive.
                var assembled: [UInt8] = []
                assembled.reserveCapacity(limits.maxUncheckedAllocation)
                var chunk = [UInt8](repeating: 0, count: limits.maxUncheckedAllocation)
                while assembled.count < count {
                    let piece = min(chunk.count, count - assembled.count)
                    try reader.read(into: &chunk, count: piece)
                    assembled += chunk[0..<piece]
                }
                buffer = assembled
            }
            if reader.position < entry.size {
                openReaders.append((entry.index, reader))
                if openReaders.count > Self.maxOpenReaders { openReaders.removeFirst() }
            }
        } catch {
            throw .zip(error)
        }
    }

    /// The open reader of `entry` if it has not passed `offset` (moved there), else a new one.
    /// The caller holds `readersLock`; the reader is taken out of `openReaders`.
    private func reader(for entry: ZipEntry, at offset: Int) throws(ZipError) -> ZipArchive.EntryReader {
        if let slot = openReaders.firstIndex(where: { $0.index == entry.index }) {
            let reader = openReaders.remove(at: slot).reader
            if reader.position <= offset {
                try reader.skip(to: offset)
                return reader
            }
        }
        return try archive.open(entry, at: offset)
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
