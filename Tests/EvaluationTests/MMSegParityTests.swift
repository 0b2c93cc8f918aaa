import Foundation
import Testing

@testable import Evaluation

/// Every number against what MMSeg 1.2.2 computed for the same inputs (Fixtures/evaluation).
///
/// Exactness: the counts are integers and must be equal. MMSeg's float32 values (per class, nanmeans, printed
/// percentages) must be equal bit for bit: our float32 arithmetic repeats MMSeg's operations in its order, and the
/// fixture counts are below 2²⁴, where MMSeg's float32 sums are exact. The float64 values are MMSeg's own
/// `total_area_to_metrics` run on float64 totals and numpy's float64 nanmean: equal bit for bit too, since the same
/// correctly rounded divisions and the same pairwise summation order are used.
@Suite("Metrics equal MMSeg's IoUMetric on the reference fixtures")
struct MMSegParityTests {
    static let metricKeys = ["IoU", "Acc", "Dice", "Fscore", "Precision", "Recall"]

    static func values<Value>(_ metrics: ClassMetrics<Value>, _ key: String) -> [Value] {
        switch key {
        case "IoU": return metrics.iou
        case "Acc": return metrics.accuracy
        case "Dice": return metrics.dice
        case "Fscore": return metrics.fscore
        case "Precision": return metrics.precision
        default: return metrics.recall
        }
    }

    static func summaryValue<Value>(_ summary: MetricSummary<Value>, _ key: String) -> Value {
        switch key {
        case "aAcc": return summary.overallAccuracy
        case "IoU", "mIoU": return summary.meanIoU
        case "Acc", "mAcc": return summary.meanAccuracy
        case "Dice", "mDice": return summary.meanDice
        case "Fscore", "mFscore": return summary.meanFscore
        case "Precision", "mPrecision": return summary.meanPrecision
        default: return summary.meanRecall
        }
    }

    /// Bitwise equality, with null in the reference standing for NaN.
    static func same(_ value: Float, _ reference: Double?) -> Bool {
        guard let reference else { return value.isNaN }
        return value.bitPattern == Float(reference).bitPattern && Double(Float(reference)) == reference
    }

    static func same(_ value: Double, _ reference: Double?) -> Bool {
        guard let reference else { return value.isNaN }
        return value.bitPattern == reference.bitPattern
    }

    /// A printed number: the same decimal, and the float32 it came from prints as the same text.
    static func samePrinted(_ value: Double, _ reference: String?) -> Bool {
        guard let reference else { return value.isNaN }
        return value == Double(reference)
    }

    static func metrics(_ input: EvaluationFixtures.Case) throws -> SegmentationMetrics {
        let settings = try input.settings()
        var matrix = try ConfusionMatrix(classCount: settings.classCount)
        for image in input.images {
            try matrix.add(
                predictions: image.predictions, labels: image.labels, ignoreIndex: settings.ignoreIndex,
                reduceZeroLabel: settings.reduceZeroLabel, image: image.name)
        }
        return try SegmentationMetrics(matrix: matrix, settings: settings)
    }

    @Test("The fixtures come from MMSeg 1.2.2 and cover the cases the metric must get right")
    func fixtureHeader() throws {
        let references = try EvaluationFixtures.references()
        #expect(references.versions["mmsegmentation"] == "1.2.2")
        let inputs = try EvaluationFixtures.inputs()
        #expect(inputs.cases.map(\.name) == ["basic", "reduce_zero_label", "ignore_index_zero", "coco_stuff_171"])
        #expect(inputs.cases.contains { $0.reduceZeroLabel } && inputs.cases.contains { !$0.reduceZeroLabel })
        for input in inputs.cases {
            for image in input.images {
                #expect(image.labels.count == image.height * image.width)
                #expect(image.predictions.count == image.labels.count)
            }
        }
        // Some class has union 0 (NaN IoU) in every case with NaN-skipping to test.
        let basic = try EvaluationFixtures.pair("basic").1
        #expect(basic.total.areaUnion.contains(0))
        #expect(basic.total.areaLabel.contains(0) && basic.total.areaPredLabel.contains(0))
    }

    @Test(
        "reduce_zero_label gives the labels MMSeg's LoadAnnotations gives",
        arguments: try EvaluationFixtures.caseNames())
    func reducedLabels(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        guard input.reduceZeroLabel else {
            #expect(reference.reducedLabels == nil)
            return
        }
        let expected = try #require(reference.reducedLabels)
        #expect(expected.count == input.images.count)
        for image in input.images {
            #expect(LabelReduction.reducingZeroLabel(image.labels) == expected[image.name])
        }
    }

    @Test("Each image's four histograms equal intersect_and_union's", arguments: try EvaluationFixtures.caseNames())
    func perImageAreas(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        let settings = try input.settings()
        #expect(reference.perImage.map(\.image) == input.images.map(\.name))
        for (image, expected) in zip(input.images, reference.perImage) {
            var matrix = try ConfusionMatrix(classCount: settings.classCount)
            try matrix.add(
                predictions: image.predictions, labels: image.labels, ignoreIndex: settings.ignoreIndex,
                reduceZeroLabel: settings.reduceZeroLabel)
            let areas = matrix.areas()
            #expect(areas.intersection == expected.areaIntersect, "\(image.name)")
            #expect(areas.union == expected.areaUnion, "\(image.name)")
            #expect(areas.predicted == expected.areaPredLabel, "\(image.name)")
            #expect(areas.labelled == expected.areaLabel, "\(image.name)")
            #expect(matrix.pixelCount == UInt64(image.labels.count))
        }
    }

    @Test(
        "Totals, per-class values and means equal MMSeg's, float32 and float64",
        arguments: try EvaluationFixtures.caseNames())
    func totalsAndMetrics(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        let metrics = try Self.metrics(input)
        #expect(metrics.areas.intersection == reference.total.areaIntersect)
        #expect(metrics.areas.union == reference.total.areaUnion)
        #expect(metrics.areas.predicted == reference.total.areaPredLabel)
        #expect(metrics.areas.labelled == reference.total.areaLabel)

        #expect(Self.same(metrics.float32PerClass.overallAccuracy, reference.float32.aAcc))
        #expect(Self.same(metrics.perClass.overallAccuracy, reference.float64.aAcc))
        for key in Self.metricKeys {
            let float32 = Self.values(metrics.float32PerClass, key)
            let float64 = Self.values(metrics.perClass, key)
            let expected32 = try #require(reference.float32.perClass[key])
            let expected64 = try #require(reference.float64.perClass[key])
            #expect(float32.count == expected32.count && float64.count == expected64.count)
            for index in expected32.indices {
                #expect(Self.same(float32[index], expected32[index]), "\(key)[\(index)] float32")
                #expect(Self.same(float64[index], expected64[index]), "\(key)[\(index)] float64")
            }
            #expect(Self.same(Self.summaryValue(metrics.float32Summary, key), reference.float32.nanmean[key] ?? nil))
            #expect(Self.same(Self.summaryValue(metrics.summary, key), reference.float64.nanmean[key] ?? nil))
        }
    }

    @Test("The printed summary and per-class table equal MMSeg's", arguments: try EvaluationFixtures.caseNames())
    func printed(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        let metrics = try Self.metrics(input)
        #expect(
            Set(reference.printed.summary.keys)
                == ["aAcc", "mIoU", "mAcc", "mDice", "mFscore", "mPrecision", "mRecall"])
        for (key, expected) in reference.printed.summary {
            #expect(Self.samePrinted(Self.summaryValue(metrics.printedSummary, key), expected), "\(key)")
            // numpy's text of the float32 is Swift's text of the same float32.
            let float32 = NumpyReduction.percentRounded(Self.summaryValue(metrics.float32Summary, key))
            #expect(expected == nil ? float32.isNaN : float32.description == expected, "\(key)")
        }
        for key in Self.metricKeys {
            let expected = try #require(reference.printed.perClass[key])
            let printed = Self.values(metrics.printedPerClass, key)
            for index in expected.indices {
                #expect(Self.samePrinted(printed[index], expected[index]), "\(key)[\(index)]")
            }
        }
    }

    @Test(
        "Seen, unseen and harmonic mean IoU equal the ZegCLIP computation",
        arguments: try EvaluationFixtures.caseNames())
    func zeroShot(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        let metrics = try Self.metrics(input)
        guard let expected = reference.zeroShot else {
            #expect(metrics.zeroShot == nil)
            return
        }
        let zeroShot = try #require(metrics.zeroShot)
        #expect(zeroShot.seenClassIndices == input.seenClassIndices)
        #expect(zeroShot.unseenClassIndices == expected.unseenClassIndices)
        let pairs: [(String, KeyPath<ZeroShotSummary, Double>)] = [
            ("seen_miou", \.seenMeanIoU), ("unseen_miou", \.unseenMeanIoU), ("hiou", \.harmonicMeanIoU),
            ("seen_macc", \.seenMeanAccuracy), ("unseen_macc", \.unseenMeanAccuracy),
        ]
        for (key, path) in pairs {
            #expect(Self.samePrinted(zeroShot.printed[keyPath: path], expected.printed[key] ?? nil), "\(key)")
            #expect(Self.same(zeroShot.exact[keyPath: path], expected.float64[key] ?? nil), "\(key)")
        }
    }

    /// The parts of metrics.json read back here. JSONDecoder parses numbers exactly (Foundation's
    /// JSONSerialization on Linux does not always give the nearest double).
    struct MetricsJSON: Decodable {
        struct Summary: Decodable {
            let exact: [String: Double?]
            let mmsegPrinted: [String: Double?]
            enum CodingKeys: String, CodingKey {
                case exact
                case mmsegPrinted = "mmseg_printed"
            }
        }
        struct ClassEntry: Decodable {
            let index: Int
            let name: String
            let exact: [String: Double?]
        }
        let format: String
        let imageCount: Int
        let summary: Summary
        let classes: [ClassEntry]
        enum CodingKeys: String, CodingKey {
            case format, summary, classes
            case imageCount = "image_count"
        }
    }

    @Test("metrics.json carries the reference numbers", arguments: try EvaluationFixtures.caseNames())
    func metricsDocument(_ name: String) throws {
        let (input, reference) = try EvaluationFixtures.pair(name)
        var shard = try EvaluationShard(
            settings: try input.settings(), model: try ModelIdentity(path: "model.h5"),
            datasetImages: input.images.map(\.name))
        for image in input.images {
            try shard.add(image: image.name, predictions: image.predictions, labels: image.labels)
        }
        let data = try MetricsDocument(shard: shard, source: "test").jsonData()
        let json = try JSONDecoder().decode(MetricsJSON.self, from: data)
        #expect(json.format == "ldvc-evaluation-metrics")
        #expect(json.imageCount == input.images.count)
        let keys = [
            ("aacc", "aAcc"), ("miou", "mIoU"), ("macc", "mAcc"), ("mdice", "mDice"), ("mfscore", "mFscore"),
            ("mprecision", "mPrecision"), ("mrecall", "mRecall"),
        ]
        for (key, mmsegKey) in keys {
            let printed = try #require(json.summary.mmsegPrinted[key])
            #expect(printed == (reference.printed.summary[mmsegKey] ?? nil).flatMap(Double.init), "\(key)")
            let exact = try #require(json.summary.exact[key])
            let expected =
                mmsegKey == "aAcc"
                ? reference.float64.aAcc : reference.float64.nanmean[String(mmsegKey.dropFirst())] ?? nil
            #expect(exact == expected, "\(key)")
        }
        #expect(json.classes.map(\.name) == input.classNames)
        #expect(json.classes.map(\.index) == Array(input.classNames.indices))
        for (key, mmsegKey) in [("iou", "IoU"), ("acc", "Acc"), ("dice", "Dice"), ("fscore", "Fscore")] {
            let expected = try #require(reference.float64.perClass[mmsegKey])
            #expect(json.classes.map { $0.exact[key] ?? nil } == expected, "\(key)")
        }
    }
}
