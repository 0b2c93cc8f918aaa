import Checkpoint
import Conventions
import Conversion
import Layout
public import TensorCore

/// One canonical tensor of a compared model, read in pieces of whole rows so a comparison never
/// holds a large tensor: from a checkpoint through its conversion plan's transform, or from a layout
/// file as stored.
public struct SideTensor: Sendable {
    enum Source: Sendable {
        case checkpoint(CheckpointTensor, TensorTransform)
        case stored(StoredTensor)
    }

    public let name: String
    /// The element type of the values as the input holds them.
    public let dtype: DType
    /// The canonical shape.
    public let shape: [Int]
    let source: Source
    let path: String

    /// Rows of the first axis (1 for a scalar).
    var rowCount: Int { shape.first ?? 1 }
    var rowElements: Int { shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *) }

    /// Reads the values of rows `rows` widened to `Double` (exact for every float type and for integers
    /// up to 2^53) into `values`, reusing `bytes` as the raw buffer. `whole` holds a materialised copy
    /// for sources that cannot serve row ranges (a transpose, a strided view), filled on first use.
    func readRows(
        _ rows: Range<Int>, bytes: inout [UInt8], whole: inout Tensor?, into values: inout [Double]
    ) throws(ComparisonError) {
        let byteCount = rows.count * rowElements * dtype.itemSize
        let rowBytes = rowElements * dtype.itemSize
        switch source {
        case .stored(let stored):
            guard !shape.isEmpty else { return try readWhole(rows, whole: &whole, into: &values) }
            do { try stored.readBytes(at: rows.lowerBound * rowBytes, count: byteCount, into: &bytes) } catch {
                throw .layout(error)
            }
        case .checkpoint(let tensor, let transform):
            guard tensor.isPacked, !shape.isEmpty, let sourceRows = transform.sourceRows(sourceShape: tensor.shape)
            else { return try readWhole(rows, whole: &whole, into: &values) }
            do {
                try tensor.readBytes(
                    at: (sourceRows.lowerBound + rows.lowerBound) * rowBytes, count: byteCount, into: &bytes)
            } catch {
                throw .checkpoint(error)
            }
        }
        Self.widen(bytes, count: rows.count * rowElements, dtype: dtype, into: &values)
    }

    private func readWhole(_ rows: Range<Int>, whole: inout Tensor?, into values: inout [Double])
        throws(ComparisonError)
    {
        if whole == nil {
            switch source {
            case .stored(let stored):
                do { whole = try stored.read() } catch { throw .layout(error) }
            case .checkpoint(let tensor, let transform):
                let read: Tensor
                do { read = try tensor.read() } catch { throw .checkpoint(error) }
                do { whole = try transform.apply(to: read).contiguous() } catch {
                    throw .tensor(path: path, name: name, reason: error.description)
                }
            }
        }
        guard let whole, whole.shape == shape else {
            throw .tensor(path: path, name: name, reason: "read shape \(whole?.shape ?? []), planned \(shape)")
        }
        let rowBytes = rowElements * dtype.itemSize
        let slice = Array(whole.storage[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
        Self.widen(slice, count: rows.count * rowElements, dtype: dtype, into: &values)
    }

    /// The first `count` elements of `bytes` as `Double`.
    static func widen(_ bytes: [UInt8], count: Int, dtype: DType, into values: inout [Double]) {
        if values.count != count { values = [Double](repeating: 0, count: count) }
        let itemSize = dtype.itemSize
        switch dtype {
        case .i64:
            let numbers = TensorBytes.integers(from: Array(bytes.prefix(count * itemSize)), dtype: .i64)
            for index in 0..<count { values[index] = Double(numbers[index]) }
        case .f64:
            bytes.withUnsafeBytes { raw in
                for index in 0..<count { values[index] = raw.loadUnaligned(fromByteOffset: index * 8, as: Double.self) }
            }
        default:
            let floats = TensorBytes.floats(from: Array(bytes.prefix(count * itemSize)), dtype: dtype)
            for index in 0..<count { values[index] = Double(floats[index]) }
        }
    }
}
