internal import CHDF5
public import TensorCore

/// A group: a folder of datasets and subgroups, with attributes.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    public let file: HDF5File
    public let fullName: String
    let handle: H5Handle

    init(file: HDF5File, parentID: hid_t, name: String, fullName: String) throws(HDF5Error) {
        self.file = file
        self.fullName = fullName
        let id = H5Gopen2(parentID, name, chdf5_p_default())
        self.handle = try H5Handle(id, path: file.path, operation: "open group '\(fullName)'", closer: H5Gclose)
    }

    private init(file: HDF5File, fullName: String, handle: H5Handle) {
        self.file = file
        self.fullName = fullName
        self.handle = handle
    }

    var objectID: hid_t { handle.id }

    func childName(_ name: String) -> String { fullName == "/" ? "/" + name : fullName + "/" + name }

    /// True when a direct child link called `name` exists.
    public func contains(_ name: String) -> Bool {
        H5Library.prepareThread()
        let exists = H5Lexists(handle.id, name, chdf5_p_default())
        if exists < 0 { _ = H5Library.takeErrorStack() }
        return exists > 0
    }

    /// Whether the child `name` is a group, a dataset, or something else.
    public func kind(of name: String) throws(HDF5Error) -> HDF5ObjectKind {
        guard contains(name) else { throw .missingObject(path: file.path, object: childName(name)) }
        var info = H5O_info_t()
        try H5Library.check(
            status: H5Oget_info_by_name2(handle.id, name, &info, UInt32(H5O_INFO_BASIC), chdf5_p_default()),
            path: file.path, "inspect '\(childName(name))'")
        switch info.type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        default: return .other
        }
    }

    /// Creates a child group that tracks link creation order.
    public func createGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        let path = file.path
        let properties = try H5Handle(
            H5Pcreate(chdf5_p_group_create()), path: path, operation: "make group properties", closer: H5Pclose)
        let orderFlags = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
        try H5Library.check(
            status: H5Pset_link_creation_order(properties.id, orderFlags), path: path, "track link order")
        try H5Library.check(
            status: H5Pset_attr_creation_order(properties.id, orderFlags), path: path, "track attribute order")
        let id = H5Gcreate2(handle.id, name, chdf5_p_default(), properties.id, chdf5_p_default())
        let child = try H5Handle(id, path: path, operation: "create group '\(childName(name))'", closer: H5Gclose)
        return HDF5Group(file: file, fullName: childName(name), handle: child)
    }

    /// Opens the child group `name`.
    public func group(_ name: String) throws(HDF5Error) -> HDF5Group {
        guard try kind(of: name) == .group else {
            throw .unexpectedObject(path: file.path, object: childName(name), expected: "a group")
        }
        return try HDF5Group(file: file, parentID: handle.id, name: name, fullName: childName(name))
    }

    /// Opens the child group `name`, creating it if needed.
    public func groupCreatingIfNeeded(_ name: String) throws(HDF5Error) -> HDF5Group {
        contains(name) ? try group(name) : try createGroup(name)
    }

    /// Opens the child dataset `name`.
    public func dataset(_ name: String) throws(HDF5Error) -> HDF5Dataset {
        guard try kind(of: name) == .dataset else {
            throw .unexpectedObject(path: file.path, object: childName(name), expected: "a dataset")
        }
        return try HDF5Dataset(group: self, name: name)
    }

    /// Creates a contiguous, uncompressed dataset of `dtype` and `shape` (rank 0 is a scalar).
    public func createDataset(_ name: String, dtype: DType, shape: [Int]) throws(HDF5Error) -> HDF5Dataset {
        try HDF5Dataset(creatingIn: self, name: name, dtype: dtype, shape: shape)
    }

    /// Names of the direct children, in creation order when the group tracks it, else by name.
    public func childNames() throws(HDF5Error) -> [String] {
        H5Library.prepareThread()
        final class Names { var values: [String] = [] }
        let names = Names()
        let unmanaged = Unmanaged.passRetained(names)
        defer { unmanaged.release() }
        let callback: H5L_iterate_t = { _, name, _, data in
            guard let name, let data else { return 0 }
            Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().values.append(String(cString: name))
            return 0
        }
        var index: hsize_t = 0
        var status = H5Literate(handle.id, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, callback, unmanaged.toOpaque())
        if status < 0 {
            // Files written by other tools may not track creation order; fall back to names.
            _ = H5Library.takeErrorStack()
            names.values.removeAll()
            index = 0
            status = H5Literate(handle.id, H5_INDEX_NAME, H5_ITER_INC, &index, callback, unmanaged.toOpaque())
        }
        try H5Library.check(status: status, path: file.path, "list the members of '\(fullName)'")
        return names.values
    }
}

public enum HDF5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}
