import Checkpoint
import Conventions
public import Conversion
import Export
import Foundation
public import Layout

/// One side of a comparison: any input the tool reads, as canonical tensors. A layout file is read
/// as stored; a checkpoint goes through the conversion plan `convert` (a CLIP model) or `import` (a
/// ZegCLIP/LDVC segmentor) would write, without writing it; a model folder (an hf or open_clip
/// export) through its weights file, whose config sits beside it.
public struct ModelSide: Sendable {
    /// The path as given.
    public let path: String
    /// What was read: `layout file`, or the checkpoint's container and naming (`torch-zip, openai names`).
    public let kind: String
    public let architecture: CLIPArchitecture
    public let tensors: [SideTensor]

    public static func open(path: String, options: ConversionOptions, reporter: Reporter = .silent)
        throws(ComparisonError) -> ModelSide
    {
        let file = try weightsFile(of: path)
        let sniffed: SniffedFormat
        do { sniffed = try CheckpointOpener.sniff(path: file) } catch { throw .checkpoint(error) }
        if sniffed == .hdf5 { return try layout(path: path, file: file) }
        let reader: any CheckpointReader
        do { reader = try CheckpointOpener.open(path: file) } catch { throw .checkpoint(error) }
        let plan: LayoutPlan<CheckpointTensor>
        let convention: String
        if options.convention == nil, isSegmentor(reader, registry: options.conventions) {
            let metadata: CheckpointMetadata
            do { metadata = try CheckpointOpener.metadata(path: file) } catch { throw .checkpoint(error) }
            do {
                plan = try MMSegImporter.plan(reader: reader, metadata: metadata, options: options, reporter: reporter)
            } catch {
                throw .conversion(error)
            }
            convention = plan.attributes.metadata.sourceConvention
        } else {
            let conversion: ConversionPlan
            do { conversion = try ConversionPlanner.plan(reader: reader, options: options, reporter: reporter) } catch {
                throw .conversion(error)
            }
            plan = conversion.layout
            convention = conversion.convention.name
        }
        let tensors = plan.items.map { item in
            SideTensor(
                name: item.canonical, dtype: item.source.dtype, shape: item.outputShape,
                source: .checkpoint(item.source, item.transform), path: file)
        }
        return ModelSide(
            path: path, kind: "\(reader.format.rawValue), \(convention) names",
            architecture: plan.attributes.architecture,
            tensors: tensors)
    }

    static func layout(path: String, file: String) throws(ComparisonError) -> ModelSide {
        do {
            let reader = try LayoutReader(path: file)
            var tensors: [SideTensor] = []
            for name in try reader.tensorNames() {
                let stored = try StoredTensor(reader: reader, name: name)
                tensors.append(
                    SideTensor(
                        name: name, dtype: stored.dtype, shape: stored.shape, source: .stored(stored), path: file))
            }
            return ModelSide(path: path, kind: "layout file", architecture: reader.architecture, tensors: tensors)
        } catch {
            throw .layout(error)
        }
    }

    /// A folder's weights file: the first of the model-folder files an export writes that it holds.
    static func weightsFile(of path: String) throws(ComparisonError) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            return path
        }
        for name in ModelFolder.weightsFiles {
            let candidate = URL(fileURLWithPath: path).appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw .checkpoint(
            .unreadable(path: path, reason: "a folder without open_clip_model.safetensors or model.safetensors"))
    }

    /// True when a segmentor convention's table names more of the checkpoint's tensors than any CLIP one.
    static func isSegmentor(_ reader: any CheckpointReader, registry: ConventionRegistry) -> Bool {
        func score(_ convention: Convention) -> Int {
            reader.records.filter {
                if case .mapped = convention.map.resolve($0.name) { return true }
                return false
            }.count
        }
        let segmentor = registry.conventions(of: .segmentor).map(score).max() ?? 0
        let clip = registry.conventions(of: .clip).map(score).max() ?? 0
        return segmentor > clip
    }
}
