public import TensorCore

/// How a source tensor becomes a canonical one. Each case has an exact inverse, so the same table
/// maps a converted file back to the source convention (`joined`).
public enum TensorTransform: Sendable, Equatable, Hashable {
    /// Same values, same shape: a rename.
    case identity
    /// Swap the two axes of a matrix (OpenAI's `proj` is `x @ proj`; canonical weights are `[out, in]`).
    case transpose
    /// Take the `part`-th of `parts` equal slices along the first axis (fused `in_proj` → q, k, v).
    case splitRows(part: Int, parts: Int)

    /// The spelling stored in the file's `transform` attribute.
    public var attributeValue: String {
        switch self {
        case .identity: return "identity"
        case .transpose: return "transpose"
        case .splitRows(let part, let parts): return parts == 3 ? "split_qkv:\(part)" : "split_rows:\(part)/\(parts)"
        }
    }

    /// Parses `attributeValue`'s spellings (`identity`, `transpose`, `split_qkv:K`, `split_rows:K/N`).
    public init?(attributeValue: String) {
        switch attributeValue {
        case "identity": self = .identity
        case "transpose": self = .transpose
        default:
            if let rest = attributeValue.dropPrefix("split_qkv:"), let part = Int(rest), (0..<3).contains(part) {
                self = .splitRows(part: part, parts: 3)
            } else if let rest = attributeValue.dropPrefix("split_rows:") {
                let numbers = rest.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
                guard numbers.count == 2, let part = numbers[0], let parts = numbers[1], parts > 0,
                    (0..<parts).contains(part)
                else { return nil }
                self = .splitRows(part: part, parts: parts)
            } else {
                return nil
            }
        }
    }

    /// The shape a source tensor of `shape` has after the transform.
    public func outputShape(of shape: [Int]) -> [Int] {
        switch self {
        case .identity: return shape
        case .transpose: return shape.count == 2 ? [shape[1], shape[0]] : shape
        case .splitRows(_, let parts):
            guard let first = shape.first, parts > 0 else { return shape }
            return [first / parts] + shape.dropFirst()
        }
    }

    /// The source shape whose transform gives `shape` (for a split: all parts together).
    public func sourceShape(of shape: [Int]) -> [Int] {
        switch self {
        case .identity: return shape
        case .transpose: return shape.count == 2 ? [shape[1], shape[0]] : shape
        case .splitRows(_, let parts):
            guard let first = shape.first else { return shape }
            return [first * parts] + shape.dropFirst()
        }
    }

    /// The rows of the source's first axis that the output is, for transforms that only select
    /// whole rows (identity, split); nil for a transpose. The bytes of those rows are the output's,
    /// so a packed source can be copied or streamed without materialising it.
    public func sourceRows(sourceShape shape: [Int]) -> Range<Int>? {
        let rows = shape.first ?? 1
        switch self {
        case .identity: return 0..<rows
        case .transpose: return shape.count == 2 ? nil : 0..<rows
        case .splitRows(let part, let parts):
            guard parts > 0 else { return nil }
            let count = rows / parts
            return (part * count)..<((part + 1) * count)
        }
    }

    /// Applies the transform to a materialised tensor.
    public func apply(to tensor: Tensor) throws(TensorError) -> Tensor {
        switch self {
        case .identity:
            return tensor
        case .transpose:
            guard tensor.rank == 2 else { return tensor }
            // A transposed view is a stride swap; `contiguous()` then packs it.
            return try Tensor(
                dtype: tensor.dtype, shape: [tensor.shape[1], tensor.shape[0]],
                strides: [tensor.strides[1], tensor.strides[0]], storageOffset: tensor.storageOffset,
                storage: tensor.storage
            ).contiguous()
        case .splitRows:
            let packed = tensor.contiguous()
            guard let rows = sourceRows(sourceShape: packed.shape) else { return packed }
            let rowBytes = packed.shape.dropFirst().reduce(1, *) * packed.dtype.itemSize
            return try Tensor(
                dtype: packed.dtype, shape: outputShape(of: packed.shape),
                bytes: Array(packed.storage[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)]))
        }
    }

    /// The inverse: the source tensor made of `parts` (one tensor, or every part of a split in
    /// order), all carrying this transform's family (`identity`, `transpose` or `splitRows`).
    public func joined(_ parts: [Tensor]) throws(TensorError) -> Tensor {
        guard let first = parts.first else { throw .emptyJoin }
        switch self {
        case .identity, .transpose:
            guard parts.count == 1 else { throw .joinMismatch(reason: "\(parts.count) tensors for one") }
            return try apply(to: first)  // a transpose is its own inverse
        case .splitRows(_, let count):
            guard parts.count == count else { throw .joinMismatch(reason: "\(parts.count) parts, expected \(count)") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(first.byteCount * count)
            for part in parts {
                guard part.dtype == first.dtype, part.shape == first.shape else {
                    throw .joinMismatch(
                        reason:
                            "part \(part.dtype.rawValue) \(part.shape) differs from \(first.dtype.rawValue) \(first.shape)"
                    )
                }
                bytes += part.contiguousBytes
            }
            return try Tensor(dtype: first.dtype, shape: sourceShape(of: first.shape), bytes: bytes)
        }
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
