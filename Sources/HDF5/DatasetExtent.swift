internal import CHDF5

/// The shape and sizes of a dataset opened from a file, checked before anything is allocated for
/// it: every dimension fits an `Int`, no product of dimensions overflows, the bytes stay within
/// `HDF5Limits.maxDatasetBytes`, and the stored bytes lie inside the file (contiguous data exactly
/// where the dataset says, compact data exactly its size, compressed chunks no larger than the file).
struct DatasetExtent {
    let shape: [Int]
    let elementCount: Int
    let byteCount: Int

    init(datasetID: hid_t, itemSize: Int, file: HDF5File, object: String) throws(HDF5Error) {
        let path = file.path
        let space = try H5Handle(H5Dget_space(datasetID), path: path, operation: "read a dataspace", closer: H5Sclose)
        let rank = H5Sget_simple_extent_ndims(space.id)
        try H5Library.check(status: rank, path: path, "read the rank of '\(object)'")
        guard rank <= 32 else { throw .unexpectedObject(path: path, object: object, expected: "of rank 32 or less") }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 {
            try H5Library.check(
                status: H5Sget_simple_extent_dims(space.id, &dimensions, nil), path: path,
                "read the dimensions of '\(object)'")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let value = Int(exactly: dimension) else {
                throw .limitExceeded(path: path, what: "dimension \(dimension) of '\(object)'", limit: Int.max)
            }
            shape.append(value)
        }
        let sizes = try Self.sizes(
            shape, itemSize: itemSize, limit: file.limits.maxDatasetBytes, path: path, object: object)
        self.shape = shape
        self.elementCount = sizes.elementCount
        self.byteCount = sizes.byteCount
        try checkStorage(datasetID: datasetID, file: file, object: object)
    }

    /// Elements and bytes of `shape`. The product of the non-zero dimensions must stay within the
    /// budget too, so that no partial product (a row's bytes, say) can overflow whatever the order.
    static func sizes(_ shape: [Int], itemSize: Int, limit: Int, path: String, object: String) throws(HDF5Error)
        -> (elementCount: Int, byteCount: Int)
    {
        var bound = itemSize
        var elementCount = 1
        for dimension in shape {
            let (product, overflow) = bound.multipliedReportingOverflow(by: max(dimension, 1))
            guard dimension >= 0, !overflow, product <= limit else {
                throw .limitExceeded(path: path, what: "the bytes of dataset '\(object)' \(shape)", limit: limit)
            }
            bound = product
            elementCount *= dimension
        }
        return (elementCount, elementCount * itemSize)
    }

    private func checkStorage(datasetID: hid_t, file: HDF5File, object: String) throws(HDF5Error) {
        let path = file.path
        let properties = try H5Handle(
            H5Dget_create_plist(datasetID), path: path, operation: "read the properties of '\(object)'",
            closer: H5Pclose)
        let layout = H5Pget_layout(properties.id)
        let stored = H5Dget_storage_size(datasetID)
        _ = H5Library.takeErrorStack()
        let fileBytes = file.byteCount
        switch layout {
        case H5D_CONTIGUOUS:
            let offset = UInt64(H5Dget_offset(datasetID))
            if offset == UInt64.max {
                // Never written: libhdf5 reads fill values.
                _ = H5Library.takeErrorStack()
                return
            }
            guard stored == hsize_t(byteCount) else {
                throw .sizeMismatch(
                    path: path, object: object, expectedBytes: byteCount, actualBytes: Int(clamping: stored))
            }
            guard offset <= fileBytes, stored <= fileBytes - offset else {
                throw .malformed(
                    path: path, offset: offset,
                    reason:
                        "the data of '\(object)' (\(stored) bytes) lies past the end of the file (\(fileBytes) bytes)")
            }
        case H5D_COMPACT:
            guard stored == hsize_t(byteCount) else {
                throw .sizeMismatch(
                    path: path, object: object, expectedBytes: byteCount, actualBytes: Int(clamping: stored))
            }
        case H5D_CHUNKED:
            // Compressed chunks: their decompressed size is `byteCount`, within the budget; what
            // they occupy must fit the file.
            guard stored <= fileBytes else {
                throw .malformed(
                    path: path, offset: 0, reason: "the chunks of '\(object)' claim \(stored) bytes, more than the file"
                )
            }
        default:
            throw .unexpectedObject(path: path, object: object, expected: "a compact, contiguous or chunked dataset")
        }
    }
}
