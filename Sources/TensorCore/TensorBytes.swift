/// Reinterpretation between little-endian byte buffers and numeric arrays.
///
/// This is the one place in TensorCore that reads bytes as numbers; every format in the project
/// stores little-endian data and the supported hosts (x86_64, arm64) are little-endian.
public enum TensorBytes {
    /// Elements of a packed buffer widened to `Float`.
    public static func floats(from bytes: [UInt8], dtype: DType) -> [Float] {
        let count = bytes.count / dtype.itemSize
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .f32:
                return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[0..<(count * 4)]))
                    initialized = count
                }
            case .f16:
                return (0..<count).map {
                    HalfPrecision.floatFromHalfBits(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
                }
            case .bf16:
                return (0..<count).map {
                    HalfPrecision.floatFromBFloat16Bits(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
                }
            case .f64:
                return (0..<count).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }
            case .i64:
                return (0..<count).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .i32:
                return (0..<count).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .i16:
                return (0..<count).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            case .i8:
                return (0..<count).map { Float(Int8(bitPattern: raw[$0])) }
            case .u8, .bool:
                return (0..<count).map { Float(raw[$0]) }
            }
        }
    }

    /// Elements of a packed integer buffer as `Int64` (used for small metadata tensors such as
    /// OpenAI's `input_resolution`). Float dtypes are truncated toward zero.
    public static func integers(from bytes: [UInt8], dtype: DType) -> [Int64] {
        let count = bytes.count / dtype.itemSize
        return bytes.withUnsafeBytes { raw -> [Int64] in
            switch dtype {
            case .i64: return (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
            case .i32: return (0..<count).map { Int64(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .i16: return (0..<count).map { Int64(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            case .i8: return (0..<count).map { Int64(Int8(bitPattern: raw[$0])) }
            case .u8, .bool: return (0..<count).map { Int64(raw[$0]) }
            case .f32, .f16, .bf16, .f64:
                return floats(from: bytes, dtype: dtype).map { $0.isFinite ? Int64($0) : 0 }
            }
        }
    }

    /// Little-endian bytes of `values` as f32.
    public static func bytes(fromFloats values: [Float]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    /// Little-endian bytes of `values` as bf16, and how many finite values overflowed to inf.
    public static func bfloat16Bytes(fromFloats values: [Float]) -> (bytes: [UInt8], overflowCount: Int) {
        var overflows = 0
        var bytes = [UInt8](repeating: 0, count: values.count * 2)
        for (index, value) in values.enumerated() {
            let (bits, overflowed) = HalfPrecision.bfloat16Bits(from: value)
            if overflowed { overflows += 1 }
            bytes[index * 2] = UInt8(truncatingIfNeeded: bits)
            bytes[index * 2 + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        return (bytes, overflows)
    }

    /// Little-endian bytes of `values` as f16, and how many finite values overflowed to inf.
    public static func halfBytes(fromFloats values: [Float]) -> (bytes: [UInt8], overflowCount: Int) {
        var overflows = 0
        var bytes = [UInt8](repeating: 0, count: values.count * 2)
        for (index, value) in values.enumerated() {
            let (bits, overflowed) = HalfPrecision.halfBits(from: value)
            if overflowed { overflows += 1 }
            bytes[index * 2] = UInt8(truncatingIfNeeded: bits)
            bytes[index * 2 + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        return (bytes, overflows)
    }
}
