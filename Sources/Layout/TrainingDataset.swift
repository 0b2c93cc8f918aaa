import Foundation

/// The dataset a segmentation model was trained on, as its training checkpoint states it: the
/// class names (`meta.CLASSES`), the zero-shot split (ZegCLIP's `seen_idx`, or `base_class` /
/// `novel_class`), the palette (`meta.PALETTE`) and the MMSegmentation config text (`meta.config`).
/// Stored as the attributes of the optional `/dataset` group; `import` writes it, `inspect` shows it,
/// and `export --naming mmseg` writes it back into the checkpoint's `meta`.
public struct TrainingDataset: Sendable, Equatable, Codable {
    /// Class names in label order.
    public var classes: [String]
    /// Indices (into `classes`) of the classes seen in training; nil when no split is known.
    public var seenClasses: [Int]?
    /// Indices of the classes held out of training (zero-shot); nil or empty when none are.
    public var unseenClasses: [Int]?
    /// One RGB colour (0–255 each) per class, in label order.
    public var palette: [[Int]]?
    /// The training configuration as MMSegmentation saved it (Python text of mmcv's `Config.pretty_text`,
    /// or JSON), kept verbatim so an export gives it back.
    public var config: String?
    /// Field (`classes`, `seen_classes`, `palette`, …) → where its value came from (`meta.CLASSES`,
    /// `meta.config: model.decode_head.seen_idx`, …).
    public var sources: [String: String]

    /// Beyond any real dataset (COCO-Stuff has 171 classes); refuses absurd counts from hostile files.
    public static let maxClasses = 100_000

    public init(
        classes: [String], seenClasses: [Int]? = nil, unseenClasses: [Int]? = nil, palette: [[Int]]? = nil,
        config: String? = nil, sources: [String: String] = [:]
    ) {
        self.classes = classes
        self.seenClasses = seenClasses
        self.unseenClasses = unseenClasses
        self.palette = palette
        self.config = config
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case classes, palette, config, sources
        case seenClasses = "seen_classes"
        case unseenClasses = "unseen_classes"
    }

    /// `classes` and `sources` are attributes holding JSON text (an HDF5 attribute is a scalar or a
    /// flat array of numbers); the palette is one flat array, three values per class.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeJSONText(classes, forKey: .classes)
        if let seenClasses, !seenClasses.isEmpty { try container.encode(seenClasses, forKey: .seenClasses) }
        if let unseenClasses, !unseenClasses.isEmpty { try container.encode(unseenClasses, forKey: .unseenClasses) }
        if let palette, !palette.isEmpty { try container.encode(palette.flatMap { $0 }, forKey: .palette) }
        try container.encodeIfPresent(config, forKey: .config)
        try container.encodeJSONText(sources, forKey: .sources)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func refuse(_ key: CodingKeys, _ reason: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: reason)
        }
        classes = try container.decodeJSONText([String].self, forKey: .classes)
        guard classes.count <= Self.maxClasses else {
            throw refuse(.classes, "\(classes.count) classes (at most \(Self.maxClasses))")
        }
        sources = try container.decodeJSONText([String: String].self, forKey: .sources)
        config = try container.decodeIfPresent(String.self, forKey: .config)
        for key in [CodingKeys.seenClasses, .unseenClasses] where container.contains(key) {
            let indices = try container.decode([Int].self, forKey: key)
            guard let bad = indices.first(where: { !(0..<classes.count).contains($0) }) else {
                guard Set(indices).count == indices.count else { throw refuse(key, "an index is listed twice") }
                if key == .seenClasses { seenClasses = indices } else { unseenClasses = indices }
                continue
            }
            throw refuse(key, "class index \(bad) is outside 0 … \(classes.count - 1)")
        }
        if let seenClasses, let unseenClasses, !Set(seenClasses).isDisjoint(with: unseenClasses) {
            throw refuse(.unseenClasses, "a class is both seen and unseen")
        }
        if container.contains(.palette) {
            let flat = try container.decode([Int].self, forKey: .palette)
            guard flat.count == 3 * classes.count else {
                throw refuse(.palette, "\(flat.count) values for \(classes.count) classes (3 per class)")
            }
            guard flat.allSatisfy({ (0...255).contains($0) }) else {
                throw refuse(.palette, "a value is outside 0 … 255")
            }
            palette = stride(from: 0, to: flat.count, by: 3).map { Array(flat[$0..<($0 + 3)]) }
        }
    }
}
