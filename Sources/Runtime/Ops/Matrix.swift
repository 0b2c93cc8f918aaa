/// A dense row-major `rows × columns` matrix of `Float`: the runtime's one activation type.
///
/// Token sequences are `[tokens, width]`; feature maps are stored position-major (`[h·w, channels]`,
/// i.e. HWC), which is what the linear layers and the route attention want.
public struct Matrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    /// A matrix over `values`, which must hold exactly `rows × columns` elements (checked by the caller).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix \(rows)×\(columns) over \(values.count) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A zero-filled matrix.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: 0, count: rows * columns)
    }

    /// Row `index` as a new array.
    public func row(_ index: Int) -> [Float] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// Rows `range` as a new matrix.
    public func slice(rows range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count, columns: columns,
            values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Overwrites rows starting at `start` with `other`'s rows.
    public mutating func replaceRows(startingAt start: Int, with other: Matrix) {
        precondition(other.columns == columns && start + other.rows <= rows)
        values.replaceSubrange((start * columns)..<((start + other.rows) * columns), with: other.values)
    }

    /// The rows of `parts` stacked in order.
    public static func stacking(_ parts: [Matrix]) -> Matrix {
        let columns = parts.first?.columns ?? 0
        var values: [Float] = []
        values.reserveCapacity(parts.reduce(0) { $0 + $1.values.count })
        for part in parts {
            precondition(part.columns == columns)
            values += part.values
        }
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns, values: values)
    }

    /// The transpose (used to turn HWC maps into the CHW layout of reference taps).
    public func transposed() -> Matrix {
        var result = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for row in 0..<rows {
                    for column in 0..<columns { target[column * rows + row] = source[row * columns + column] }
                }
            }
        }
        return Matrix(rows: columns, columns: rows, values: result)
    }

    /// Element-wise sum with a same-shaped matrix.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        var result = lhs
        result.add(rhs)
        return result
    }

    /// In-place element-wise sum with a same-shaped matrix (the residual connections).
    public mutating func add(_ other: Matrix) {
        precondition(
            other.rows == rows && other.columns == columns,
            "adding \(other.rows)×\(other.columns) to \(rows)×\(columns)")
        values.withUnsafeMutableBufferPointer { target in
            other.values.withUnsafeBufferPointer { source in
                for index in 0..<target.count { target[index] += source[index] }
            }
        }
    }

    /// Divides every row by its L2 norm (ZegCLIP's `x / x.norm(dim=-1, keepdim=True)`).
    public mutating func normalizeRows() {
        let columns = self.columns
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows {
                var sum: Float = 0
                for column in 0..<columns { sum += buffer[row * columns + column] * buffer[row * columns + column] }
                let norm = sum.squareRoot()
                for column in 0..<columns { buffer[row * columns + column] /= norm }
            }
        }
    }
}
