public import Layout
public import TensorCore

/// How close the runtime must come to a golden, per tap: `max|runtime − reference| ≤ relative × max|reference|`.
///
/// The runtime always computes in fp32 with f16/bf16 weights widened exactly, so what decides the bound
/// is whether the model file holds the *same* weight values the reference computed with:
/// - same values (f32 everywhere, or f16/bf16 weights whose reference also used those f16/bf16
///   values, e.g. OpenAI's fp16 release checked against goldens made with `.float()` of it):
///   only fp32 rounding differs → `relative = 1e-5`, label maps must match exactly;
/// - weights narrowed by the conversion (f16 stored, reference ran on the f32 originals): each weight
///   carries up to 2⁻¹¹ relative rounding, which the layers accumulate → `relative = 1e-2` for f16,
///   `4e-2` for bf16 (2⁻⁸), and up to 1 % of label pixels may differ (near-ties flip).
/// The narrowed bounds are about 10× the worst error measured on the fixture models (see
/// Schemas/golden/ldvc-golden-v1.md); they catch a wrong tensor, which costs whole units, not percent.
public struct TolerancePolicy: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case fp32
        case narrowedF16 = "narrowed-f16"
        case narrowedBF16 = "narrowed-bf16"
        case custom
    }

    public var kind: Kind
    public var relative: Double
    /// Fraction of integer-tap elements allowed to differ.
    public var integerFraction: Double

    public static let fp32 = TolerancePolicy(kind: .fp32, relative: 1e-5, integerFraction: 0)
    public static let narrowedF16 = TolerancePolicy(kind: .narrowedF16, relative: 1e-2, integerFraction: 0.01)
    public static let narrowedBF16 = TolerancePolicy(kind: .narrowedBF16, relative: 4e-2, integerFraction: 0.01)

    public static func custom(_ relative: Double) -> TolerancePolicy {
        TolerancePolicy(kind: .custom, relative: relative, integerFraction: relative >= 1e-3 ? 0.01 : 0)
    }

    /// The policy for a model file checked against goldens computed with `goldenWeights`: narrowed
    /// when the file stores any float tensor in a narrower type than the golden's weights.
    public static func choose(for reader: LayoutReader, goldenWeights: DType) throws(LayoutError) -> TolerancePolicy {
        var narrowest = DType.f32
        for name in try reader.tensorNames() {
            let dtype = try reader.provenance(of: name).dtype
            if dtype == .bf16 { narrowest = .bf16 } else if dtype == .f16 && narrowest == .f32 { narrowest = .f16 }
        }
        if narrowest == .f32 || narrowest == goldenWeights { return .fp32 }
        return narrowest == .bf16 ? .narrowedBF16 : .narrowedF16
    }
}
