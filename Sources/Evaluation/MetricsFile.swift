/// The JSON form of `MetricsDocument`.
struct MetricsFile: Encodable {
    var format: String
    var formatVersion: Int
    var model: ModelFile
    var runSettings: [String: String]
    var ignoreIndex: Int
    var reduceZeroLabel: Bool
    var imageCount: Int
    var pixelCounts: PixelCounts
    var summary: Summary
    var zeroShot: ZeroShot?
    var classes: [ClassEntry]

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case model
        case runSettings = "run_settings"
        case ignoreIndex = "ignore_index"
        case reduceZeroLabel = "reduce_zero_label"
        case imageCount = "image_count"
        case pixelCounts = "pixel_counts"
        case summary
        case zeroShot = "zero_shot"
        case classes
    }

    struct PixelCounts: Encodable {
        var total, ignored, evaluated, labelOutsideClasses, predictionOutsideClasses: UInt64

        enum CodingKeys: String, CodingKey {
            case total, ignored, evaluated
            case labelOutsideClasses = "label_outside_classes"
            case predictionOutsideClasses = "prediction_outside_classes"
        }
    }

    struct Summary: Encodable {
        var exact: SummaryValues
        var mmsegPrinted: SummaryValues

        enum CodingKeys: String, CodingKey {
            case exact
            case mmsegPrinted = "mmseg_printed"
        }
    }

    struct SummaryValues: Encodable {
        var aacc, miou, macc, mdice, mfscore, mprecision, mrecall: JSONNumber

        init(_ summary: MetricSummary<Double>) {
            aacc = JSONNumber(summary.overallAccuracy)
            miou = JSONNumber(summary.meanIoU)
            macc = JSONNumber(summary.meanAccuracy)
            mdice = JSONNumber(summary.meanDice)
            mfscore = JSONNumber(summary.meanFscore)
            mprecision = JSONNumber(summary.meanPrecision)
            mrecall = JSONNumber(summary.meanRecall)
        }
    }

    struct ZeroShot: Encodable {
        var seenClassIndices: [Int]
        var unseenClassIndices: [Int]
        var exact: ZeroShotValues
        var mmsegPrinted: ZeroShotValues

        enum CodingKeys: String, CodingKey {
            case seenClassIndices = "seen_class_indices"
            case unseenClassIndices = "unseen_class_indices"
            case exact
            case mmsegPrinted = "mmseg_printed"
        }
    }

    struct ZeroShotValues: Encodable {
        var seenMIoU, unseenMIoU, hIoU, seenMAcc, unseenMAcc: JSONNumber

        init(_ summary: ZeroShotSummary) {
            seenMIoU = JSONNumber(summary.seenMeanIoU)
            unseenMIoU = JSONNumber(summary.unseenMeanIoU)
            hIoU = JSONNumber(summary.harmonicMeanIoU)
            seenMAcc = JSONNumber(summary.seenMeanAccuracy)
            unseenMAcc = JSONNumber(summary.unseenMeanAccuracy)
        }

        enum CodingKeys: String, CodingKey {
            case seenMIoU = "seen_miou"
            case unseenMIoU = "unseen_miou"
            case hIoU = "hiou"
            case seenMAcc = "seen_macc"
            case unseenMAcc = "unseen_macc"
        }
    }

    struct ClassEntry: Encodable {
        var index: Int
        var name: String
        var seen: Bool?
        var intersection, union, predicted, labelled: UInt64
        var exact: ClassValues
        var mmsegPrinted: ClassValues

        enum CodingKeys: String, CodingKey {
            case index, name, seen, intersection, union, predicted, labelled, exact
            case mmsegPrinted = "mmseg_printed"
        }
    }

    struct ClassValues: Encodable {
        var iou, acc, dice, fscore, precision, recall: JSONNumber

        init(_ metrics: ClassMetrics<Double>, _ index: Int) {
            iou = JSONNumber(metrics.iou[index])
            acc = JSONNumber(metrics.accuracy[index])
            dice = JSONNumber(metrics.dice[index])
            fscore = JSONNumber(metrics.fscore[index])
            precision = JSONNumber(metrics.precision[index])
            recall = JSONNumber(metrics.recall[index])
        }
    }
}

/// A number that is written as `null` when it is NaN (JSON has no NaN).
struct JSONNumber: Encodable {
    let value: Double

    init(_ value: Double) { self.value = value }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    }
}
