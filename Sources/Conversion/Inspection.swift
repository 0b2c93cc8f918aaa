import Checkpoint
import Foundation
public import Layout

/// What `inspect` reports about a checkpoint or a layout file, without writing anything.
public struct InspectionReport: Sendable, Codable {
    public struct TensorRow: Sendable, Codable, Equatable {
        public var sourceName: String
        public var dtype: String
        public var shape: [Int]
        public var canonical: [String]
        public var transform: String
        public var status: String
        public var reason: String?
        public var provenance: String? = nil

        enum CodingKeys: String, CodingKey {
            case sourceName = "source_name", dtype, shape, canonical, transform, status, reason, provenance
        }
    }

    /// The training dataset a layout file records (`/dataset`), as plain JSON values.
    public struct Dataset: Sendable, Codable, Equatable {
        public var classes: [String]
        public var seenClasses: [Int]?
        public var unseenClasses: [Int]?
        public var palette: [[Int]]?
        public var config: String?
        public var sources: [String: String]

        enum CodingKeys: String, CodingKey {
            case classes, palette, config, sources
            case seenClasses = "seen_classes"
            case unseenClasses = "unseen_classes"
        }

        init(_ dataset: TrainingDataset) {
            classes = dataset.classes
            seenClasses = dataset.seenClasses
            unseenClasses = dataset.unseenClasses
            palette = dataset.palette
            config = dataset.config
            sources = dataset.sources
        }
    }

    public var path: String
    public var format: String
    public var convention: String
    public var conventionSource: String
    public var wrapper: String
    public var architecture: CLIPArchitecture?
    public var architectureSources: [String: String]
    /// How images become the model's input (a layout file without `/preprocessing`: the convention's default).
    public var preprocessing: PreprocessingSettings? = nil
    public var tensors: [TensorRow]
    public var dropped: [LayoutMetadata.DroppedTensor]
    public var tied: [[String]]
    public var notes: [String]
    /// How each prompt group of a converted file was made (`vision`, `text`).
    public var promptInitializations: [String: PromptInitialization] = [:]
    public var dataset: Dataset? = nil

    enum CodingKeys: String, CodingKey {
        case path, format, convention, wrapper, architecture, tensors, dropped, tied, notes, dataset
        case conventionSource = "convention_source", architectureSources = "architecture_sources"
        case preprocessing
        case promptInitializations = "prompt_initializations"
    }
}

public enum Inspector {
    /// Describes any supported input: a checkpoint (how each tensor would map) or a layout file
    /// (what it stores and where each tensor came from).
    public static func inspect(
        path: String, options: ConversionOptions = ConversionOptions(), reporter: Reporter = .silent
    ) throws(ConversionError) -> InspectionReport {
        let input = try ModelInput.resolve(path, config: options.config)
        if case .file(let file) = input.weights {
            let sniffed: SniffedFormat
            do { sniffed = try CheckpointOpener.sniff(path: file) } catch { throw .checkpoint(error) }
            if sniffed == .hdf5 { return try inspectLayout(path: file) }
        }
        for note in input.notes { reporter.note("\(path): \(note)") }
        let reader = try input.open()
        let plan: ConversionPlan
        do {
            plan = try ConversionPlanner.plan(reader: reader, options: options, reporter: reporter)
        } catch .segmentorCheckpoint {
            return try inspectImport(reader: reader, options: options, reporter: reporter)
        } catch let error {
            // A checkpoint we cannot convert can still be listed: show the raw tensors and the reason.
            reporter.warning(error.description)
            let rows = reader.records.map {
                InspectionReport.TensorRow(
                    sourceName: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, canonical: [],
                    transform: "", status: "unplanned", reason: nil)
            }
            return InspectionReport(
                path: path, format: reader.format.rawValue, convention: "unknown", conventionSource: error.description,
                wrapper: reader.wrapperKey, architecture: nil, architectureSources: [:], tensors: rows,
                dropped: [], tied: reader.tiedGroups, notes: reader.notes)
        }
        let rows = plan.sources.map {
            InspectionReport.TensorRow(
                sourceName: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, canonical: $0.canonical,
                transform: $0.transformText, status: $0.status.rawValue, reason: $0.reason, provenance: $0.provenance)
        }
        return InspectionReport(
            path: path, format: plan.format.rawValue, convention: plan.convention.name,
            conventionSource: plan.conventionSource, wrapper: plan.reader.wrapperKey, architecture: plan.architecture,
            architectureSources: plan.architectureSources, preprocessing: plan.layout.attributes.preprocessing,
            tensors: rows, dropped: plan.dropped, tied: plan.tied, notes: plan.notes)
    }

    /// A ZegCLIP/LDVC training checkpoint: the plan `ldvc-convert import` would write.
    static func inspectImport(reader: any CheckpointReader, options: ConversionOptions, reporter: Reporter)
        throws(ConversionError) -> InspectionReport
    {
        let metadata: CheckpointMetadata
        do { metadata = try CheckpointOpener.metadata(path: reader.path) } catch { throw .checkpoint(error) }
        let (plan, sources) = try MMSegImporter.planWithSources(
            reader: reader, metadata: metadata, options: options, reporter: reporter)
        let rows = sources.map {
            InspectionReport.TensorRow(
                sourceName: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, canonical: $0.canonical,
                transform: $0.transformText, status: $0.status.rawValue, reason: $0.reason, provenance: $0.provenance)
        }
        let attributes = plan.attributes
        return InspectionReport(
            path: reader.path, format: reader.format.rawValue, convention: attributes.metadata.sourceConvention,
            conventionSource: "a ZegCLIP/LDVC MMSegmentation checkpoint: `ldvc-convert import` writes this plan",
            wrapper: reader.wrapperKey, architecture: attributes.architecture,
            architectureSources: attributes.metadata.architectureSources, tensors: rows,
            dropped: attributes.metadata.droppedTensors, tied: attributes.metadata.tiedTensors,
            notes: reader.notes
                + (metadata.classes.isEmpty ? [] : ["classes: " + metadata.classes.joined(separator: ", ")]))
    }

    static func inspectLayout(path: String) throws(ConversionError) -> InspectionReport {
        do {
            let reader = try LayoutReader(path: path)
            var rows: [InspectionReport.TensorRow] = []
            for name in try reader.tensorNames() {
                let (provenance, dtype) = try reader.provenance(of: name)
                rows.append(
                    .init(
                        sourceName: provenance.sourceName, dtype: dtype.rawValue, shape: try reader.shape(of: name),
                        canonical: [name], transform: provenance.transform, status: "stored",
                        reason: provenance.sourceDType == dtype.rawValue
                            ? nil : "source dtype \(provenance.sourceDType)",
                        provenance: provenance.extra["provenance"]))
            }
            let metadata = reader.metadata
            // A text-only file prepares no images, so it has no preprocessing to show.
            let hasVision = reader.architecture.vision != nil
            let (resolved, isStored) = reader.attributes.resolvedPreprocessing
            let preprocessing = hasVision ? resolved : nil
            var notes = ["dtype policy: \(metadata.dtypePolicy)"]
            if hasVision, !isStored {
                notes.append(
                    "no /preprocessing group (written before it existed): images are prepared as the convention's "
                        + "default, \(resolved.pipeline.rawValue)")
            }
            var report = InspectionReport(
                path: path, format: "ldvc-swift.layout v\(metadata.formatVersion)",
                convention: metadata.sourceConvention,
                conventionSource:
                    "converted from \(metadata.sourceFile) (\(metadata.sourceFormat), sha256 \(metadata.sourceSHA256.prefix(12))…) by \(metadata.producer)",
                wrapper: metadata.sourceWrapper, architecture: reader.architecture,
                architectureSources: metadata.architectureSources, preprocessing: preprocessing,
                tensors: rows, dropped: metadata.droppedTensors, tied: metadata.tiedTensors, notes: notes,
                promptInitializations: reader.attributes.promptInitializations)
            report.dataset = reader.attributes.dataset.map(InspectionReport.Dataset.init)
            return report
        } catch {
            throw .layout(error)
        }
    }
}
