internal import CHDF5
public import TensorCore

/// A dataset: one n-dimensional array of a fixed element type.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    public let file: HDF5File
    public let fullName: String
    let handle: H5Handle
    /// Element type as stored in the file.
    public let dtype: DType
    public let shape: [Int]

    var objectID: hid_t { handle.id }

    /// Elements and bytes of the whole dataset, checked when it was opened or created.
    public let elementCount: Int
    public let byteCount: Int

    init(group: HDF5Group, name: String) throws(HDF5Error) {
        let path = group.file.path
        let object = group.childName(name)
        self.file = group.file
        self.fullName = object
        self.handle = try H5Handle(
            H5Dopen2(group.handle.id, name, chdf5_p_default()), path: path,
            operation: "open dataset '\(object)'", closer: H5Dclose)
        let type = try H5Handle(H5Dget_type(handle.id), path: path, operation: "read a datatype", closer: H5Tclose)
        self.dtype = try HDF5Datatype.classify(type.id, path: path, object: object)
        let extent = try DatasetExtent(datasetID: handle.id, itemSize: dtype.itemSize, file: file, object: object)
        self.shape = extent.shape
        self.elementCount = extent.elementCount
        self.byteCount = extent.byteCount
    }

    init(creatingIn group: HDF5Group, name: String, dtype: DType, shape: [Int]) throws(HDF5Error) {
        let path = group.file.path
        let object = group.childName(name)
        // What we write is bounded by what we read from, so only overflow is refused here.
        let sizes = try DatasetExtent.sizes(shape, itemSize: dtype.itemSize, limit: Int.max, path: path, object: object)
        let type = try HDF5Datatype.make(dtype, path: path)
        let space: H5Handle
        if shape.isEmpty {
            space = try H5Handle(
                H5Screate(H5S_SCALAR), path: path, operation: "make a scalar dataspace", closer: H5Sclose)
        } else {
            let dims = shape.map { hsize_t($0) }
            space = try H5Handle(
                H5Screate_simple(Int32(dims.count), dims, nil), path: path,
                operation: "make a dataspace for '\(object)'", closer: H5Sclose)
        }
        let properties = try H5Handle(
            H5Pcreate(chdf5_p_dataset_create()), path: path, operation: "make dataset properties", closer: H5Pclose)
        // Every byte is written by us, so HDF5 need not write fill values first.
        try H5Library.check(status: H5Pset_fill_time(properties.id, H5D_FILL_TIME_NEVER), path: path, "set fill time")
        try H5Library.check(status: H5Pset_layout(properties.id, H5D_CONTIGUOUS), path: path, "set contiguous layout")
        // Allocate the data's place now, so `fileOffset` is known before any byte is written.
        try H5Library.check(
            status: H5Pset_alloc_time(properties.id, H5D_ALLOC_TIME_EARLY), path: path, "set allocation time")
        let id = H5Dcreate2(
            group.handle.id, name, type.id, space.id, chdf5_p_default(), properties.id, chdf5_p_default())
        self.handle = try H5Handle(id, path: path, operation: "create dataset '\(object)'", closer: H5Dclose)
        self.file = group.file
        self.fullName = object
        self.dtype = dtype
        self.shape = shape
        self.elementCount = sizes.elementCount
        self.byteCount = sizes.byteCount
    }

    /// Writes the whole dataset from packed row-major bytes.
    public func write(_ bytes: [UInt8]) throws(HDF5Error) {
        guard bytes.count == byteCount else {
            throw .sizeMismatch(path: file.path, object: fullName, expectedBytes: byteCount, actualBytes: bytes.count)
        }
        if bytes.isEmpty { return }
        let type = try HDF5Datatype.make(dtype, path: file.path)
        let status = bytes.withUnsafeBytes { raw in
            H5Dwrite(handle.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), raw.baseAddress)
        }
        try H5Library.check(status: status, path: file.path, "write '\(fullName)'")
    }

    /// Writes rows `[firstRow, firstRow + rowCount)` along the first dimension from the first bytes
    /// of `bytes` (which may be longer: streaming callers reuse one buffer).
    public func writeRows(firstRow: Int, rowCount: Int, bytes: [UInt8]) throws(HDF5Error) {
        guard let rows = shape.first, firstRow >= 0, rowCount >= 0, firstRow + rowCount <= rows else {
            throw .callFailed(
                path: file.path, operation: "write rows of '\(fullName)'",
                detail: "rows \(firstRow)..<\(firstRow + rowCount) outside shape \(shape)")
        }
        let rowBytes = rows == 0 ? 0 : byteCount / rows
        guard bytes.count >= rowCount * rowBytes else {
            throw .sizeMismatch(
                path: file.path, object: fullName, expectedBytes: rowCount * rowBytes, actualBytes: bytes.count)
        }
        if rowCount * rowBytes == 0 { return }
        let path = file.path
        let type = try HDF5Datatype.make(dtype, path: path)
        let fileSpace = try H5Handle(
            H5Dget_space(handle.id), path: path, operation: "read a dataspace", closer: H5Sclose)
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(firstRow)
        var count = shape.map { hsize_t($0) }
        count[0] = hsize_t(rowCount)
        try H5Library.check(
            status: H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, count, nil), path: path, "select rows"
        )
        let memorySpace = try H5Handle(
            H5Screate_simple(Int32(count.count), count, nil), path: path, operation: "make a dataspace",
            closer: H5Sclose)
        let status = bytes.withUnsafeBytes { raw in
            H5Dwrite(handle.id, type.id, memorySpace.id, fileSpace.id, chdf5_p_default(), raw.baseAddress)
        }
        try H5Library.check(status: status, path: path, "write rows of '\(fullName)'")
    }

    /// Reads rows `[firstRow, firstRow + rowCount)` along the first dimension into the first bytes of
    /// `buffer` (grown if shorter), in the stored element type.
    public func readRows(firstRow: Int, rowCount: Int, into buffer: inout [UInt8]) throws(HDF5Error) {
        guard let rows = shape.first, firstRow >= 0, rowCount >= 0, rowCount <= rows - firstRow else {
            throw .callFailed(
                path: file.path, operation: "read rows of '\(fullName)'",
                detail: "rows \(firstRow)..<\(firstRow &+ rowCount) outside shape \(shape)")
        }
        // Every partial product of the shape was checked against overflow when the dataset opened.
        let rowBytes = shape.dropFirst().reduce(dtype.itemSize, *)
        let count = rowCount * rowBytes
        if count == 0 { return }
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        let path = file.path
        let type = try H5Handle(H5Dget_type(handle.id), path: path, operation: "read a datatype", closer: H5Tclose)
        let fileSpace = try H5Handle(
            H5Dget_space(handle.id), path: path, operation: "read a dataspace", closer: H5Sclose)
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(firstRow)
        var counts = shape.map { hsize_t($0) }
        counts[0] = hsize_t(rowCount)
        try H5Library.check(
            status: H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, counts, nil), path: path,
            "select rows")
        let memorySpace = try H5Handle(
            H5Screate_simple(Int32(counts.count), counts, nil), path: path, operation: "make a dataspace",
            closer: H5Sclose)
        let status = buffer.withUnsafeMutableBytes { raw in
            H5Dread(handle.id, type.id, memorySpace.id, fileSpace.id, chdf5_p_default(), raw.baseAddress)
        }
        try H5Library.check(status: status, path: path, "read rows of '\(fullName)'")
    }

    /// Reads the whole dataset as packed row-major bytes in its stored element type, with no conversion.
    public func readBytes() throws(HDF5Error) -> [UInt8] {
        try readWhole(count: byteCount, as: UInt8.self)
    }

    /// The dataset as a tensor in its stored element type.
    public func readTensor() throws(HDF5Error) -> Tensor {
        let bytes = try readBytes()
        do {
            return try Tensor(dtype: dtype, shape: shape, bytes: bytes)
        } catch {
            throw .sizeMismatch(path: file.path, object: fullName, expectedBytes: byteCount, actualBytes: bytes.count)
        }
    }

    /// The dataset widened to `Float` (exact for f16, bf16 and f32). f32 data (little-endian, which
    /// `HDF5Datatype.classify` checked) is read straight into the result: a model's weights are then
    /// allocated and copied once, not twice.
    public func readFloats() throws(HDF5Error) -> [Float] {
        guard dtype == .f32 else { return TensorBytes.floats(from: try readBytes(), dtype: dtype) }
        return try readWhole(count: elementCount, as: Float.self)
    }

    /// The whole dataset read into `count` elements of `Element`, with the dataset's own file type:
    /// HDF5 converts nothing, bits stay bits. The array is filled by the read itself (no zeroing
    /// first); a failed read is thrown and the array dropped, and these element types have no
    /// invalid bit patterns.
    private func readWhole<Element: BitwiseCopyable>(count: Int, as: Element.Type) throws(HDF5Error) -> [Element] {
        if count == 0 { return [] }
        let path = file.path
        let type = try H5Handle(H5Dget_type(handle.id), path: path, operation: "read a datatype", closer: H5Tclose)
        var status: herr_t = -1
        let result = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = H5Dread(handle.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress)
            initialized = count
        }
        try H5Library.check(status: status, path: path, "read '\(fullName)'")
        return result
    }

    /// Reads a dataset of any fixed-size element type as raw bytes, without interpreting the type
    /// (for h5py-written files storing, e.g., bf16 bit patterns as uint16).
    public static func readRaw(group: HDF5Group, name: String) throws(HDF5Error) -> (
        shape: [Int], elementSize: Int, bytes: [UInt8], dtypeAttribute: String?
    ) {
        H5Library.prepareThread()
        let path = group.file.path
        let object = group.childName(name)
        let handle = try H5Handle(
            H5Dopen2(group.handle.id, name, chdf5_p_default()), path: path, operation: "open dataset '\(object)'",
            closer: H5Dclose)
        let type = try H5Handle(H5Dget_type(handle.id), path: path, operation: "read a datatype", closer: H5Tclose)
        let elementSize = H5Tget_size(type.id)
        guard (1...64).contains(elementSize) else {
            throw .unsupportedDatatype(path: path, object: object, detail: "\(elementSize)-byte elements")
        }
        let extent = try DatasetExtent(datasetID: handle.id, itemSize: elementSize, file: group.file, object: object)
        var bytes = [UInt8](repeating: 0, count: extent.byteCount)
        if !bytes.isEmpty {
            let status = bytes.withUnsafeMutableBytes {
                H5Dread(handle.id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress)
            }
            try H5Library.check(status: status, path: path, "read '\(object)'")
        }
        var dtypeAttribute: String?
        if H5Aexists(handle.id, "dtype") > 0 {
            let attribute = try H5Handle(
                H5Aopen(handle.id, "dtype", chdf5_p_default()), path: path, operation: "open attribute 'dtype'",
                closer: H5Aclose)
            let attributeType = try H5Handle(
                H5Aget_type(attribute.id), path: path, operation: "read an attribute type", closer: H5Tclose)
            if H5Tis_variable_str(attributeType.id) > 0 {
                var pointer: UnsafeMutablePointer<CChar>? = nil
                if H5Aread(attribute.id, attributeType.id, &pointer) >= 0, let pointer {
                    dtypeAttribute = String(cString: pointer)
                    H5free_memory(pointer)
                }
            }
        }
        return (extent.shape, elementSize, bytes, dtypeAttribute)
    }

    /// Byte offset of the data in the file for a contiguous dataset whose storage is allocated, else nil.
    public var fileOffset: Int? {
        let offset = H5Dget_offset(handle.id)
        if offset == haddr_t.max { _ = H5Library.takeErrorStack(); return nil }
        return Int(exactly: offset)
    }
}
