import Foundation

/// The index of a sharded checkpoint, as `save_pretrained(max_shard_size=…)` and `safetensors`'
/// sharding write it (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
/// `{"metadata": {"total_size": …}, "weight_map": {"<tensor>": "<shard file>", …}}`.
public struct ShardIndex: Sendable, Equatable {
    /// Bytes of an index file read into memory (a ViT-bigG index is about 100 KB).
    public static let maxIndexBytes = 64 << 20

    public let path: String
    /// Shard file names in the order they first appear in the weight map (the files' own order).
    public let shards: [String]
    /// Tensor name → shard file name.
    public let weightMap: [String: String]
    /// `metadata.total_size`, when stated.
    public let totalSize: Int?

    /// The folder holding the index and its shards, spelled as the index's path spells it.
    public var folder: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// The path of shard `name`.
    public func shardPath(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// Reads and checks the index at `path`: a JSON object with a non-empty `weight_map` of plain file
    /// names (no folders, so an index cannot point outside its own folder).
    public init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        self.path = path
        let file = try RandomAccessFile(path: path)
        guard file.size <= Self.maxIndexBytes else {
            throw .limitExceeded(
                path: path, limit: "shard index size", value: file.size, maximum: Self.maxIndexBytes)
        }
        let bytes = try file.read(at: 0, count: file.size)
        let shape = JSONShape(measuring: bytes)
        // A real index is 2 deep.
        guard shape.depth <= limits.maxTextNestingDepth else {
            throw .limitExceeded(
                path: path, limit: "JSON nesting depth", value: shape.depth, maximum: limits.maxTextNestingDepth)
        }
        func malformed(_ reason: String) -> CheckpointError { .inconsistentShards(index: path, reason: reason) }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw malformed("not a JSON object")
        }
        guard let map = root["weight_map"] as? [String: Any], !map.isEmpty else {
            throw malformed("no weight_map: not the index of a sharded checkpoint")
        }
        guard map.count <= limits.maxTensorCount else {
            throw .limitExceeded(path: path, limit: "tensor count", value: map.count, maximum: limits.maxTensorCount)
        }
        var weightMap: [String: String] = [:]
        for (tensor, value) in map {
            guard let shard = value as? String else { throw malformed("the shard of '\(tensor)' is not a file name") }
            guard Self.isPlainFileName(shard) else {
                throw malformed("shard '\(shard)' of '\(tensor)' is not a plain file name in the index's folder")
            }
            weightMap[tensor] = shard
        }
        self.weightMap = weightMap
        // JSON objects carry no order through JSONSerialization; shard names sort as their numbers do
        // (`model-00001-of-00003…`), which is the order they were written.
        shards = Set(weightMap.values).sorted()
        let metadata = root["metadata"] as? [String: Any]
        totalSize = (metadata?["total_size"] as? NSNumber).map { $0.intValue }
    }

    /// True for a name without folders, `..` or control characters.
    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    /// True when `bytes` (a file's beginning) look like a shard index: a JSON object mentioning `weight_map`.
    public static func looksLikeIndex(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == 0x7B else {
            return false
        }
        return String(decoding: bytes, as: UTF8.self).contains("\"weight_map\"")
    }
}
