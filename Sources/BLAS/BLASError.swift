/// Errors from the BLAS bridge: a call whose shapes or buffers do not fit, refused before OpenBLAS sees it.
public enum BLASError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A dimension, leading dimension or offset is negative or exceeds what CBLAS's 32-bit ints can carry.
    case invalidDimension(operation: String, detail: String)
    /// An operand's region (offset, rows, leading dimension) reaches past the end of its buffer.
    case bufferTooSmall(operation: String, operand: String, needed: Int, available: Int)
    /// libopenblas could not be opened, or lacks an entry point the bridge needs.
    case libraryUnavailable(detail: String)

    public var description: String {
        switch self {
        case .invalidDimension(let operation, let detail):
            return "BLAS \(operation): \(detail)"
        case .bufferTooSmall(let operation, let operand, let needed, let available):
            return "BLAS \(operation): operand \(operand) needs \(needed) elements, the buffer holds \(available)"
        case .libraryUnavailable(let detail):
            return "libopenblas.so.0: cannot be opened: \(detail)"
        }
    }
}
