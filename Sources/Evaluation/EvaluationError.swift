import TensorCore

/// Errors from evaluation: settings, label maps, shard files and merges. Each message is one line, names the file
/// (or the image) it is about, and quotes text taken from files with escapes.
public enum EvaluationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Class names, ignore index, seen classes or a limit are unusable.
    case invalidSettings(reason: String)
    /// A `--shard K/N` value that is not two integers with 1 ≤ K ≤ N.
    case invalidShardSelector(text: String, reason: String)
    /// A label map or prediction that cannot be accumulated (`subject` is the image name).
    case invalidInput(subject: String, reason: String)
    /// The file cannot be opened or read.
    case unreadable(path: String, reason: String)
    /// The file is larger than `EvaluationLimits.maximumFileBytes`.
    case fileTooLarge(path: String, limit: Int)
    /// The file is not a well-formed document of its kind (JSON syntax, a missing key, a wrong type, a count that
    /// is not a non-negative integer, a shape or list that contradicts another field).
    case malformed(path: String, reason: String)
    /// The file declares another format or a format version this code does not read.
    case unsupportedFormat(path: String, format: String, version: Int)
    /// Adding the counts would exceed `UInt64.max`.
    case countOverflow(path: String)
    /// Two shards disagree about something that must be the same (classes, settings, model, dataset, shard count).
    case mismatch(path: String, reference: String, field: String, detail: String)
    /// The same shard index occurs in two inputs of a merge.
    case duplicateShard(path: String, reference: String, shard: Int, shardCount: Int, firstSharedImage: String?)
    /// Metrics were asked of shards that do not cover the whole dataset.
    case incomplete(
        path: String, missingShards: [Int], shardCount: Int, missingImages: [String], missingImageCount: Int)
    /// A merge was given no inputs.
    case noShards
    /// A document could not be encoded as JSON.
    case encodingFailed(reason: String)

    public var description: String {
        switch self {
        case .invalidSettings(let reason):
            return "evaluation settings: \(reason)"
        case .invalidShardSelector(let text, let reason):
            return "shard \(text.quotedForMessage()): \(reason)"
        case .invalidInput(let subject, let reason):
            return "\(subject.quotedForMessage()): \(reason)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read (\(reason))"
        case .fileTooLarge(let path, let limit):
            return "\(path): larger than the \(limit)-byte limit for evaluation files"
        case .malformed(let path, let reason):
            return "\(path): \(reason)"
        case .unsupportedFormat(let path, let format, let version):
            return "\(path): format \(format.quotedForMessage()) version \(version) is not "
                + "\(EvaluationShard.formatName) version \(EvaluationShard.formatVersion)"
        case .countOverflow(let path):
            return "\(path): pixel counts overflow 64 bits"
        case .mismatch(let path, let reference, let field, let detail):
            return "\(path): \(field) differs from \(reference) (\(detail))"
        case .duplicateShard(let path, let reference, let shard, let shardCount, let image):
            let shared = image.map { ", both hold image \($0.quotedForMessage())" } ?? ""
            return "\(path): shard \(shard)/\(shardCount) is also in \(reference)\(shared)"
        case .incomplete(let path, let missingShards, let shardCount, let missingImages, let missingImageCount):
            var parts: [String] = []
            if !missingShards.isEmpty {
                parts.append("shards \(missingShards.map { "\($0)/\(shardCount)" }.joined(separator: ", ")) missing")
            }
            if missingImageCount > 0 {
                let shown = missingImages.map { $0.quotedForMessage() }.joined(separator: ", ")
                let more = missingImageCount > missingImages.count ? ", … (\(missingImageCount) in all)" : ""
                parts.append("images not evaluated: \(shown)\(more)")
            }
            return "\(path): does not cover the dataset: \(parts.joined(separator: "; "))"
        case .noShards:
            return "merge: no shard files given"
        case .encodingFailed(let reason):
            return "JSON encoding failed: \(reason)"
        }
    }
}
