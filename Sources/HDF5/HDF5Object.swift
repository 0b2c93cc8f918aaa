internal import CHDF5

/// What groups and datasets share: a name in a file, and attributes.
public protocol HDF5Object: AnyObject {
    var file: HDF5File { get }
    var fullName: String { get }
}

/// Values an attribute can hold. Strings are variable-length UTF-8 (h5py reads them as `str`).
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case intArray([Int64])
    case doubleArray([Double])
}

extension HDF5Object {
    var objectIDForAttributes: hid_t {
        if let group = self as? HDF5Group { return group.objectID }
        if let dataset = self as? HDF5Dataset { return dataset.objectID }
        return -1
    }

    /// Writes (or replaces) an attribute.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws(HDF5Error) {
        let path = file.path
        let objectID = objectIDForAttributes
        if H5Aexists(objectID, name) > 0 {
            try H5Library.check(
                status: H5Adelete(objectID, name), path: path, "replace attribute '\(name)' of '\(fullName)'")
        }
        let type: H5Handle
        let space: H5Handle
        switch value {
        case .string:
            type = try H5Handle(H5Tcopy(chdf5_t_c_s1()), path: path, operation: "make a string type", closer: H5Tclose)
            try H5Library.check(status: H5Tset_size(type.id, chdf5_variable()), path: path, "make a string type")
            try H5Library.check(status: H5Tset_cset(type.id, H5T_CSET_UTF8), path: path, "make a string type")
            space = try H5Handle(H5Screate(H5S_SCALAR), path: path, operation: "make a dataspace", closer: H5Sclose)
        case .int, .double:
            type = try H5Handle(
                H5Tcopy(value.isInt ? chdf5_t_std_i64le() : chdf5_t_ieee_f64le()), path: path, operation: "copy a type",
                closer: H5Tclose)
            space = try H5Handle(H5Screate(H5S_SCALAR), path: path, operation: "make a dataspace", closer: H5Sclose)
        case .intArray, .doubleArray:
            type = try H5Handle(
                H5Tcopy(value.isInt ? chdf5_t_std_i64le() : chdf5_t_ieee_f64le()), path: path, operation: "copy a type",
                closer: H5Tclose)
            var dims = [hsize_t(value.arrayCount)]
            space = try H5Handle(
                H5Screate_simple(1, &dims, nil), path: path, operation: "make a dataspace", closer: H5Sclose)
        }
        let attribute = try H5Handle(
            H5Acreate2(objectID, name, type.id, space.id, chdf5_p_default(), chdf5_p_default()),
            path: path, operation: "create attribute '\(name)' of '\(fullName)'", closer: H5Aclose)
        let status: herr_t
        switch value {
        case .string(let text):
            status = text.withCString { pointer in
                var pointers: [UnsafePointer<CChar>?] = [pointer]
                return H5Awrite(attribute.id, type.id, &pointers)
            }
        case .int(let number):
            var copy = number
            status = H5Awrite(attribute.id, chdf5_t_native_int64(), &copy)
        case .double(let number):
            var copy = number
            status = H5Awrite(attribute.id, chdf5_t_native_double(), &copy)
        case .intArray(let numbers):
            status = numbers.withUnsafeBytes { H5Awrite(attribute.id, chdf5_t_native_int64(), $0.baseAddress) }
        case .doubleArray(let numbers):
            status = numbers.withUnsafeBytes { H5Awrite(attribute.id, chdf5_t_native_double(), $0.baseAddress) }
        }
        try H5Library.check(status: status, path: path, "write attribute '\(name)' of '\(fullName)'")
    }

    /// Names of all attributes, in creation order where tracked.
    public func attributeNames() throws(HDF5Error) -> [String] {
        H5Library.prepareThread()
        let objectID = objectIDForAttributes
        var info = H5O_info_t()
        try H5Library.check(
            status: H5Oget_info2(objectID, &info, UInt32(H5O_INFO_NUM_ATTRS)), path: file.path,
            "count attributes of '\(fullName)'")
        let limit = file.limits.maxAttributesPerObject
        guard info.num_attrs <= hsize_t(limit) else {
            throw .limitExceeded(path: file.path, what: "the attributes of '\(fullName)'", limit: limit)
        }
        var names: [String] = []
        for index in 0..<info.num_attrs {
            var order = H5_INDEX_CRT_ORDER
            var length = H5Aget_name_by_idx(objectID, ".", order, H5_ITER_INC, index, nil, 0, chdf5_p_default())
            if length < 0 {
                _ = H5Library.takeErrorStack()
                order = H5_INDEX_NAME
                length = H5Aget_name_by_idx(objectID, ".", order, H5_ITER_INC, index, nil, 0, chdf5_p_default())
            }
            guard length >= 0, length <= 1 << 16 else {
                try H5Library.check(status: -1, path: file.path, "list attributes of '\(fullName)'"); break
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Aget_name_by_idx(objectID, ".", order, H5_ITER_INC, index, &buffer, buffer.count, chdf5_p_default())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    public func hasAttribute(_ name: String) -> Bool {
        H5Library.prepareThread()
        let exists = H5Aexists(objectIDForAttributes, name)
        if exists < 0 { _ = H5Library.takeErrorStack() }
        return exists > 0
    }

    /// Reads an attribute of any supported kind.
    public func attribute(_ name: String) throws(HDF5Error) -> HDF5AttributeValue {
        let path = file.path
        guard hasAttribute(name) else { throw .missingAttribute(path: path, object: fullName, attribute: name) }
        let attribute = try H5Handle(
            H5Aopen(objectIDForAttributes, name, chdf5_p_default()), path: path,
            operation: "open attribute '\(name)' of '\(fullName)'", closer: H5Aclose)
        let type = try H5Handle(
            H5Aget_type(attribute.id), path: path, operation: "read an attribute type", closer: H5Tclose)
        let space = try H5Handle(
            H5Aget_space(attribute.id), path: path, operation: "read an attribute dataspace", closer: H5Sclose)
        // The preflight bounded every attribute's bytes; this holds for files libhdf5 opened
        // otherwise too (a negative count is libhdf5's error value).
        let points = H5Sget_simple_extent_npoints(space.id)
        let limit = file.limits.maxAttributeBytes
        guard points >= 0, points <= limit / 8, let count = Int(exactly: points) else {
            _ = H5Library.takeErrorStack()
            throw .limitExceeded(
                path: path, what: "the elements of attribute '\(name)' of '\(fullName)'", limit: limit / 8)
        }
        let isScalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR && count == 1
        switch H5Tget_class(type.id) {
        case H5T_STRING:
            guard count == 1 else {
                throw .attributeType(path: path, object: fullName, attribute: name, expected: "a single string")
            }
            if H5Tis_variable_str(type.id) > 0 {
                var pointer: UnsafeMutablePointer<CChar>? = nil
                try H5Library.check(
                    status: H5Aread(attribute.id, type.id, &pointer), path: path, "read attribute '\(name)'")
                defer { if let pointer { H5free_memory(pointer) } }
                return .string(pointer.map { String(cString: $0) } ?? "")
            }
            let size = H5Tget_size(type.id)
            guard size <= limit else {
                throw .limitExceeded(path: path, what: "the string attribute '\(name)' of '\(fullName)'", limit: limit)
            }
            var buffer = [UInt8](repeating: 0, count: size + 1)
            try H5Library.check(
                status: buffer.withUnsafeMutableBytes { H5Aread(attribute.id, type.id, $0.baseAddress) }, path: path,
                "read attribute '\(name)'")
            let end = buffer.firstIndex(of: 0) ?? size
            return .string(String(decoding: buffer[..<end], as: UTF8.self))
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            try H5Library.check(
                status: values.withUnsafeMutableBytes { H5Aread(attribute.id, chdf5_t_native_int64(), $0.baseAddress) },
                path: path, "read attribute '\(name)'")
            return isScalar ? .int(values[0]) : .intArray(values)
        case H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            try H5Library.check(
                status: values.withUnsafeMutableBytes {
                    H5Aread(attribute.id, chdf5_t_native_double(), $0.baseAddress)
                }, path: path, "read attribute '\(name)'")
            return isScalar ? .double(values[0]) : .doubleArray(values)
        default:
            throw .attributeType(path: path, object: fullName, attribute: name, expected: "a string or number")
        }
    }

    public func stringAttribute(_ name: String) throws(HDF5Error) -> String {
        guard case .string(let value) = try attribute(name) else {
            throw .attributeType(path: file.path, object: fullName, attribute: name, expected: "a string")
        }
        return value
    }

    public func intAttribute(_ name: String) throws(HDF5Error) -> Int64 {
        switch try attribute(name) {
        case .int(let value): return value
        case .intArray(let values) where values.count == 1: return values[0]
        default: throw .attributeType(path: file.path, object: fullName, attribute: name, expected: "an integer")
        }
    }

    public func doubleAttribute(_ name: String) throws(HDF5Error) -> Double {
        switch try attribute(name) {
        case .double(let value): return value
        case .int(let value): return Double(value)
        case .doubleArray(let values) where values.count == 1: return values[0]
        default: throw .attributeType(path: file.path, object: fullName, attribute: name, expected: "a number")
        }
    }
}

extension HDF5AttributeValue {
    var arrayCount: Int {
        switch self {
        case .intArray(let values): return values.count
        case .doubleArray(let values): return values.count
        default: return 1
        }
    }

    var isInt: Bool {
        switch self {
        case .int, .intArray: return true
        default: return false
        }
    }
}
