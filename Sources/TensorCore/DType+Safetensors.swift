/// The safetensors format's dtype names (huggingface/safetensors `Dtype`), for the reader and the
/// writer alike: one table, so both always agree.
extension DType {
    /// Every supported element type with its safetensors name.
    public static let safetensorsNames: [(name: String, dtype: DType)] = [
        ("F32", .f32), ("F16", .f16), ("BF16", .bf16), ("F64", .f64), ("I64", .i64), ("I32", .i32),
        ("I16", .i16), ("I8", .i8), ("U8", .u8), ("BOOL", .bool),
    ]

    private static let bySafetensorsName: [String: DType] = Dictionary(
        safetensorsNames.map { ($0.name, $0.dtype) }, uniquingKeysWith: { first, _ in first })

    /// The element type a safetensors header names, or nil for one this project does not read.
    public init?(safetensorsName name: String) {
        guard let dtype = Self.bySafetensorsName[name] else { return nil }
        self = dtype
    }

    /// The name a safetensors header uses for this element type.
    public var safetensorsName: String {
        Self.safetensorsNames.first { $0.dtype == self }!.name
    }
}
