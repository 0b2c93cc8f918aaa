public import HDF5

/// Everything a layout file stores as attributes rather than per tensor: where it came from
/// (`LayoutMetadata`, on `/`), the model (`CLIPArchitecture`, on `/` and its groups), and how each
/// prompt group was initialised (`init_*` on `/prompts/vision` and `/prompts/text`), and the dataset a
/// segmentation model was trained on (`TrainingDataset`, on `/dataset`, optional). One
/// `Codable` value, written by `AttributeEncoder` and read back by `AttributeDecoder`.
public struct LayoutAttributes: Sendable, Equatable, Codable {
    public var metadata: LayoutMetadata
    public var architecture: CLIPArchitecture
    /// Prompt group (`vision`, `text`) → how its values were made.
    public var promptInitializations: [String: PromptInitialization]
    /// Classes, zero-shot split, palette and config of the training data (imported segmentors).
    public var dataset: TrainingDataset?
    /// How images become the model's input (`/preprocessing`); nil in files written before the group
    /// existed (`resolvedPreprocessing` then gives the convention's default).
    public var preprocessing: PreprocessingSettings?

    public init(
        metadata: LayoutMetadata, architecture: CLIPArchitecture,
        promptInitializations: [String: PromptInitialization] = [:], dataset: TrainingDataset? = nil,
        preprocessing: PreprocessingSettings? = nil
    ) {
        self.metadata = metadata
        self.architecture = architecture
        self.promptInitializations = promptInitializations
        self.dataset = dataset
        self.preprocessing = preprocessing
    }

    /// The stored preprocessing, else the convention's default (`isStored` false).
    public var resolvedPreprocessing: (settings: PreprocessingSettings, isStored: Bool) {
        if let preprocessing { return (preprocessing, true) }
        return (PreprocessingSettings.conventionDefault(for: self), false)
    }

    enum CodingKeys: String, CodingKey { case format, prompts, dataset, preprocessing }
    enum PromptKeys: String, CodingKey, CaseIterable { case vision, text }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(LayoutSchema.current.format, forKey: .format)
        try metadata.encode(to: encoder)
        try architecture.encode(to: encoder)
        var prompts = container.nestedContainer(keyedBy: PromptKeys.self, forKey: .prompts)
        for key in PromptKeys.allCases {
            try promptInitializations[key.rawValue]?.encode(to: prompts.superEncoder(forKey: key))
        }
        try container.encodeIfPresent(dataset, forKey: .dataset)
        try container.encodeIfPresent(preprocessing, forKey: .preprocessing)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try LayoutMetadata(from: decoder)
        architecture = try CLIPArchitecture(from: decoder)
        promptInitializations = [:]
        if container.contains(.prompts) {
            let prompts = try container.nestedContainer(keyedBy: PromptKeys.self, forKey: .prompts)
            for key in PromptKeys.allCases {
                let group = try prompts.superDecoder(forKey: key)
                let fields = try group.container(keyedBy: PromptInitialization.CodingKeys.self)
                if fields.contains(.method) {
                    promptInitializations[key.rawValue] = try PromptInitialization(from: group)
                }
            }
        }
        dataset = container.contains(.dataset) ? try container.decode(TrainingDataset.self, forKey: .dataset) : nil
        preprocessing = try container.decodeIfPresent(PreprocessingSettings.self, forKey: .preprocessing)
    }

    /// The attributes keyed by dotted path (`vision.width` is `width` on `/vision`).
    public func encoded() throws(LayoutError) -> [String: HDF5AttributeValue] {
        try AttributeEncoder().encode(self)
    }
}
