/// NPY format 1.0, as `numpy.save` writes it, for every writer of `.npy`/`.npz` files (`export`, `embed`):
/// the magic, the version, a Python-literal header padded so the data starts on a 64-byte boundary; the
/// little-endian C-order values follow.
public enum NumpyFormat {
    /// numpy's `descr` for each element type, or nil for bfloat16, which numpy has no type for.
    public static func descriptor(_ dtype: DType) -> String? {
        switch dtype {
        case .f32: return "<f4"
        case .f16: return "<f2"
        case .f64: return "<f8"
        case .i64: return "<i8"
        case .i32: return "<i4"
        case .i16: return "<i2"
        case .i8: return "|i1"
        case .u8: return "|u1"
        case .bool: return "|b1"
        case .bf16: return nil
        }
    }

    /// The bytes before the data of an array of `shape` whose elements numpy calls `descriptor`.
    public static func header(descriptor: String, shape: [Int]) -> [UInt8] {
        let dimensions =
            shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(dimensions), }"
        // magic (6) + version (2) + length (2) + dictionary + '\n' is a multiple of 64.
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(dictionary.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
    }
}
