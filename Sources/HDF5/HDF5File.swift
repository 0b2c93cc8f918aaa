internal import CHDF5

/// An open HDF5 file. Closing happens when the last reference goes away, or explicitly with `close()`.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    /// The budgets every read from this file is checked against.
    public let limits: HDF5Limits
    /// The file's length as its superblock states it (checked against the real length); data of
    /// every dataset must lie before it.
    let byteCount: UInt64
    private var handle: H5Handle?

    private init(path: String, handle: H5Handle, limits: HDF5Limits, byteCount: UInt64) {
        self.path = path
        self.handle = handle
        self.limits = limits
        self.byteCount = byteCount
    }

    /// Creates a new file, failing if one exists. Links in every group are tracked in creation
    /// order, so tools list tensors in the order we wrote them rather than alphabetically.
    public static func create(path: String) throws(HDF5Error) -> HDF5File {
        H5Library.prepareThread()
        let creation = try H5Handle(
            H5Pcreate(chdf5_p_file_create()), path: path, operation: "make file properties", closer: H5Pclose)
        let orderFlags = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
        try H5Library.check(
            status: H5Pset_link_creation_order(creation.id, orderFlags), path: path, "track link creation order")
        try H5Library.check(
            status: H5Pset_attr_creation_order(creation.id, orderFlags), path: path, "track attribute creation order")
        let access = try H5Handle(
            H5Pcreate(chdf5_p_file_access()), path: path, operation: "make file access properties", closer: H5Pclose)
        // Align every object of 4 KiB or more on 64 bytes so tensor data can be read in place.
        try H5Library.check(status: H5Pset_alignment(access.id, 4096, 64), path: path, "set alignment")
        let id = H5Fcreate(path, chdf5_f_acc_excl(), creation.id, access.id)
        let handle = try H5Handle(id, path: path, operation: "create the file", closer: H5Fclose)
        return HDF5File(path: path, handle: handle, limits: .default, byteCount: UInt64.max)
    }

    /// Opens an existing file read-only, after `HDF5Preflight` has walked it: libhdf5 parses only
    /// files whose every structure our own bounded reader accepted.
    public static func open(path: String, limits: HDF5Limits = .default) throws(HDF5Error) -> HDF5File {
        H5Library.prepareThread()
        let summary = try HDF5Preflight.check(path: path, limits: limits)
        let id = H5Fopen(path, chdf5_f_acc_rdonly(), chdf5_p_default())
        let handle = try H5Handle(id, path: path, operation: "open the file", closer: H5Fclose)
        return HDF5File(path: path, handle: handle, limits: limits, byteCount: summary.fileBytes)
    }

    /// Opens without `HDF5Preflight`: only for tests of the checks every opened dataset gets
    /// afterwards (`DatasetExtent`), on files libhdf5 opens without crashing.
    static func openSkippingPreflight(path: String, limits: HDF5Limits) throws(HDF5Error) -> HDF5File {
        H5Library.prepareThread()
        let size = try PreflightFile(path: path, limits: limits).size
        let id = H5Fopen(path, chdf5_f_acc_rdonly(), chdf5_p_default())
        let handle = try H5Handle(id, path: path, operation: "open the file", closer: H5Fclose)
        return HDF5File(path: path, handle: handle, limits: limits, byteCount: size)
    }

    /// The root group `/`.
    public func root() throws(HDF5Error) -> HDF5Group {
        try HDF5Group(file: self, parentID: try fileID(), name: "/", fullName: "/")
    }

    /// Flushes and closes the file; every object opened from it must be released first.
    public func close() throws(HDF5Error) {
        guard let handle else { return }
        try H5Library.check(status: H5Fflush(handle.id, H5F_SCOPE_GLOBAL), path: path, "flush the file")
        self.handle = nil
    }

    func fileID() throws(HDF5Error) -> hid_t {
        guard let handle else { throw .callFailed(path: path, operation: "use the file", detail: "it is closed") }
        return handle.id
    }
}
