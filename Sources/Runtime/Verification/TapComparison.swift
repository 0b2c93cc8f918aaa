/// How one runtime tap compares with its reference.
public struct TapComparison: Sendable {
    public var name: String
    public var shape: [Int]
    /// Largest |runtime − reference| over the compared elements.
    public var maxAbsError: Double
    /// Largest |runtime − reference| / |reference| over elements with |reference| ≥ 1e-3 · max|reference|
    /// (smaller references would make the ratio noise).
    public var maxRelativeError: Double
    /// Cosine similarity of the two tensors as vectors (1 when both are zero).
    public var cosine: Double
    /// max|reference|, the scale the tolerance is relative to.
    public var referenceMaxAbs: Double
    /// The bound `maxAbsError` had to meet (tolerance × max|reference|); for integer taps the number of
    /// differing elements allowed.
    public var bound: Double
    /// Integer taps (label maps): elements that differ.
    public var mismatches: Int
    public var isInteger: Bool
    public var passed: Bool

    /// Compares `actual` with `reference` over the elements `mask` keeps (all when nil).
    static func compare(
        name: String, shape: [Int], actual: [Float], reference: [Float], mask: [Bool]?, isInteger: Bool,
        tolerance: Double, integerFraction: Double
    ) -> TapComparison {
        var maxAbs = 0.0, referenceMax = 0.0, dot = 0.0, actualNorm = 0.0, referenceNorm = 0.0
        var mismatches = 0, compared = 0
        for index in reference.indices where mask?[index] ?? true {
            let a = Double(actual[index]), r = Double(reference[index])
            maxAbs = max(maxAbs, abs(a - r))
            referenceMax = max(referenceMax, abs(r))
            dot += a * r
            actualNorm += a * a
            referenceNorm += r * r
            if isInteger && actual[index].rounded() != reference[index] { mismatches += 1 }
            compared += 1
        }
        if !maxAbs.isFinite || actual.contains(where: { !$0.isFinite }) { maxAbs = .infinity }
        var maxRelative = 0.0
        let floor = 1e-3 * referenceMax
        for index in reference.indices where mask?[index] ?? true {
            let r = Double(reference[index])
            if abs(r) >= floor && r != 0 { maxRelative = max(maxRelative, abs(Double(actual[index]) - r) / abs(r)) }
        }
        let cosine =
            (actualNorm == 0 && referenceNorm == 0) ? 1 : dot / ((actualNorm * referenceNorm).squareRoot() + 1e-300)
        if isInteger {
            let allowed = Double(compared) * integerFraction
            return TapComparison(
                name: name, shape: shape, maxAbsError: maxAbs, maxRelativeError: maxRelative, cosine: cosine,
                referenceMaxAbs: referenceMax, bound: allowed, mismatches: mismatches, isInteger: true,
                passed: Double(mismatches) <= allowed)
        }
        let bound = tolerance * referenceMax
        return TapComparison(
            name: name, shape: shape, maxAbsError: maxAbs, maxRelativeError: maxRelative, cosine: cosine,
            referenceMaxAbs: referenceMax, bound: bound, mismatches: 0, isInteger: false,
            passed: maxAbs <= bound)
    }
}
