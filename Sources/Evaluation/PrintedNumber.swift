/// Numbers as MMSeg prints them.
enum PrintedNumber {
    /// The decimal numpy prints for a float32 scalar (its shortest round-trip form, e.g. `45.68`), as a Double.
    /// Swift's `Float.description` is the same shortest form, so the Double holds exactly the printed decimal
    /// and JSON shows it as printed. NaN stays NaN.
    static func decimal(_ value: Float) -> Double {
        value.isNaN ? .nan : Double(value.description) ?? Double(value)
    }
}
