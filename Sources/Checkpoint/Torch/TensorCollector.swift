import TensorCore

/// Turns named tensor references from an unpickled object graph into validated `TensorRecord`s.
///
/// Everything is checked here, before any tensor byte is read: the shape's element count does not
/// overflow, the view fits the storage the pickle declared, and the declared storage fits the
/// bytes the file actually holds for it.
struct TensorCollector {
    let path: String
    let limits: ReaderLimits
    /// Bytes the file holds for a storage key, or nil when the record does not exist.
    let storageBytes: (StorageReference) -> StorageLocation?

    func records(_ named: [(name: String, tensor: TensorReference)]) throws(CheckpointError) -> [TensorRecord] {
        guard named.count <= limits.maxTensorCount else {
            throw .limitExceeded(path: path, limit: "tensor count", value: named.count, maximum: limits.maxTensorCount)
        }
        var seen = Set<String>()
        var result: [TensorRecord] = []
        result.reserveCapacity(named.count)
        for (name, tensor) in named {
            guard seen.insert(name).inserted else { throw .duplicateName(path: path, name: name) }
            result.append(try record(name: name, tensor))
        }
        return result
    }

    private func record(name: String, _ tensor: TensorReference) throws(CheckpointError) -> TensorRecord {
        let storage = tensor.storage
        let itemSize = storage.dtype.itemSize
        let needed: Int
        let elementCount: Int
        do {
            elementCount = try Shape.elementCount(tensor.shape)
            needed = try Shape.requiredStorageElements(
                shape: tensor.shape, strides: tensor.strides, storageOffset: tensor.storageOffset)
        } catch {
            throw .badTensor(path: path, tensor: name, reason: error.description)
        }
        // Even a view of no elements keeps its offset inside the storage, so every byte offset
        // derived from it later (`storageByteSpan`, the legacy view offset) stays addressable.
        guard needed <= storage.elementCount, tensor.storageOffset <= storage.elementCount else {
            throw .viewOutOfBounds(
                path: path, tensor: name,
                detail:
                    "shape \(tensor.shape), strides \(tensor.strides), offset \(tensor.storageOffset) need \(needed) elements; the storage declares \(storage.elementCount)"
            )
        }
        guard let location = storageBytes(storage) else {
            throw .missingRecord(path: path, record: storage.key, tensor: name)
        }
        // The declared storage (from the view offset on, in legacy files) must lie inside the file's bytes.
        let (declaredBytes, overflow1) = storage.elementCount.multipliedReportingOverflow(by: itemSize)
        let (viewBytes, overflow2) = storage.viewOffset.multipliedReportingOverflow(by: itemSize)
        let (total, overflow3) = declaredBytes.addingReportingOverflow(viewBytes)
        if overflow1 || overflow2 || overflow3 {
            throw .badTensor(
                path: path, tensor: name, reason: "storage of \(storage.elementCount) elements is too large to address")
        }
        guard total <= location.byteCount else {
            throw .storageTooSmall(path: path, tensor: name, neededBytes: total, availableBytes: location.byteCount)
        }
        // A view with more elements than its storage (zero or overlapping strides, as `expand`
        // makes) multiplies bytes when materialised: allowed only within a budget.
        let (materialisedBytes, overflow4) = elementCount.multipliedReportingOverflow(by: itemSize)
        if overflow4 || (materialisedBytes > declaredBytes && materialisedBytes > limits.maxExpandedViewBytes) {
            throw .limitExceeded(
                path: path, limit: "bytes of the expanded view '\(name)'",
                value: overflow4 ? Int.max : materialisedBytes,
                maximum: limits.maxExpandedViewBytes)
        }
        return TensorRecord(
            name: name, dtype: storage.dtype, shape: tensor.shape, strides: tensor.strides,
            storageOffset: tensor.storageOffset + storage.viewOffset, storage: location)
    }
}
