/// Errors raised by `Tensor` construction and conversion.
public enum TensorError: Error, Equatable, CustomStringConvertible, Sendable {
    case negativeDimension(shape: [Int])
    case elementCountOverflow(shape: [Int])
    case rankMismatch(shape: [Int], strides: [Int])
    case byteCountMismatch(expected: Int, actual: Int)
    case viewOutOfBounds(shape: [Int], strides: [Int], storageOffset: Int, storageElements: Int)
    case unsupportedConversion(from: DType, to: DType)
    /// Joining the parts of a split tensor with no parts.
    case emptyJoin
    /// Parts that cannot be joined (count, dtype or shape differ).
    case joinMismatch(reason: String)

    public var description: String {
        switch self {
        case .negativeDimension(let shape):
            return "shape \(shape) has a negative dimension"
        case .elementCountOverflow(let shape):
            return "shape \(shape) has more elements than can be addressed"
        case .rankMismatch(let shape, let strides):
            return "shape \(shape) and strides \(strides) differ in rank"
        case .byteCountMismatch(let expected, let actual):
            return "expected \(expected) bytes of tensor data, found \(actual)"
        case .viewOutOfBounds(let shape, let strides, let offset, let storageElements):
            return
                "view (shape \(shape), strides \(strides), offset \(offset)) reaches past its storage of \(storageElements) elements"
        case .unsupportedConversion(let from, let to):
            return "cannot convert \(from.rawValue) to \(to.rawValue)"
        case .emptyJoin:
            return "no parts to join"
        case .joinMismatch(let reason):
            return "cannot join the parts: \(reason)"
        }
    }
}
