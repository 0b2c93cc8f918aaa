import Testing

@testable import Evaluation

/// The pieces on their own: counting rules, settings, shard selection, numpy's reductions.
@Suite("Confusion matrix, settings and shard selection")
struct ConfusionMatrixTests {
    @Test("Out-of-range labels count their prediction, out-of-range predictions count their label")
    func countingRules() throws {
        // MMSeg semantics (histc over [0, C-1] after masking ignore_index), worked by hand for C = 3:
        // (0,0) hit; (1,2) miss; (2,2) hit; label 3 ≥ C predicted 1 → pred area of 1 only; 255 ignored;
        // label 1 predicted 5 ≥ C → label area of 1 only; label 0 predicted -1 → label area of 0 only.
        var matrix = try ConfusionMatrix(classCount: 3)
        try matrix.add(
            predictions: [0, 2, 2, 1, 0, 5, -1], labels: [0, 1, 2, 3, 255, 1, 0], ignoreIndex: 255,
            reduceZeroLabel: false)
        let areas = matrix.areas()
        #expect(areas.intersection == [1, 0, 1])
        #expect(areas.labelled == [2, 2, 1])
        #expect(areas.predicted == [1, 1, 2])
        #expect(areas.union == [2, 3, 2])
        #expect(matrix.ignoredPixelCount == 1 && matrix.pixelCount == 7)
        #expect(matrix[label: 3, prediction: 1] == 1)
        #expect(matrix[label: 1, prediction: 3] == 1)
        #expect(matrix[label: 0, prediction: 3] == 1)
    }

    @Test("reduce_zero_label maps 0 and 255 to 255 and lowers the rest, before the ignore index applies")
    func reduceZeroLabel() throws {
        #expect(LabelReduction.reducingZeroLabel([0, 1, 2, 100, 254, 255]) == [255, 0, 1, 99, 253, 255])
        var matrix = try ConfusionMatrix(classCount: 2)
        // Raw 0 → 255 (ignored), raw 1 → 0, raw 2 → 1, raw 3 → 2 (≥ C).
        try matrix.add(predictions: [0, 0, 1, 1], labels: [0, 1, 2, 3], ignoreIndex: 255, reduceZeroLabel: true)
        #expect(matrix.ignoredPixelCount == 1)
        #expect(matrix.areas().intersection == [1, 1])
        #expect(matrix.areas().predicted == [1, 2])
        // An ignore index no 8-bit label can take ignores nothing.
        var none = try ConfusionMatrix(classCount: 2)
        try none.add(predictions: [0, 1], labels: [255, 0], ignoreIndex: -1, reduceZeroLabel: false)
        #expect(none.ignoredPixelCount == 0 && none.areas().predicted == [1, 1] && none.areas().labelled == [1, 0])
    }

    @Test("Adding matrices is adding counts; sizes and class counts must agree")
    func addition() throws {
        var first = try ConfusionMatrix(classCount: 2)
        try first.add(predictions: [0, 1], labels: [0, 0], ignoreIndex: 255, reduceZeroLabel: false)
        var second = try ConfusionMatrix(classCount: 2)
        try second.add(predictions: [1, 1, 0], labels: [1, 255, 0], ignoreIndex: 255, reduceZeroLabel: false)
        var both = try ConfusionMatrix(classCount: 2)
        try both.add(
            predictions: [0, 1, 1, 1, 0], labels: [0, 0, 1, 255, 0], ignoreIndex: 255, reduceZeroLabel: false)
        try first.add(second)
        #expect(first == both)
        #expect(first.rows == [[2, 1, 0], [0, 1, 0], [0, 0, 0]])
        #expect(throws: EvaluationError.invalidInput(subject: "other", reason: "3 classes, expected 2")) {
            try first.add(try ConfusionMatrix(classCount: 3), source: "other")
        }
        #expect(throws: EvaluationError.invalidInput(subject: "label map", reason: "1 predictions for 2 label pixels"))
        {
            try first.add(predictions: [0], labels: [0, 0], ignoreIndex: 255, reduceZeroLabel: false)
        }
        #expect(throws: EvaluationError.self) { try ConfusionMatrix(classCount: 0) }
        #expect(throws: EvaluationError.self) { try ConfusionMatrix(classCount: 1025) }
    }

    @Test("Metrics follow MMSeg's NaN rules: 0/0 is NaN and nanmean skips it")
    func nanRules() throws {
        // Class 0: labelled, never predicted. Class 1: predicted, never labelled. Class 2: neither.
        var matrix = try ConfusionMatrix(classCount: 3)
        try matrix.add(predictions: [1, 1], labels: [0, 0], ignoreIndex: 255, reduceZeroLabel: false)
        let settings = try EvaluationSettings(classNames: ["a", "b", "c"], seenClassIndices: [0])
        let metrics = try SegmentationMetrics(matrix: matrix, settings: settings)
        #expect(metrics.perClass.iou[0] == 0 && metrics.perClass.iou[1] == 0 && metrics.perClass.iou[2].isNaN)
        #expect(metrics.perClass.accuracy[0] == 0 && metrics.perClass.accuracy[1].isNaN)
        #expect(metrics.perClass.precision[0].isNaN && metrics.perClass.precision[1] == 0)
        // Dice is 0 where Fscore, from NaN precision or recall (or 0/0), is NaN.
        #expect(metrics.perClass.dice[0] == 0 && metrics.perClass.fscore[0].isNaN)
        #expect(metrics.summary.meanIoU == 0 && metrics.summary.meanAccuracy == 0)
        #expect(metrics.summary.overallAccuracy == 0)
        let zeroShot = try #require(metrics.zeroShot)
        #expect(zeroShot.unseenClassIndices == [1, 2])
        #expect(zeroShot.exact.seenMeanIoU == 0 && zeroShot.exact.unseenMeanIoU == 0)
        #expect(zeroShot.exact.harmonicMeanIoU.isNaN && zeroShot.printed.harmonicMeanIoU.isNaN)
        #expect(zeroShot.exact.unseenMeanAccuracy.isNaN)
        let empty = try SegmentationMetrics(matrix: try ConfusionMatrix(classCount: 3), settings: settings)
        #expect(empty.summary.overallAccuracy.isNaN && empty.summary.meanIoU.isNaN)
        #expect(throws: EvaluationError.self) {
            try SegmentationMetrics(matrix: try ConfusionMatrix(classCount: 4), settings: settings)
        }
    }

    @Test("Settings refuse unusable class lists and splits")
    func settings() throws {
        func refused(_ names: [String], _ seen: [Int]?) -> String? {
            do {
                _ = try EvaluationSettings(classNames: names, seenClassIndices: seen)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refused(["a"], nil) == "evaluation settings: 1 classes; at least 2 are needed")
        #expect(refused(["a", "b"], [2]) == "evaluation settings: seen class index 2 is outside 0..<2")
        #expect(refused(["a", "b", "c"], [1, 1]) == "evaluation settings: seen class indices repeat a class")
        #expect(refused(["a", "b"], [0, 1])?.contains("at least one seen and one unseen") == true)
        #expect(refused(["a", "b"], [])?.contains("at least one seen and one unseen") == true)
        #expect(
            try EvaluationSettings(classNames: ["a", "b", "c"], seenClassIndices: [2, 0]).seenClassIndices == [0, 2])
        #expect(throws: EvaluationError.self) { try ModelIdentity(path: "m", sha256: "abc") }
        #expect(
            try ModelIdentity(path: "m", sha256: String(repeating: "AB", count: 32)).sha256
                == String(repeating: "ab", count: 32))
    }

    @Test("Shard selectors parse K/N and deal images round robin")
    func shardSelector() throws {
        let selector = try ShardSelector(parsing: "2/3")
        #expect(selector.index == 2 && selector.count == 3 && selector.description == "2/3")
        #expect(selector.images(of: ["a", "b", "c", "d", "e"]) == ["b", "e"])
        #expect(ShardSelector.whole.images(of: ["a", "b"]) == ["a", "b"])
        for text in ["0/3", "4/3", "1/0", "3", "a/b", "1/2/3", "", "/", "1/100001"] {
            #expect(throws: EvaluationError.self, "\(text)") { try ShardSelector(parsing: text) }
        }
        #expect(
            (try? ShardSelector(parsing: "4/3")) == nil
                && EvaluationError.invalidShardSelector(text: "4/3", reason: "K = 4 is outside 1...3").description
                    == "shard \"4/3\": K = 4 is outside 1...3"
        )
    }

    @Test("numpy's pairwise sum groups values as numpy does")
    func pairwiseSum() {
        // Float32 values whose sum depends on the grouping: 2^24 absorbs a lone 1 but not a pair of them.
        let big: Float = 16_777_216
        let sequentialOrder = [big] + [Float](repeating: 1, count: 6)
        #expect(NumpyReduction.pairwiseSum(sequentialOrder[...]) == big)  // < 8 values: in order, each 1 lost
        let eightLanes = [big] + [Float](repeating: 1, count: 15)
        // 16 values: lanes r0 = big + 1 = big, r1...r7 = 2 each → big + 14 (exact).
        #expect(NumpyReduction.pairwiseSum(eightLanes[...]) == big + 14)
        let values = (0..<300).map { Double($0) }
        #expect(NumpyReduction.pairwiseSum(values[...]) == 44_850)
        #expect(NumpyReduction.nanmean([1.0, .nan, 3.0][...]) == 2)
        #expect(NumpyReduction.nanmean([Float.nan][...]).isNaN)
        #expect(NumpyReduction.roundedToHundredths(0.125) == 0.12)  // half to even
        #expect(PrintedNumber.decimal(Float(61.4)) == 61.4)
    }
}
