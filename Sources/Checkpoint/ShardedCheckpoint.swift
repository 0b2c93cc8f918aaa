import Foundation

/// A sharded checkpoint read as one: every shard named by the index, each opened with the reader its
/// bytes call for, behind the one `CheckpointReader` protocol.
///
/// Records come from all shards in shard order. Storage keys are qualified by the shard's file name
/// (`model-00001-of-00002.safetensors/<key>`), so storages of different shards never meet, and
/// `fileLocation(of:)` names the shard file that holds each storage, so converters copy from the
/// right file. The shards must agree with the index: a missing shard, a tensor in another shard than
/// the index says, a tensor in two shards, or a listed tensor that no shard holds is refused.
public final class ShardedCheckpoint: CheckpointReader, @unchecked Sendable {
    /// The index file.
    public let path: String
    public let format: CheckpointFormat
    public let records: [TensorRecord]
    public let wrapperKey: String
    public let notes: [String]
    /// Every shard file, in index order.
    public let shardPaths: [String]
    private let shards: [any CheckpointReader]
    private let storages: [String: (shard: Int, location: StorageLocation)]
    private let originals: [String: (shard: Int, record: TensorRecord)]

    public init(index: ShardIndex, limits: ReaderLimits = .default) throws(CheckpointError) {
        path = index.path
        var readers: [any CheckpointReader] = []
        var paths: [String] = []
        for name in index.shards {
            let shardPath = index.shardPath(name)
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw .missingShard(
                    index: index.path, shard: name, tensorCount: index.weightMap.values.filter { $0 == name }.count)
            }
            readers.append(try CheckpointOpener.open(path: shardPath, limits: limits))
            paths.append(shardPath)
        }
        let formats = Set(readers.map(\.format.rawValue))
        guard formats.count == 1, let format = readers.first?.format else {
            throw .inconsistentShards(
                index: index.path,
                reason: "the shards are of different formats (\(formats.sorted().joined(separator: ", ")))")
        }
        guard format != .onnx else {
            throw .inconsistentShards(index: index.path, reason: "ONNX models are not sharded by an index")
        }
        self.format = format
        let wrappers = Set(readers.map(\.wrapperKey))
        wrapperKey = wrappers.count == 1 ? wrappers.first ?? "" : ""

        var records: [TensorRecord] = []
        var storages: [String: (shard: Int, location: StorageLocation)] = [:]
        var originals: [String: (shard: Int, record: TensorRecord)] = [:]
        for (shard, reader) in readers.enumerated() {
            let name = index.shards[shard]
            for record in reader.records {
                if let other = originals[record.name] {
                    throw .inconsistentShards(
                        index: index.path,
                        reason: "tensor '\(record.name)' is in two shards, \(index.shards[other.shard]) and \(name)")
                }
                guard let listed = index.weightMap[record.name] else {
                    throw .inconsistentShards(
                        index: index.path, reason: "tensor '\(record.name)' of shard \(name) is not in the index")
                }
                guard listed == name else {
                    throw .inconsistentShards(
                        index: index.path,
                        reason: "tensor '\(record.name)' is in shard \(name), but the index puts it in \(listed)")
                }
                let key = name + "/" + record.storage.key
                storages[key] = (shard, record.storage)
                originals[record.name] = (shard, record)
                records.append(
                    TensorRecord(
                        name: record.name, dtype: record.dtype, shape: record.shape, strides: record.strides,
                        storageOffset: record.storageOffset,
                        storage: StorageLocation(key: key, byteCount: record.storage.byteCount)))
            }
        }
        for (tensor, shard) in index.weightMap.sorted(by: { $0.key < $1.key }) where originals[tensor] == nil {
            throw .inconsistentShards(
                index: index.path, reason: "the index lists tensor '\(tensor)' in \(shard), which does not hold it")
        }
        guard records.count <= limits.maxTensorCount else {
            throw .limitExceeded(
                path: index.path, limit: "tensor count", value: records.count, maximum: limits.maxTensorCount)
        }
        self.records = records
        self.storages = storages
        self.originals = originals
        shards = readers
        shardPaths = paths
        var notes = ["\(readers.count) shard(s): " + index.shards.joined(separator: ", ")]
        for (shard, reader) in readers.enumerated() {
            notes += reader.notes.map { "\(index.shards[shard]): \($0)" }
        }
        if wrappers.count > 1 { notes.append("the shards wrap their tensors differently: \(wrappers.sorted())") }
        self.notes = notes
    }

    /// Sharded storages have no offset in the index file; `fileLocation(of:)` names their shard.
    public func fileOffset(of storage: StorageLocation) -> Int? { nil }

    public func fileLocation(of storage: StorageLocation) -> StorageFileLocation? {
        guard let (shard, location) = storages[storage.key] else { return nil }
        return shards[shard].fileLocation(of: location)
    }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let (shard, location) = storages[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        try shards[shard].readStorage(location, byteOffset: byteOffset, into: &buffer, count: count)
    }

    public func verifyChecksum(of storage: StorageLocation) throws(CheckpointError) {
        guard let (shard, location) = storages[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: "?")
        }
        try shards[shard].verifyChecksum(of: location)
    }

    /// Every shard's checksums, each naming its own file.
    public func fileChecksums() -> [FileChecksums] { shards.flatMap { $0.fileChecksums() } }

    public func provenance(of record: TensorRecord) -> String? {
        guard let (shard, original) = originals[record.name] else { return nil }
        return shards[shard].provenance(of: original)
    }

    public func architectureEvidence() throws(CheckpointError) -> [ArchitectureEvidence] {
        var evidence: [ArchitectureEvidence] = []
        for shard in shards { evidence += try shard.architectureEvidence() }
        return evidence
    }
}
