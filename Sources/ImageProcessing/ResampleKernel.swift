/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bicubic filter over the whole
/// input (`box` = (0, 0, w, h)): for each output sample, the first input sample, how many follow,
/// and their fixed-point weights (`taps` slots per output sample).
struct ResampleKernel {
    let inputSize: Int
    let outputSize: Int
    let taps: Int
    var starts: [Int]
    var counts: [Int]
    var weights: [Int32]

    init(inputSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        taps = Int(support.rounded(.up)) * 2 + 1
        starts = [Int](repeating: 0, count: outputSize)
        counts = [Int](repeating: 0, count: outputSize)
        weights = [Int32](repeating: 0, count: outputSize * taps)
        let inverseFilterScale = 1.0 / filterScale
        var raw = [Double](repeating: 0, count: taps)
        let unit = Double(1 << PillowResampler.precisionBits)
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // C casts truncate toward zero, as Int(_: Double) does.
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inputSize) - first
            var total = 0.0
            for tap in 0..<count {
                let weight = Self.bicubic((Double(tap + first) - center + 0.5) * inverseFilterScale)
                raw[tap] = weight
                total += weight
            }
            for tap in 0..<max(count, 0) {
                let normalised = total != 0 ? raw[tap] / total : raw[tap]
                weights[output * taps + tap] =
                    normalised < 0 ? Int32(-0.5 + normalised * unit) : Int32(0.5 + normalised * unit)
            }
            starts[output] = first
            counts[output] = max(count, 0)
        }
    }

    /// The bicubic convolution kernel with a = −0.5, in the same operation order as Pillow.
    static func bicubic(_ value: Double) -> Double {
        let a = -0.5
        let x = value < 0 ? -value : value
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }
}
