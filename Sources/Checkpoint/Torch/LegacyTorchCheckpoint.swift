/// The pre-1.6 `torch.save` format (`_use_new_zipfile_serialization=False`): five pickles back to
/// back — magic number, protocol version 1001, system info, the object with storage persistent ids,
/// the sorted list of storage keys — then, per key in that order, an int64 element count and the
/// raw bytes. Storage offsets are found by walking those headers; no storage byte is read.
public final class LegacyTorchCheckpoint: CheckpointReader, @unchecked Sendable {
    public let path: String
    public let format = CheckpointFormat.torchLegacy
    public let records: [TensorRecord]
    public let wrapperKey: String
    public let notes: [String]
    private let file: RandomAccessFile
    /// Storage key → absolute byte offset of its data in the file.
    private let dataOffsets: [String: Int]

    /// The first pickle's bytes for protocol 2: PROTO 2, LONG1 of 10 bytes 0x1950a86a20f9469cfc6c, STOP.
    static let magicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        self.path = path
        let file = try RandomAccessFile(path: path)
        self.file = file
        func program(_ start: Int, _ name: String, loader: PickleMachine.PersistentLoader? = nil)
            throws(CheckpointError) -> (PickleMachine, PickleValue, Int)
        {
            try Self.runPickle(
                file: file, start: start, member: name, limits: limits,
                loader: loader ?? Self.refusePersistentIDs(path: path, member: name))
        }
        let (_, magic, afterMagic) = try program(0, "magic number pickle")
        guard case .bigInteger(let bytes) = magic, bytes == Self.magicNumber else {
            throw .unknownFormat(path: path, detail: "a pickle file without the legacy torch.save magic number")
        }
        let (_, protocolVersion, afterProtocol) = try program(afterMagic, "protocol version pickle")
        guard case .int(1001) = protocolVersion else {
            throw .unknownFormat(path: path, detail: "legacy torch.save protocol \(protocolVersion) (expected 1001)")
        }
        let (infoMachine, systemInfo, afterInfo) = try program(afterProtocol, "system info pickle")
        if let entries = infoMachine.arena.dictEntries(systemInfo),
            let littleEndian = entries.first(where: { $0.key == .string("little_endian") })?.value,
            littleEndian == .bool(false)
        {
            throw .unsupportedByteOrder(path: path, value: "big")
        }
        var declared: [String: StorageReference] = [:]
        let (objectMachine, root, afterObject) = try program(afterInfo, "object pickle") {
            identifier, arena, offset throws(CheckpointError) in
            let value = try TorchPickle.storage(
                from: identifier, arena: arena, path: path, member: "object pickle", offset: offset)
            if case .storage(let storage)? = arena.node(value) {
                if let earlier = declared[storage.key],
                    earlier.dtype != storage.dtype || earlier.elementCount != storage.elementCount
                {
                    throw .malformedPickle(
                        path: path, member: "object pickle", offset: offset,
                        reason: "storage '\(storage.key)' declared twice with different types or sizes")
                }
                declared[storage.key] = StorageReference(
                    key: storage.key, dtype: storage.dtype, elementCount: storage.elementCount)
            }
            return value
        }
        let (keysMachine, keyList, afterKeys) = try program(afterObject, "storage key list pickle")
        guard let keyValues = keysMachine.arena.sequence(keyList) else {
            throw .malformedPickle(
                path: path, member: "storage key list pickle", offset: afterObject, reason: "not a list of keys")
        }
        // Walk the storage section: int64 count + count × element size bytes, per key.
        var offsets: [String: Int] = [:]
        var sizes: [String: Int] = [:]
        var position = afterKeys
        for value in keyValues {
            guard case .string(let key) = value else {
                throw .malformedPickle(
                    path: path, member: "storage key list pickle", offset: afterObject,
                    reason: "a storage key is not a string")
            }
            guard let storage = declared[key] else {
                throw .malformedPickle(
                    path: path, member: "storage key list pickle", offset: afterObject,
                    reason: "storage '\(key)' is listed but never used")
            }
            let header = try file.read(at: position, count: 8)
            var count: UInt64 = 0
            for (index, byte) in header.enumerated() { count |= UInt64(byte) << (8 * UInt64(index)) }
            guard count == UInt64(storage.elementCount) else {
                throw .malformedPickle(
                    path: path, member: "storage section", offset: position,
                    reason: "storage '\(key)' holds \(count) elements, the pickle declared \(storage.elementCount)")
            }
            let (byteCount, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dtype.itemSize)
            guard !overflow, position + 8 <= file.size, byteCount <= file.size - position - 8 else {
                throw .truncated(
                    path: path,
                    detail:
                        "storage '\(key)' needs \(byteCount) bytes at offset \(position + 8) of a \(file.size)-byte file"
                )
            }
            offsets[key] = position + 8
            sizes[key] = byteCount
            position += 8 + byteCount
        }
        dataOffsets = offsets
        let located = try TorchPickle.locateStateDict(
            root: root, arena: objectMachine.arena, path: path, limits: limits)
        let collector = TensorCollector(path: path, limits: limits) { storage in
            guard let size = sizes[storage.key] else { return nil }
            return StorageLocation(key: storage.key, byteCount: size)
        }
        records = try collector.records(located.tensors)
        wrapperKey = located.wrapperKey
        var notes = located.notes
        if position < file.size { notes.append("\(file.size - position) bytes after the last storage were ignored") }
        // Notes quote the file (names, producers) and are printed as they are.
        self.notes = notes.map { $0.escapedForTerminal(maxLength: 1000) }
    }

    /// Runs one pickle starting at `start`; returns the machine (for its arena), the value and the end offset.
    private static func runPickle(
        file: RandomAccessFile, start: Int, member: String, limits: ReaderLimits,
        loader: @escaping PickleMachine.PersistentLoader
    ) throws(CheckpointError) -> (PickleMachine, PickleValue, Int) {
        let input = PickleInput(file: file, start: start, member: member)
        let machine = PickleMachine(input: input, context: .torchSave, limits: limits, persistentLoad: loader)
        let value = try machine.run()
        return (machine, value, input.position)
    }

    /// The header pickles carry no storages; a persistent id there is malformed.
    private static func refusePersistentIDs(path: String, member: String) -> PickleMachine.PersistentLoader {
        return { _, _, offset throws(CheckpointError) -> PickleValue in
            throw CheckpointError.malformedPickle(
                path: path, member: member, offset: offset, reason: "unexpected persistent id")
        }
    }

    public func fileOffset(of storage: StorageLocation) -> Int? { dataOffsets[storage.key] }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let start = dataOffsets[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        guard byteOffset >= 0, count >= 0, byteOffset + count <= storage.byteCount else {
            throw .truncated(
                path: path,
                detail:
                    "bytes \(byteOffset)..<\(byteOffset + count) of storage '\(storage.key)' (\(storage.byteCount) bytes)"
            )
        }
        try file.read(at: start + byteOffset, into: &buffer, count: count)
    }
}
