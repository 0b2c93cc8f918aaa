internal import COpenBLAS

/// Single-precision matrix products through OpenBLAS `cblas_sgemm`, with every shape checked first.
///
/// All matrices are row-major. An operand is a region of a Swift array: it starts at `offset` and
/// row `r` starts `r * leadingDimension` elements later, so a head's slice of a `[tokens, width]`
/// matrix is addressed without copying. Checks happen before the call because OpenBLAS reports a
/// bad argument by printing and returning, leaving the output unchanged.
public enum GEMM {
    /// One operand of a product: a `rows × columns` region of a buffer (rows and columns as stored,
    /// before any transpose).
    public struct Operand: Sendable, Equatable {
        public var offset: Int
        public var leadingDimension: Int
        public var isTransposed: Bool

        /// A region starting at `offset` whose stored rows are `leadingDimension` elements apart.
        /// `isTransposed` asks for the region's transpose to enter the product.
        public init(offset: Int = 0, leadingDimension: Int, transposed: Bool = false) {
            self.offset = offset
            self.leadingDimension = leadingDimension
            self.isTransposed = transposed
        }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` with op(A) `m × k`, op(B) `k × n`, C `m × n`.
    ///
    /// With `beta == 0` the previous contents of C are ignored (CBLAS semantics), so C may hold garbage.
    public static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: [Float], _ aLayout: Operand,
        b: [Float], _ bLayout: Operand,
        beta: Float = 0,
        c: inout [Float], _ cLayout: Operand
    ) throws(BLASError) {
        let operation = "sgemm \(m)×\(k) · \(k)×\(n)"
        guard cLayout.isTransposed == false else {
            throw .invalidDimension(operation: operation, detail: "the output cannot be transposed")
        }
        try check(
            [
                m, n, k, aLayout.leadingDimension, bLayout.leadingDimension, cLayout.leadingDimension,
                aLayout.offset, bLayout.offset, cLayout.offset,
            ], operation: operation)
        // Stored shape of each operand (before its transpose).
        let aStored = aLayout.isTransposed ? (rows: k, columns: m) : (rows: m, columns: k)
        let bStored = bLayout.isTransposed ? (rows: n, columns: k) : (rows: k, columns: n)
        try checkRegion("A", aStored, aLayout, available: a.count, operation: operation)
        try checkRegion("B", bStored, bLayout, available: b.count, operation: operation)
        try checkRegion("C", (m, n), cLayout, available: c.count, operation: operation)
        try BLASLibrary.check()
        if m == 0 || n == 0 { return }
        if k == 0 {
            // CBLAS would scale C by beta; do the same without calling it with k = 0.
            for row in 0..<m {
                let start = cLayout.offset + row * cLayout.leadingDimension
                for column in 0..<n { c[start + column] = beta == 0 ? 0 : beta * c[start + column] }
            }
            return
        }
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    // The region checks above proved every buffer non-empty, so base addresses exist.
                    guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress,
                        let cBase = cBuffer.baseAddress
                    else { return }
                    _multiply(
                        m, n, k, alpha, aBase + aLayout.offset, aLayout.leadingDimension, aLayout.isTransposed,
                        bBase + bLayout.offset, bLayout.leadingDimension, bLayout.isTransposed,
                        beta, cBase + cLayout.offset, cLayout.leadingDimension)
                }
            }
        }
    }

    /// Unchecked variant for callers that already validated their shapes and hold raw buffers
    /// (the runtime's attention loops). Leading dimensions and sizes are the caller's contract.
    @inlinable
    public static func multiplyUnchecked(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _multiply(m, n, k, alpha, a, lda, transposeA, b, ldb, transposeB, beta, c, ldc)
    }

    @usableFromInline
    static func _multiply(
        _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ transposeA: Bool,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ transposeB: Bool,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        // Unchecked callers opened the library first (`BLASLibrary.check()`); the checked entry point did above.
        guard case .success(let library) = OpenBLASLibrary.shared else {
            preconditionFailure("sgemm called although OpenBLAS could not be opened")
        }
        let noTranspose = Int32(COPENBLAS_NO_TRANSPOSE), transpose = Int32(COPENBLAS_TRANSPOSE)
        library.sgemm(
            Int32(COPENBLAS_ROW_MAJOR), transposeA ? transpose : noTranspose, transposeB ? transpose : noTranspose,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    private static func check(_ values: [Int], operation: String) throws(BLASError) {
        for value in values where value < 0 || value > Int(Int32.max) {
            throw .invalidDimension(
                operation: operation, detail: "value \(value) is negative or beyond 32-bit CBLAS range")
        }
    }

    private static func checkRegion(
        _ name: String, _ stored: (rows: Int, columns: Int), _ layout: Operand,
        available: Int, operation: String
    ) throws(BLASError) {
        guard layout.leadingDimension >= max(1, stored.columns) else {
            throw .invalidDimension(
                operation: operation,
                detail:
                    "operand \(name) has leading dimension \(layout.leadingDimension) < its \(stored.columns) columns")
        }
        guard stored.rows > 0, stored.columns > 0 else { return }
        let (span, overflow1) = (stored.rows - 1).multipliedReportingOverflow(by: layout.leadingDimension)
        let (end, overflow2) = layout.offset.addingReportingOverflow(span)
        let (needed, overflow3) = end.addingReportingOverflow(stored.columns)
        if overflow1 || overflow2 || overflow3 {
            throw .invalidDimension(operation: operation, detail: "operand \(name) region overflows")
        }
        guard needed <= available else {
            throw .bufferTooSmall(operation: operation, operand: name, needed: needed, available: available)
        }
    }
}
