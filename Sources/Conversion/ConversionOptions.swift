public import Conventions
import Layout
public import TensorCore

/// How stored element types relate to the source's.
public enum DTypePolicy: String, Sendable, CaseIterable, Codable {
    /// Keep every tensor's own dtype (fp16 stays fp16, bf16 stays bf16).
    case keep
    /// Widen every float tensor to f32 (exact).
    case f32
    /// Narrow every float tensor to f16 (round to nearest even; overflows are counted and reported).
    case f16
    /// Every float tensor as bfloat16 (round to nearest even).
    case bf16

    /// The stored type of a source tensor of `dtype`.
    public func outputDType(for dtype: DType) -> DType {
        switch self {
        case .keep: return dtype
        case .f32: return dtype.isFloatingPoint ? .f32 : dtype
        case .f16: return dtype.isFloatingPoint ? .f16 : dtype
        case .bf16: return dtype.isFloatingPoint ? .bf16 : dtype
        }
    }
}

/// Settings of one conversion. Everything the checkpoint's shapes cannot tell can be given here.
public struct ConversionOptions: Sendable {
    public var dtype: DTypePolicy = .keep
    /// The conventions detection chooses from (tests register toy ones).
    public var conventions: ConventionRegistry = .builtIn
    /// Force a naming convention (a registered name) instead of detecting it.
    public var convention: String?
    /// Overrides for what shapes cannot tell; nil means sidecar config, then convention default.
    public var activation: Activation?
    public var visionHeads: Int?
    public var textHeads: Int?
    /// A model configuration to read instead of the ones beside the input (HF `config.json`, or
    /// open_clip's in either form; recognised by content).
    public var config: String?
    /// Which towers to convert; one alone when the other is of a family the runtime cannot run.
    public var towers: TowerSelection = .both
    /// Refuse inputs holding tensors outside the model (instead of warning and skipping them), and
    /// settings no source states (instead of assuming the default with a warning).
    public var strict = false
    /// Replace an existing output.
    public var overwrite = false
    /// Bytes per piece when streaming large tensors; bounds memory use.
    public var chunkBytes = 8 << 20
    /// Producer string stored in the file.
    public var producer = "ldvc-convert \(LDVCVersion.current)"

    public init() {}
}

public enum LDVCVersion {
    public static let current = "0.2.0"
}

/// The towers a conversion keeps.
public enum TowerSelection: String, Sendable, CaseIterable {
    case both
    case visionOnly = "vision"
    case textOnly = "text"

    /// The tower left out, if any.
    public var excluded: String? {
        switch self {
        case .both: return nil
        case .visionOnly: return "text"
        case .textOnly: return "vision"
        }
    }

    /// The option that selects it.
    public var option: String {
        switch self {
        case .both: return ""
        case .visionOnly: return "--vision-only"
        case .textOnly: return "--text-only"
        }
    }
}
