/// The numpy reductions MMSeg applies to its metric arrays, in numpy's own order of operations, so float32 results
/// match bit for bit (float summation is not associative).
enum NumpyReduction {
    /// `np.sum` of a contiguous 1-D float array: numpy's pairwise summation (`@TYPE@_pairwise_sum` in
    /// numpy/_core/src/umath/loops_utils.h.src): fewer than 8 values summed in order; up to 128 values with 8
    /// interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) then the remainder in order; more
    /// split in two at a multiple of 8 and each half summed the same way. The reduction starts from 0 (`+ 0`
    /// changes nothing here: the values are never −0).
    static func pairwiseSum<Value: BinaryFloatingPoint>(_ values: ArraySlice<Value>) -> Value {
        let count = values.count
        let start = values.startIndex
        if count < 8 {
            var result: Value = -0.0
            for value in values { result += value }
            return result
        }
        if count <= 128 {
            var r = (0..<8).map { values[start + $0] }
            var index = 8
            while index < count - (count % 8) {
                for lane in 0..<8 { r[lane] += values[start + index + lane] }
                index += 8
            }
            var result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while index < count {
                result += values[start + index]
                index += 1
            }
            return result
        }
        var half = count / 2
        half -= half % 8
        return pairwiseSum(values[start..<(start + half)]) + pairwiseSum(values[(start + half)...])
    }

    /// `np.nanmean` of a 1-D float array: NaNs replaced by 0 and summed (`pairwiseSum`), divided by the count of
    /// non-NaN values. numpy divides the float scalar by the integer count in float64 and converts back to the
    /// array's type. NaN when every value is NaN (numpy also warns "Mean of empty slice").
    static func nanmean<Value: BinaryFloatingPoint>(_ values: ArraySlice<Value>) -> Value {
        let kept = values.map { $0.isNaN ? 0 : $0 }
        let count = values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
        let total = pairwiseSum(kept[...])
        return Value(Double(total) / Double(count))
    }

    /// `np.round(value * 100, 2)` of a numpy scalar or array element of type `Value`: ×100, then numpy's round to 2
    /// decimals, which multiplies by 100, rounds half to even (`rint`) and divides by 100, all in `Value`.
    static func percentRounded<Value: BinaryFloatingPoint>(_ value: Value) -> Value {
        roundedToHundredths(value * 100)
    }

    /// `np.round(value, 2)` in `Value` arithmetic.
    static func roundedToHundredths<Value: BinaryFloatingPoint>(_ value: Value) -> Value {
        (value * 100).rounded(.toNearestOrEven) / 100
    }
}
