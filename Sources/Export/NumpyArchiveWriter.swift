import TensorCore

/// Writes an `.npz` file as `numpy.savez` does: a zip of one `<key>.npy` member per tensor, each
/// NPY format 1.0 (magic, version, a Python-literal header dict padded so the data starts on a
/// 64-byte boundary, then the raw little-endian C-order bytes).
enum NumpyArchiveWriter {
    /// numpy's `descr` for each element type; bf16 has none.
    static func descriptor(_ dtype: DType) -> String? {
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

    static func write(_ plan: StateDictPlan, to file: OutputFile) throws(ExportError) {
        for item in plan.items where descriptor(item.dtype) == nil {
            throw .unsupported(
                path: file.displayPath,
                reason: "'\(item.key)' is bfloat16, which numpy has no type for; pass --dtype f32")
        }
        let zip = ZipWriter(file: file)
        for item in plan.items {
            let data = try plan.tensor(item).contiguousBytes
            try zip.add(item.key + ".npy", header(descriptor: descriptor(item.dtype) ?? "", shape: item.shape) + data)
        }
        try zip.finish()
    }

    static func header(descriptor: String, shape: [Int]) -> [UInt8] {
        let dimensions =
            shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(dimensions), }"
        // magic (6) + version (2) + length (2) + dictionary + '\n' is a multiple of 64.
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes.appendLE(UInt16(dictionary.utf8.count))
        return bytes + Array(dictionary.utf8)
    }
}
