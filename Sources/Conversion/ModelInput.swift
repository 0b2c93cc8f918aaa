public import Checkpoint
import Foundation
import TensorCore

/// What a user names as the model, resolved into the files a conversion reads before anything large
/// is read: a checkpoint file; a model folder (HuggingFace `save_pretrained`, open_clip's hub
/// layout, a HuggingFace cache repository or snapshot whose files are links into `blobs/`); the
/// index of a sharded checkpoint; or any one of its shards, which brings in all of them.
public struct ModelInput: Sendable {
    public enum Weights: Sendable, Equatable {
        case file(String)
        case sharded(ShardIndex)
    }

    /// The path as given.
    public let given: String
    public let weights: Weights
    /// What the resolution chose and why (printed as notes).
    public let notes: [String]
    /// Where the output goes without `-o`: beside the input (`FOLDER.h5` for a folder).
    public let defaultOutput: String
    /// Every file the conversion reads (weights, every shard and the index, configs): the output
    /// may never replace one of them.
    public let files: [String]

    /// The weights' path as the reader reports it: the file, or the shard index.
    public var weightsPath: String {
        switch weights {
        case .file(let path): return path
        case .sharded(let index): return index.path
        }
    }

    /// The files that hold tensor bytes: the one file, or every shard in index order.
    public var weightFiles: [String] {
        switch weights {
        case .file(let path): return [path]
        case .sharded(let index): return index.shards.map(index.shardPath)
        }
    }

    /// Opens the weights with the reader their bytes call for.
    public func open(limits: ReaderLimits = .default) throws(ConversionError) -> any CheckpointReader {
        do {
            switch weights {
            case .file(let path): return try CheckpointOpener.open(path: path, limits: limits)
            case .sharded(let index): return try ShardedCheckpoint(index: index, limits: limits)
            }
        } catch {
            throw .checkpoint(error)
        }
    }

    /// The weights files a model folder may hold, in order of preference: safetensors before pickle
    /// archives (the same weights, without unpickling), HuggingFace's names before open_clip's hub
    /// names, a single file before an index (the order `transformers` loads them in). The names are
    /// the libraries' own (`transformers` `SAFE_WEIGHTS_NAME`, `SAFE_WEIGHTS_INDEX_NAME`, `WEIGHTS_NAME`,
    /// `WEIGHTS_INDEX_NAME`; open_clip `push_to_hf_hub`; optimum's `model.onnx`).
    static let folderWeights: [(name: String, isSafetensors: Bool)] = [
        ("model.safetensors", true),
        ("model.safetensors.index.json", true),
        ("open_clip_model.safetensors", true),
        ("pytorch_model.bin", false),
        ("pytorch_model.bin.index.json", false),
        ("open_clip_pytorch_model.bin", false),
        ("model.onnx", false),
    ]

    /// Extensions of a lone checkpoint in a folder that holds none of `folderWeights`.
    static let checkpointExtensions: Set<String> = ["pt", "pth", "bin", "safetensors", "onnx", "ckpt"]

    /// Index files looked at to find the index of a shard given on its own.
    static let maxIndexCandidates = 16

    /// Resolves `path`; `config` is the `--config` file, if any (listed among the files read).
    public static func resolve(_ path: String, config: String? = nil) throws(ConversionError) -> ModelInput {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            // Let the reader report the missing file the way every reader does.
            return try make(given: path, weights: .file(path), notes: [], defaultOutput: nil, config: config)
        }
        if isFolder.boolValue { return try folder(path, config: config) }
        return try file(path, config: config)
    }

    private static func make(
        given: String, weights: Weights, notes: [String], defaultOutput: String?, config: String?
    ) throws(ConversionError) -> ModelInput {
        let weightsPath: String
        var files: [String]
        var output = defaultOutput
        switch weights {
        case .file(let path):
            weightsPath = path
            files = [path]
            if output == nil { output = Converter.defaultOutput(for: path) }
        case .sharded(let index):
            weightsPath = index.path
            files = [index.path] + index.shards.map(index.shardPath)
            if output == nil {
                output = child(index.folder, stem(ofIndex: index.path) + ".h5")
            }
        }
        files += SidecarConfig.candidates(besides: weightsPath, explicit: config)
        return ModelInput(
            given: given, weights: weights, notes: notes, defaultOutput: output ?? given + ".h5", files: files)
    }

    // MARK: - Folders

    private static func folder(_ path: String, config: String?) throws(ConversionError) -> ModelInput {
        // Paths keep the spelling the user gave (relative stays relative, in messages too).
        let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var notes: [String] = []
        let modelFolder = try snapshot(of: folder, notes: &notes) ?? folder
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: modelFolder)) ?? []).sorted()
        let present = folderWeights.filter { entries.contains($0.name) }
        let defaultOutput = folder + ".h5"
        if let chosen = present.first {
            let others = present.dropFirst().map(\.name)
            if !others.isEmpty {
                let why =
                    chosen.isSafetensors && present.dropFirst().contains(where: { !$0.isSafetensors })
                    ? "safetensors preferred: the same weights without unpickling" : "the first in order of preference"
                notes.append("\(chosen.name) chosen over \(others.joined(separator: ", ")) (\(why))")
            }
            let chosenPath = child(modelFolder, chosen.name)
            if chosen.name.hasSuffix(".index.json") {
                let index: ShardIndex
                do { index = try ShardIndex(path: chosenPath) } catch { throw .checkpoint(error) }
                return try make(
                    given: path, weights: .sharded(index), notes: notes, defaultOutput: defaultOutput, config: config)
            }
            return try make(
                given: path, weights: .file(chosenPath), notes: notes, defaultOutput: defaultOutput, config: config)
        }
        let lone = entries.filter { checkpointExtensions.contains(URL(fileURLWithPath: $0).pathExtension) }
        if lone.count == 1, let name = lone.first {
            return try file(
                child(modelFolder, name), config: config, given: path,
                defaultOutput: defaultOutput)
        }
        let shown = entries.prefix(8).joined(separator: ", ") + (entries.count > 8 ? ", …" : "")
        throw .modelInput(
            path: path,
            reason:
                "no model weights found: expected one of \(folderWeights.map(\.name).joined(separator: ", ")) (the folder holds \(entries.isEmpty ? "nothing" : shown))"
        )
    }

    /// A HuggingFace cache repository (`models--org--name` with `refs/` and `snapshots/`): the
    /// snapshot `refs/main` names, or its only snapshot. Nil for any other folder.
    private static func snapshot(of folder: String, notes: inout [String]) throws(ConversionError) -> String? {
        let snapshots = child(folder, "snapshots")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: snapshots, isDirectory: &isFolder), isFolder.boolValue
        else { return nil }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []).sorted()
        if let data = FileManager.default.contents(atPath: child(folder, "refs/main")), data.count <= 256 {
            let commit = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if ShardIndex.isPlainFileName(commit), names.contains(commit) {
                notes.append("HuggingFace cache: snapshot \(commit) (refs/main)")
                return child(snapshots, commit)
            }
        }
        guard names.count == 1, let only = names.first else {
            throw .modelInput(
                path: folder,
                reason:
                    "a HuggingFace cache with \(names.count) snapshots and no usable refs/main; give one snapshot folder: \(names.prefix(4).joined(separator: ", "))"
            )
        }
        notes.append("HuggingFace cache: snapshot \(only)")
        return child(snapshots, only)
    }

    // MARK: - Files

    private static func file(_ path: String, config: String?, given: String? = nil, defaultOutput: String? = nil)
        throws(ConversionError) -> ModelInput
    {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name.hasSuffix(".index.json") || isIndexText(path) {
            let index: ShardIndex
            do { index = try ShardIndex(path: path) } catch { throw .checkpoint(error) }
            return try make(
                given: given ?? path, weights: .sharded(index), notes: [], defaultOutput: defaultOutput, config: config)
        }
        if let index = try indexListing(path) {
            let note =
                "\(name) is one of \(index.shards.count) shards listed in \(URL(fileURLWithPath: index.path).lastPathComponent); all of them are read"
            return try make(
                given: given ?? path, weights: .sharded(index), notes: [note], defaultOutput: defaultOutput,
                config: config)
        }
        if let (part, total) = shardNumber(of: name) {
            throw .modelInput(
                path: path,
                reason:
                    "shard \(part) of \(total) of a sharded checkpoint, and no *.index.json beside it lists it: give the index file or the folder"
            )
        }
        return try make(
            given: given ?? path, weights: .file(path), notes: [], defaultOutput: defaultOutput, config: config)
    }

    /// True when the file starts like a shard index (a JSON object naming `weight_map`), whatever its name.
    private static func isIndexText(_ path: String) -> Bool {
        guard case .success(let head) = RegularFile.prefix(path: path, count: 4096) else { return false }
        return ShardIndex.looksLikeIndex(head)
    }

    /// The index in the file's folder whose weight map names the file, if any.
    private static func indexListing(_ path: String) throws(ConversionError) -> ShardIndex? {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [])
            .filter { $0.hasSuffix(".index.json") }.sorted().prefix(maxIndexCandidates)
        for candidate in candidates {
            // An index that cannot be read is not this file's: only one that lists it counts.
            guard let index = try? ShardIndex(path: child(folder, candidate)) else { continue }
            if index.shards.contains(name) { return index }
        }
        return nil
    }

    /// `name` inside `folder`, spelled as `folder` is (relative stays relative).
    static func child(_ folder: String, _ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// `(1, 3)` for `model-00001-of-00003.safetensors`: the numbering `save_pretrained` gives shards.
    static func shardNumber(of name: String) -> (Int, Int)? {
        let parts = name.split(separator: "-")
        guard parts.count >= 3 else { return nil }
        for index in 0..<(parts.count - 2) where parts[index + 1] == "of" {
            let total = parts[index + 2].prefix(while: \.isNumber)
            guard let part = Int(parts[index]), let count = Int(total), !total.isEmpty, part >= 1, part <= count
            else { continue }
            return (part, count)
        }
        return nil
    }

    /// `model` for `model.safetensors.index.json`, `pytorch_model` for `pytorch_model.bin.index.json`.
    static func stem(ofIndex path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        if name.hasSuffix(".index.json") { name.removeLast(".index.json".count) }
        let url = URL(fileURLWithPath: name)
        return url.pathExtension.isEmpty ? name : url.deletingPathExtension().lastPathComponent
    }
}
