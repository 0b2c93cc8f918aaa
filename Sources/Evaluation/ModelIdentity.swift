import TensorCore

/// Which model produced the predictions: its path as given, and its SHA-256 when the caller computed one.
public struct ModelIdentity: Sendable, Equatable {
    /// The model file's path as given on the command line.
    public let path: String
    /// Lowercase hex SHA-256 of the model file, if known.
    public let sha256: String?

    /// `sha256`, when given, must be 64 hex digits (either case; kept lowercase).
    public init(path: String, sha256: String? = nil) throws(EvaluationError) {
        if let reason = Self.problem(sha256: sha256) { throw .invalidSettings(reason: reason) }
        self.path = path
        self.sha256 = sha256?.lowercased()
    }

    init(validPath path: String, sha256: String?) {
        self.path = path
        self.sha256 = sha256?.lowercased()
    }

    static func problem(sha256: String?) -> String? {
        guard let sha256 else { return nil }
        let isHex =
            sha256.utf8.count == 64
            && sha256.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            }
        return isHex ? nil : "model sha256 \(sha256.quotedForMessage()) is not 64 hex digits"
    }

    /// Why `other` is not the same model, or `nil` if it is. Two identities with digests are the same model when
    /// the digests agree (shards may run on machines with different paths); otherwise the paths must agree.
    func difference(from other: ModelIdentity) -> String? {
        if let mine = sha256, let theirs = other.sha256 {
            return mine == theirs ? nil : "sha256 \(mine) vs \(theirs)"
        }
        return path == other.path ? nil : "path \(path.quotedForMessage()) vs \(other.path.quotedForMessage())"
    }
}
