public import Conversion
import Foundation
import HDF5
public import Layout
import TensorCore

/// How close two values must be to count as equal: |a − b| ≤ atol + rtol·|b| (numpy's `allclose`,
/// B the reference). Zero for both means equal values.
public struct Tolerance: Sendable, Equatable, Codable {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double = 0, relative: Double = 0) {
        self.absolute = absolute
        self.relative = relative
    }

    enum CodingKeys: String, CodingKey {
        case absolute = "atol"
        case relative = "rtol"
    }
}

/// What a comparison found for one canonical tensor.
public struct TensorDifference: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Same element type, shape and bits.
        case identical
        /// Every value within the tolerance (exactly equal values in another element type included).
        case withinTolerance = "within_tolerance"
        case different
        case shapeChanged = "shape_changed"
        case onlyInA = "only_in_a"
        case onlyInB = "only_in_b"
    }

    public var name: String
    public var status: Status
    public var dtypeA: String?
    public var dtypeB: String?
    public var shapeA: [Int]?
    public var shapeB: [Int]?
    /// Largest |a − b| (NaN against a number counts as infinite).
    public var maxAbsolute: Double?
    /// Largest |a − b| / max(|a|, |b|) over elements that are not both zero.
    public var maxRelative: Double?
    /// Elements outside the tolerance.
    public var differingElements: Int?
    public var elementCount: Int?

    public var dtypeChanged: Bool { dtypeA != nil && dtypeB != nil && dtypeA != dtypeB }

    enum CodingKeys: String, CodingKey {
        case name, status
        case dtypeA = "dtype_a", dtypeB = "dtype_b", shapeA = "shape_a", shapeB = "shape_b"
        case maxAbsolute = "max_abs", maxRelative = "max_rel", differingElements = "differing_elements"
        case elementCount = "element_count"
    }
}

/// A setting (`vision.heads`, `head.kind`) that differs between the two models.
public struct SettingDifference: Sendable, Equatable, Codable {
    public var name: String
    /// The value on each side as text, nil where the model has no such setting.
    public var a: String?
    public var b: String?
}

/// The result of `ModelComparer.compare`.
public struct ComparisonReport: Sendable, Codable {
    public struct Side: Sendable, Codable {
        public var path: String
        public var kind: String
        public var tensors: Int
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var compared = 0
        public var identical = 0
        public var withinTolerance = 0
        public var different = 0
        public var shapeChanged = 0
        public var dtypeChanged = 0
        public var onlyInA = 0
        public var onlyInB = 0
        public var settingsDifferent = 0
        /// True when the models count as equal: nothing different, no tensor or setting on one side only,
        /// and (unless dtypes are ignored) no element type changed.
        public var equal = true

        enum CodingKeys: String, CodingKey {
            case compared, identical, different, equal
            case withinTolerance = "within_tolerance", shapeChanged = "shape_changed", dtypeChanged = "dtype_changed"
            case onlyInA = "only_in_a", onlyInB = "only_in_b", settingsDifferent = "settings_different"
        }
    }

    public var a: Side
    public var b: Side
    public var tolerance: Tolerance
    public var ignoreDType: Bool
    /// Canonical-name prefixes the comparison was restricted to (empty: everything).
    public var only: [String]
    public var tensors: [TensorDifference]
    public var settings: [SettingDifference]
    public var summary: Summary

    enum CodingKeys: String, CodingKey {
        case a, b, tolerance, only, tensors, settings, summary
        case ignoreDType = "ignore_dtype"
    }
}

/// What `diff` compares and how.
public struct ComparisonOptions: Sendable {
    public var tolerance = Tolerance()
    /// Count a changed element type with equal values as equal.
    public var ignoreDType = false
    /// Compare only canonical names (and settings) starting with one of these (`vision.`, `text.`).
    public var only: [String] = []
    /// Bytes of each side read at a time; bounds memory whatever the tensor's size.
    public var chunkBytes = 4 << 20
    /// How checkpoints are planned (convention, heads, activation for what shapes cannot tell).
    public var conversion = ConversionOptions()

    public init() {}
}

/// Compares two models tensor by tensor, matched by canonical name, reading each pair in pieces of
/// whole rows: memory stays a few chunks whatever the models' size.
public enum ModelComparer {
    public static func compare(
        _ pathA: String, _ pathB: String, options: ComparisonOptions = ComparisonOptions(),
        reporter: Reporter = .silent
    ) throws(ComparisonError) -> ComparisonReport {
        guard options.tolerance.absolute >= 0, options.tolerance.relative >= 0,
            options.tolerance.absolute.isFinite, options.tolerance.relative.isFinite
        else {
            throw .badOption(reason: "--atol and --rtol must be finite and not negative")
        }
        guard options.chunkBytes > 0 else { throw .badOption(reason: "the chunk size must be positive") }
        let a = try ModelSide.open(path: pathA, options: options.conversion, reporter: reporter)
        let b = try ModelSide.open(path: pathB, options: options.conversion, reporter: reporter)
        return try compare(a, b, options: options)
    }

    public static func compare(_ a: ModelSide, _ b: ModelSide, options: ComparisonOptions) throws(ComparisonError)
        -> ComparisonReport
    {
        func included(_ name: String) -> Bool {
            options.only.isEmpty || options.only.contains { name.hasPrefix($0) || name == $0.trimmingSuffix(".") }
        }
        let tensorsA = a.tensors.filter { included($0.name) }
        let tensorsB = b.tensors.filter { included($0.name) }
        let byNameB = Dictionary(tensorsB.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let namesA = Set(tensorsA.map(\.name))
        var differences: [TensorDifference] = []
        var summary = ComparisonReport.Summary()
        for tensor in tensorsA {
            guard let other = byNameB[tensor.name] else {
                differences.append(
                    TensorDifference(
                        name: tensor.name, status: .onlyInA, dtypeA: tensor.dtype.rawValue, shapeA: tensor.shape))
                continue
            }
            differences.append(try compare(tensor, other, options: options))
        }
        for tensor in tensorsB where !namesA.contains(tensor.name) {
            differences.append(
                TensorDifference(
                    name: tensor.name, status: .onlyInB, dtypeB: tensor.dtype.rawValue, shapeB: tensor.shape))
        }
        let settings = try settingDifferences(a.architecture, b.architecture, included: included)
        for difference in differences {
            switch difference.status {
            case .identical: summary.identical += 1
            case .withinTolerance: summary.withinTolerance += 1
            case .different: summary.different += 1
            case .shapeChanged: summary.shapeChanged += 1
            case .onlyInA: summary.onlyInA += 1
            case .onlyInB: summary.onlyInB += 1
            }
            if difference.dtypeChanged { summary.dtypeChanged += 1 }
        }
        summary.compared = differences.count - summary.onlyInA - summary.onlyInB
        summary.settingsDifferent = settings.count
        summary.equal =
            summary.different + summary.shapeChanged + summary.onlyInA + summary.onlyInB + summary.settingsDifferent
            == 0 && (options.ignoreDType || summary.dtypeChanged == 0)
        return ComparisonReport(
            a: .init(path: a.path, kind: a.kind, tensors: a.tensors.count),
            b: .init(path: b.path, kind: b.kind, tensors: b.tensors.count), tolerance: options.tolerance,
            ignoreDType: options.ignoreDType, only: options.only, tensors: differences, settings: settings,
            summary: summary)
    }

    /// One pair of tensors of the same name, streamed row piece by row piece.
    static func compare(_ a: SideTensor, _ b: SideTensor, options: ComparisonOptions) throws(ComparisonError)
        -> TensorDifference
    {
        var result = TensorDifference(
            name: a.name, status: .identical, dtypeA: a.dtype.rawValue, dtypeB: b.dtype.rawValue, shapeA: a.shape,
            shapeB: b.shape)
        guard a.shape == b.shape else {
            result.status = .shapeChanged
            return result
        }
        let widest = max(a.rowElements * a.dtype.itemSize, b.rowElements * b.dtype.itemSize, 1)
        let rowsPerPiece = max(1, options.chunkBytes / widest)
        var bytesA: [UInt8] = [], bytesB: [UInt8] = []
        var wholeA: Tensor?, wholeB: Tensor?
        var valuesA: [Double] = [], valuesB: [Double] = []
        var statistics = DifferenceStatistics(tolerance: options.tolerance)
        var row = 0
        while row < a.rowCount {
            let rows = row..<min(a.rowCount, row + rowsPerPiece)
            try a.readRows(rows, bytes: &bytesA, whole: &wholeA, into: &valuesA)
            try b.readRows(rows, bytes: &bytesB, whole: &wholeB, into: &valuesB)
            statistics.add(valuesA, valuesB)
            row = rows.upperBound
        }
        result.maxAbsolute = statistics.maxAbsolute
        result.maxRelative = statistics.maxRelative
        result.differingElements = statistics.differing
        result.elementCount = statistics.count
        if statistics.differing > 0 {
            result.status = .different
        } else if a.dtype != b.dtype || !statistics.bitwiseEqual {
            result.status = .withinTolerance
        }
        return result
    }

    /// Settings present on either side that differ, among those `included`.
    static func settingDifferences(
        _ a: CLIPArchitecture, _ b: CLIPArchitecture, included: (String) -> Bool
    ) throws(ComparisonError) -> [SettingDifference] {
        let symbolsA: [String: HDF5AttributeValueText]
        let symbolsB: [String: HDF5AttributeValueText]
        do {
            symbolsA = try a.symbols().mapValues(HDF5AttributeValueText.init)
            symbolsB = try b.symbols().mapValues(HDF5AttributeValueText.init)
        } catch {
            throw .layout(error)
        }
        return Set(symbolsA.keys).union(symbolsB.keys).sorted().filter(included).compactMap { name in
            let (valueA, valueB) = (symbolsA[name]?.text, symbolsB[name]?.text)
            return valueA == valueB ? nil : SettingDifference(name: name, a: valueA, b: valueB)
        }
    }
}

/// Running maxima and counts over the pieces of one tensor pair.
struct DifferenceStatistics {
    let tolerance: Tolerance
    var maxAbsolute = 0.0
    var maxRelative = 0.0
    var differing = 0
    var count = 0
    /// False once two values differ at all (a bit-level view of `Double`s: -0 vs 0 and NaN payloads
    /// count as different).
    var bitwiseEqual = true

    init(tolerance: Tolerance) { self.tolerance = tolerance }

    mutating func add(_ a: [Double], _ b: [Double]) {
        count += a.count
        for index in 0..<min(a.count, b.count) {
            let x = a[index], y = b[index]
            if x.bitPattern == y.bitPattern { continue }
            bitwiseEqual = false
            if x.isNaN && y.isNaN { continue }
            let gap = x.isNaN || y.isNaN ? Double.infinity : (x == y ? 0 : abs(x - y))
            if gap > maxAbsolute || gap.isNaN { maxAbsolute = gap.isNaN ? .infinity : gap }
            let scale = max(abs(x), abs(y))
            if scale > 0 {
                let relative = gap.isFinite ? gap / scale : .infinity
                if relative > maxRelative { maxRelative = relative }
            }
            let allowed = tolerance.absolute + tolerance.relative * abs(y)
            if !(gap <= allowed) { differing += 1 }
        }
    }
}

/// An attribute value as comparable text.
struct HDF5AttributeValueText {
    let text: String

    init(_ value: HDF5AttributeValue) {
        switch value {
        case .string(let string): text = string
        case .int(let number): text = String(number)
        case .double(let number): text = String(number)
        case .intArray(let numbers): text = "[" + numbers.map(String.init).joined(separator: ", ") + "]"
        case .doubleArray(let numbers): text = "[" + numbers.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
