public import TensorCore

/// The storage classes `torch.save` names in persistent ids (`torch.FloatStorage`, …;
/// `TypedStorage._pickle_storage_type`), one per element type: the table the reader's allowlist
/// accepts and the writer emits.
public enum TorchStorageType {
    public static let all: [(name: String, dtype: DType)] = [
        ("FloatStorage", .f32), ("DoubleStorage", .f64), ("HalfStorage", .f16), ("BFloat16Storage", .bf16),
        ("LongStorage", .i64), ("IntStorage", .i32), ("ShortStorage", .i16), ("CharStorage", .i8),
        ("ByteStorage", .u8), ("BoolStorage", .bool),
    ]

    /// The class name for `dtype`.
    public static func name(of dtype: DType) -> String {
        all.first { $0.dtype == dtype }!.name
    }
}
