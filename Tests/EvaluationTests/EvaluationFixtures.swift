import Foundation
import Testing
import _TestSupport

@testable import Evaluation

/// Fixtures/evaluation/*.json, written by Fixtures/scripts/make_evaluation_fixtures.py with the real MMSeg 1.2.2
/// `IoUMetric` and `LoadAnnotations`.
enum EvaluationFixtures {
    /// cases.json: the inputs.
    struct Inputs: Decodable {
        let seed: Int
        let cases: [Case]
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let classNames: [String]
        let ignoreIndex: Int
        let reduceZeroLabel: Bool
        let seenClassIndices: [Int]?
        let images: [Image]

        var testDescription: String { name }

        func settings() throws -> EvaluationSettings {
            try EvaluationSettings(
                classNames: classNames, ignoreIndex: ignoreIndex, reduceZeroLabel: reduceZeroLabel,
                seenClassIndices: seenClassIndices)
        }

        enum CodingKeys: String, CodingKey {
            case name, images
            case classNames = "class_names"
            case ignoreIndex = "ignore_index"
            case reduceZeroLabel = "reduce_zero_label"
            case seenClassIndices = "seen_class_indices"
        }
    }

    struct Image: Decodable, Sendable {
        let name: String
        let height: Int
        let width: Int
        let labels: [UInt8]
        let predictions: [Int]
    }

    /// mmseg_reference.json: what MMSeg computed.
    struct References: Decodable {
        let versions: [String: String]
        let cases: [Reference]
    }

    struct Reference: Decodable, Sendable {
        let name: String
        let perImage: [ImageAreas]
        let total: Areas
        let float32: Values
        let float64: Values
        let printed: Printed
        let reducedLabels: [String: [UInt8]]?
        let zeroShot: ZeroShot?

        enum CodingKeys: String, CodingKey {
            case name, total, float32, float64, printed
            case perImage = "per_image"
            case reducedLabels = "reduced_labels"
            case zeroShot = "zero_shot"
        }
    }

    struct Areas: Decodable, Sendable {
        let areaIntersect: [UInt64]
        let areaUnion: [UInt64]
        let areaPredLabel: [UInt64]
        let areaLabel: [UInt64]

        enum CodingKeys: String, CodingKey {
            case areaIntersect = "area_intersect"
            case areaUnion = "area_union"
            case areaPredLabel = "area_pred_label"
            case areaLabel = "area_label"
        }
    }

    struct ImageAreas: Decodable, Sendable {
        let image: String
        let areaIntersect: [UInt64]
        let areaUnion: [UInt64]
        let areaPredLabel: [UInt64]
        let areaLabel: [UInt64]

        enum CodingKeys: String, CodingKey {
            case image
            case areaIntersect = "area_intersect"
            case areaUnion = "area_union"
            case areaPredLabel = "area_pred_label"
            case areaLabel = "area_label"
        }
    }

    /// Per-class arrays and nanmeans keyed by MMSeg's names (IoU, Acc, Dice, Fscore, Precision, Recall); NaN is null.
    struct Values: Decodable, Sendable {
        let aAcc: Double?
        let perClass: [String: [Double?]]
        let nanmean: [String: Double?]

        enum CodingKeys: String, CodingKey {
            case aAcc, nanmean
            case perClass = "per_class"
        }
    }

    /// Numbers as numpy printed them (strings), null for NaN.
    struct Printed: Decodable, Sendable {
        let summary: [String: String?]
        let perClass: [String: [String?]]

        enum CodingKeys: String, CodingKey {
            case summary
            case perClass = "per_class"
        }
    }

    struct ZeroShot: Decodable, Sendable {
        let unseenClassIndices: [Int]
        let printed: [String: String?]
        let float64: [String: Double?]

        enum CodingKeys: String, CodingKey {
            case printed, float64
            case unseenClassIndices = "unseen_class_indices"
        }
    }

    static func inputs() throws -> Inputs {
        try load(Inputs.self, "evaluation/cases.json")
    }

    static func references() throws -> References {
        try load(References.self, "evaluation/mmseg_reference.json")
    }

    /// Input case and its reference, by name.
    static func pairs() throws -> [(Case, Reference)] {
        let references = try references().cases
        return try inputs().cases.map { input in
            (input, references.first { $0.name == input.name }!)
        }
    }

    static func caseNames() throws -> [String] { try inputs().cases.map(\.name) }

    static func pair(_ name: String) throws -> (Case, Reference) {
        try pairs().first { $0.0.name == name }!
    }

    private static func load<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: FixturePath.fixture(relative)))
        return try JSONDecoder().decode(type, from: data)
    }
}
