import Foundation
import Testing
import _TestSupport

@testable import Evaluation

/// Merges of shards that do not belong together, and shard files that are not what they claim, are refused with
/// one-line messages naming the file.
@Suite("Mismatched shards and hostile shard files are refused")
struct ShardRefusalTests {
    static let names = ["a.png", "b.png", "c.png", "d.png"]

    static func shard(
        classNames: [String] = ["sky", "road", "car"], ignoreIndex: Int = 255, reduceZeroLabel: Bool = false,
        seen: [Int]? = [0, 1], model: ModelIdentity? = nil, runSettings: [String: String] = [:],
        datasetImages: [String] = names, index: Int, of count: Int = 2, evaluate: Bool = true
    ) throws -> EvaluationShard {
        let settings = try EvaluationSettings(
            classNames: classNames, ignoreIndex: ignoreIndex, reduceZeroLabel: reduceZeroLabel,
            seenClassIndices: seen)
        let selector = try ShardSelector(index: index, count: count)
        var shard = try EvaluationShard(
            settings: settings, model: try model ?? ModelIdentity(path: "model.h5"), runSettings: runSettings,
            datasetImages: datasetImages, shard: selector)
        if evaluate {
            for image in selector.images(of: datasetImages) {
                try shard.add(image: image, predictions: [0, 1, 2, 1], labels: [0, 1, 1, 255])
            }
        }
        return shard
    }

    static func merging(_ shards: EvaluationShard...) throws(EvaluationError) -> EvaluationShard {
        try EvaluationShard.merge(shards.enumerated().map { (source: "s\($0.offset + 1).json", shard: $0.element) })
    }

    static func expectMismatch(_ field: String, _ other: EvaluationShard) throws {
        let error = #expect(throws: EvaluationError.self) { try merging(try shard(index: 1), other) }
        guard case .mismatch(let path, let reference, let found, _) = error else {
            Issue.record("expected a mismatch of \(field), got \(String(describing: error))")
            return
        }
        #expect(path == "s2.json" && reference == "s1.json" && found == field)
        #expect(error?.description.hasPrefix("s2.json: \(field) differs from s1.json") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test("Each difference that makes shards incomparable is named")
    func mismatches() throws {
        try Self.expectMismatch("class names", try Self.shard(classNames: ["sky", "road", "bus"], index: 2))
        try Self.expectMismatch("class names", try Self.shard(classNames: ["sky", "road"], seen: [0], index: 2))
        try Self.expectMismatch("ignore_index", try Self.shard(ignoreIndex: 0, index: 2))
        try Self.expectMismatch("reduce_zero_label", try Self.shard(reduceZeroLabel: true, index: 2))
        try Self.expectMismatch("seen classes", try Self.shard(seen: [0, 2], index: 2))
        try Self.expectMismatch("seen classes", try Self.shard(seen: nil, index: 2))
        try Self.expectMismatch("model", try Self.shard(model: try ModelIdentity(path: "other.h5"), index: 2))
        try Self.expectMismatch("run settings", try Self.shard(runSettings: ["crop": "512"], index: 2))
        try Self.expectMismatch("shard count", try Self.shard(index: 2, of: 3))
        try Self.expectMismatch(
            "dataset images", try Self.shard(datasetImages: ["a.png", "b.png", "x.png", "d.png"], index: 2))
        try Self.expectMismatch("dataset images", try Self.shard(datasetImages: ["a.png", "b.png"], index: 2))
        let digestA = String(repeating: "1", count: 64), digestB = String(repeating: "2", count: 64)
        let error = #expect(throws: EvaluationError.self) {
            try Self.merging(
                try Self.shard(model: try ModelIdentity(path: "m.h5", sha256: digestA), index: 1),
                try Self.shard(model: try ModelIdentity(path: "m.h5", sha256: digestB), index: 2))
        }
        #expect(
            error
                == .mismatch(
                    path: "s2.json", reference: "s1.json", field: "model", detail: "sha256 \(digestB) vs \(digestA)"))
    }

    @Test("A shard given twice is refused, naming an image both hold")
    func duplicateShard() throws {
        let error = #expect(throws: EvaluationError.self) {
            try Self.merging(try Self.shard(index: 1), try Self.shard(index: 2), try Self.shard(index: 1))
        }
        #expect(
            error
                == .duplicateShard(
                    path: "s3.json", reference: "s1.json", shard: 1, shardCount: 2, firstSharedImage: "a.png"))
        #expect(error?.description == "s3.json: shard 1/2 is also in s1.json, both hold image \"a.png\"")
        #expect(throws: EvaluationError.noShards) { try EvaluationShard.merge([]) }
    }

    @Test("Metrics need every shard and every image")
    func incomplete() throws {
        let partial = try Self.shard(index: 1, of: 3)
        let error = #expect(throws: EvaluationError.self) { try MetricsDocument(shard: partial, source: "merged") }
        #expect(
            error
                == .incomplete(
                    path: "merged", missingShards: [2, 3], shardCount: 3, missingImages: [], missingImageCount: 0))
        #expect(error?.description == "merged: does not cover the dataset: shards 2/3, 3/3 missing")

        let unfinished = try Self.merging(try Self.shard(index: 1), try Self.shard(index: 2, evaluate: false))
        #expect(!unfinished.isComplete)
        #expect(unfinished.pendingImages == ["b.png", "d.png"])
        #expect(
            throws: EvaluationError.incomplete(
                path: "merged", missingShards: [], shardCount: 2, missingImages: ["b.png", "d.png"],
                missingImageCount: 2)
        ) {
            try MetricsDocument(shard: unfinished, source: "merged")
        }
    }

    @Test("Images outside the dataset or the shard, or evaluated twice, are refused")
    func addRefusals() throws {
        var shard = try Self.shard(index: 1, evaluate: false)
        #expect(throws: EvaluationError.invalidInput(subject: "z.png", reason: "not in the dataset's image list")) {
            try shard.add(image: "z.png", predictions: [0], labels: [0])
        }
        #expect(throws: EvaluationError.invalidInput(subject: "b.png", reason: "belongs to shard 2/2, not this one")) {
            try shard.add(image: "b.png", predictions: [0], labels: [0])
        }
        try shard.add(image: "a.png", predictions: [0], labels: [0])
        #expect(throws: EvaluationError.invalidInput(subject: "a.png", reason: "already evaluated")) {
            try shard.add(image: "a.png", predictions: [0], labels: [0])
        }
        #expect(throws: EvaluationError.invalidInput(subject: "c.png", reason: "2 predictions for 1 label pixels")) {
            try shard.add(image: "c.png", predictions: [0, 1], labels: [0])
        }
        // A refused image is not recorded.
        #expect(shard.images == ["a.png"])
        #expect(throws: EvaluationError.self) {
            try EvaluationShard(
                settings: shard.settings, model: shard.model, datasetImages: ["a.png", "b.png", "a.png"])
        }
    }

    // MARK: - Hostile files

    /// A valid shard file as a JSON object, to be broken one field at a time.
    static func validObject() throws -> [String: Any] {
        let data = try shard(index: 1).jsonData()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func decode(_ object: Any, limits: EvaluationLimits = .standard) throws(EvaluationError) {
        // The objects built here are all valid JSON values; an empty document would fail the test anyway.
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        _ = try EvaluationShard.decode(data, source: "evil.json", limits: limits)
    }

    static func decode(text: String) throws(EvaluationError) {
        _ = try EvaluationShard.decode(Data(text.utf8), source: "evil.json")
    }

    /// The error for `object`, which must be `malformed` naming evil.json with a reason containing `fragment`.
    static func expectMalformed(_ object: Any, _ fragment: String, limits: EvaluationLimits = .standard) {
        let error = #expect(throws: EvaluationError.self) { try decode(object, limits: limits) }
        guard case .malformed(let path, let reason) = error else {
            Issue.record("expected malformed (\(fragment)), got \(String(describing: error))")
            return
        }
        #expect(path == "evil.json")
        #expect(reason.contains(fragment), "\(reason)")
        #expect(error?.description.contains("\n") == false)
    }

    static func with(_ key: String, _ value: Any) throws -> [String: Any] {
        var object = try validObject()
        object[key] = value
        return object
    }

    static func matrix(_ edit: (inout [[Any]]) -> Void) throws -> [String: Any] {
        var object = try validObject()
        var rows = object["confusion_matrix"] as! [[Any]]
        edit(&rows)
        object["confusion_matrix"] = rows
        return object
    }

    @Test("Counts must be non-negative integers below 2^64")
    func hostileCounts() throws {
        // JSONSerialization cannot write these, so they are spliced into the text.
        let valid = String(decoding: try Self.shard(index: 1).jsonData(), as: UTF8.self)
        let marker = "\"ignored_pixel_count\" : "
        let range = try #require(valid.range(of: marker))
        let end = try #require(valid[range.upperBound...].firstIndex(of: ","))
        for bad in ["-1", "1.5", "18446744073709551616", "\"3\"", "null", "true", "1e400"] {
            let text = valid.replacingCharacters(in: range.upperBound..<end, with: bad)
            let error = #expect(throws: EvaluationError.self, "\(bad)") { try Self.decode(text: text) }
            guard case .malformed(let path, _) = error else {
                Issue.record("\(bad): expected malformed, got \(String(describing: error))")
                continue
            }
            #expect(path == "evil.json")
        }
        Self.expectMalformed(try Self.matrix { $0[1][2] = "7" }, "confusion_matrix[1][2]")
        Self.expectMalformed(try Self.matrix { $0[0][0] = -4 }, "integer")
        Self.expectMalformed(try Self.matrix { $0[3][3] = 2.5 }, "integer")
    }

    @Test("The matrix shape, class count and counts' total are checked")
    func hostileShapes() throws {
        Self.expectMalformed(try Self.matrix { $0.removeLast() }, "3 rows, expected 4")
        Self.expectMalformed(try Self.matrix { $0[2].append(0) }, "row 2 has 5 counts, expected 4")
        Self.expectMalformed(try Self.with("class_names", ["only"]), "at least 2")
        Self.expectMalformed(
            try Self.validObject(), "3 classes exceed the limit of 2", limits: EvaluationLimits(maximumClassCount: 2))
        let overflow = try Self.matrix {
            $0[0][0] = UInt64.max - 2
            $0[1][1] = 9
        }
        #expect(throws: EvaluationError.countOverflow(path: "evil.json")) { try Self.decode(overflow) }
        // Two files that are each fine but overflow together.
        let nearMaximum = try Self.matrix { $0[0][0] = UInt64.max - 100 }
        let first = try EvaluationShard.decode(JSONSerialization.data(withJSONObject: nearMaximum), source: "x.json")
        var secondObject = nearMaximum
        secondObject["shard_indices"] = [2]
        secondObject["images"] = ["b.png", "d.png"]
        let second = try EvaluationShard.decode(JSONSerialization.data(withJSONObject: secondObject), source: "y.json")
        #expect(throws: EvaluationError.countOverflow(path: "y.json")) {
            try EvaluationShard.merge([(source: "x.json", shard: first), (source: "y.json", shard: second)])
        }
    }

    @Test("Shard indices, image lists, seen classes and digests are checked")
    func hostileLists() throws {
        Self.expectMalformed(try Self.with("shard_indices", [3]), "shard index 3 is outside 1...2")
        Self.expectMalformed(try Self.with("shard_indices", []), "shard_indices is empty")
        Self.expectMalformed(try Self.with("shard_indices", [2, 1]), "not strictly ascending")
        Self.expectMalformed(try Self.with("shard_count", 0), "shard_count")
        Self.expectMalformed(try Self.with("images", ["a.png", "zz.png"]), "\"zz.png\" is not in dataset_images")
        Self.expectMalformed(try Self.with("images", ["c.png", "a.png"]), "repeated or out of dataset order")
        Self.expectMalformed(try Self.with("images", ["a.png", "a.png"]), "repeated or out of dataset order")
        Self.expectMalformed(try Self.with("images", ["b.png"]), "belongs to shard 2/2")
        Self.expectMalformed(try Self.with("dataset_images", ["a.png", "b.png", "a.png", "d.png"]), "occurs twice")
        Self.expectMalformed(try Self.with("dataset_images", ["a.png", ""]), "empty name")
        Self.expectMalformed(try Self.with("seen_class_indices", [1, 0]), "not ascending")
        Self.expectMalformed(try Self.with("seen_class_indices", [0, 7]), "outside 0..<3")
        Self.expectMalformed(try Self.with("seen_class_indices", [0, 1, 2]), "at least one seen and one unseen")
        Self.expectMalformed(try Self.with("model", ["path": "m.h5", "sha256": "xyz"]), "not 64 hex digits")
        Self.expectMalformed(
            try Self.with("images", ["a.png\n\u{1b}[31m"]), "\"a.png\\n\\u{1b}[31m\" is not in dataset_images")
    }

    @Test("Other formats, versions, syntax and missing keys are refused")
    func hostileDocuments() throws {
        #expect(
            throws: EvaluationError.unsupportedFormat(path: "evil.json", format: "ldvc-evaluation-metrics", version: 1)
        ) { try Self.decode(try Self.with("format", "ldvc-evaluation-metrics")) }
        #expect(
            throws: EvaluationError.unsupportedFormat(path: "evil.json", format: "ldvc-evaluation-shard", version: 2)
        ) {
            try Self.decode(try Self.with("format_version", 2))
        }
        var missing = try Self.validObject()
        missing["confusion_matrix"] = nil
        Self.expectMalformed(missing, "\"confusion_matrix\": missing")
        for text in ["", "{", "[1, 2]", "\"shard\"", "{\"format\": 1}", String(repeating: "[", count: 100_000)] {
            let error = #expect(throws: EvaluationError.self, "\(text.prefix(20))") { try Self.decode(text: text) }
            if case .malformed(let path, let reason) = error {
                #expect(path == "evil.json" && !reason.contains("\n"))
            } else {
                Issue.record("expected malformed, got \(String(describing: error))")
            }
        }
    }

    @Test("Files are size-checked before being read whole, and unreadable files are named")
    func files() throws {
        let folder = TemporaryFolder("evaluation")
        let path = folder.file("shard.json")
        let data = try Self.shard(index: 1).jsonData()
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try EvaluationShard.read(path: path) == EvaluationShard.decode(data, source: path))
        let small = EvaluationLimits(maximumFileBytes: data.count - 1)
        #expect(throws: EvaluationError.fileTooLarge(path: path, limit: data.count - 1)) {
            try EvaluationShard.read(path: path, limits: small)
        }
        #expect(throws: EvaluationError.fileTooLarge(path: "x", limit: data.count - 1)) {
            try EvaluationShard.decode(data, source: "x", limits: small)
        }
        let absent = folder.file("absent.json")
        let error = #expect(throws: EvaluationError.self) { try EvaluationShard.read(path: absent) }
        guard case .unreadable(let named, _) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(named == absent)
        #expect(throws: EvaluationError.self) { try EvaluationShard.read(path: folder.path) }
    }
}
