internal import CHDF5
import TensorCore

/// Maps our element types to HDF5 file datatypes and back.
///
/// libhdf5 1.10 has no predefined 16-bit float, so f16 is a user-defined IEEE binary16 layout
/// (sign bit 15, exponent bits 10–14, mantissa bits 0–9, bias 15), which h5py reads as `float16`.
/// bf16 is the same construction with an 8-bit exponent at bit 7 and bias 127: the exact bfloat16
/// bit layout, so no value changes on the way in or out. Booleans are stored as u8.
enum HDF5Datatype {
    /// A new datatype id for `dtype`, owned by the returned handle.
    static func make(_ dtype: DType, path: String) throws(HDF5Error) -> H5Handle {
        let base: hid_t
        switch dtype {
        case .f32, .f16, .bf16: base = chdf5_t_ieee_f32le()
        case .f64: base = chdf5_t_ieee_f64le()
        case .i64: base = chdf5_t_std_i64le()
        case .i32: base = chdf5_t_std_i32le()
        case .i16: base = chdf5_t_std_i16le()
        case .i8: base = chdf5_t_std_i8le()
        case .u8, .bool: base = chdf5_t_std_u8le()
        }
        let handle = try H5Handle(H5Tcopy(base), path: path, operation: "copy a datatype", closer: H5Tclose)
        switch dtype {
        case .f16:
            try H5Library.check(status: H5Tset_fields(handle.id, 15, 10, 5, 0, 10), path: path, "define float16")
            try H5Library.check(status: H5Tset_size(handle.id, 2), path: path, "define float16")
            try H5Library.check(status: H5Tset_ebias(handle.id, 15), path: path, "define float16")
        case .bf16:
            try H5Library.check(status: H5Tset_fields(handle.id, 15, 7, 8, 0, 7), path: path, "define bfloat16")
            try H5Library.check(status: H5Tset_size(handle.id, 2), path: path, "define bfloat16")
            try H5Library.check(status: H5Tset_ebias(handle.id, 127), path: path, "define bfloat16")
        default:
            break
        }
        return handle
    }

    /// The element type a file datatype stores, or an error naming what it is instead.
    static func classify(_ typeID: hid_t, path: String, object: String) throws(HDF5Error) -> DType {
        let size = H5Tget_size(typeID)
        let typeClass = H5Tget_class(typeID)
        if typeClass == H5T_FLOAT || typeClass == H5T_INTEGER, H5Tget_order(typeID) != H5T_ORDER_LE, size > 1 {
            throw .unsupportedDatatype(path: path, object: object, detail: "big-endian")
        }
        if typeClass == H5T_FLOAT {
            var signPosition = 0, exponentPosition = 0, exponentSize = 0, mantissaPosition = 0, mantissaSize = 0
            _ = H5Tget_fields(typeID, &signPosition, &exponentPosition, &exponentSize, &mantissaPosition, &mantissaSize)
            switch (size, exponentSize, mantissaSize) {
            case (4, 8, 23): return .f32
            case (8, 11, 52): return .f64
            case (2, 5, 10): return .f16
            case (2, 8, 7): return .bf16
            default:
                throw .unsupportedDatatype(
                    path: path, object: object,
                    detail: "\(size)-byte float with \(exponentSize)-bit exponent and \(mantissaSize)-bit mantissa")
            }
        }
        if typeClass == H5T_INTEGER {
            let signed = H5Tget_sign(typeID) == H5T_SGN_2
            switch (size, signed) {
            case (8, true): return .i64
            case (4, true): return .i32
            case (2, true): return .i16
            case (1, true): return .i8
            case (1, false): return .u8
            default:
                throw .unsupportedDatatype(
                    path: path, object: object, detail: "\(size)-byte \(signed ? "signed" : "unsigned") integer")
            }
        }
        if typeClass == H5T_ENUM, size == 1 {
            // h5py stores numpy booleans as a 1-byte enum {FALSE, TRUE}.
            return .bool
        }
        throw .unsupportedDatatype(path: path, object: object, detail: "HDF5 class \(typeClass.rawValue)")
    }
}
