/// CLIP's byte-level BPE tokenizer, id for id the same as OpenAI CLIP's `clip/simple_tokenizer.py` and
/// `clip.tokenize`, and open_clip's `SimpleTokenizer` / `open_clip.tokenize` (apart from the spelling of the special
/// tokens, see `encode`).
///
/// Pipeline, one file per stage: `TextCleaner` (ftfy subset in `TextFixer`, `HTMLUnescaper`, white space, lower
/// case with `ReferenceUnicode`) → `PreTokenizer` (the split pattern) → UTF-8 bytes → `BytePairMerger` over the
/// `Vocabulary` built from a merges text. Known differences from the reference are listed on `TextFixer` (no
/// mojibake repair) and in Fixtures/tokenizer/README.md.
///
/// The value is cheap to copy and safe to share between threads; copies share one merge cache.
public struct CLIPTokenizer: Sendable {
    /// `<|startoftext|>` (SOT), prepended by `tokenize`.
    public static let startOfTextID: Int32 = Vocabulary.startOfTextID
    /// `<|endoftext|>` (EOT), appended by `tokenize`; the largest id, which is why CLIP pools at `argmax(ids)`.
    public static let endOfTextID: Int32 = Vocabulary.endOfTextID
    /// 256 byte tokens + 256 with `</w>` + 48,894 merges + 2 specials = 49,408.
    public static let vocabularySize = Vocabulary.size
    /// The number of merge lines CLIP uses from its merges file.
    public static let mergeCount = Vocabulary.mergeCount
    /// The context length of every released CLIP text encoder.
    public static let defaultContextLength = 77
    /// The largest context length `tokenize` accepts: room for SOT and EOT is the minimum, and a bound keeps a
    /// mistaken argument from allocating gigabytes of padding.
    public static let maximumContextLength = 1 << 16

    /// The merges text compiled into this binary (header line + 48,894 merges of OpenAI's
    /// `bpe_simple_vocab_16e6.txt.gz`), for the converter to store next to the weights.
    public static var bundledMergesText: String { CLIPMerges.text }

    /// A tokenizer over the built-in merges; built once per process on first use.
    public static var bundled: CLIPTokenizer {
        get throws(TokenizerError) { try bundledResult.get() }
    }

    private static let bundledResult = Result<CLIPTokenizer, TokenizerError> { () throws(TokenizerError) in
        try CLIPTokenizer(mergesText: CLIPMerges.text)
    }

    private let merger: BytePairMerger

    /// Builds the vocabulary from a merges text in the format of `bundledMergesText`: a `#version` header line, then
    /// at least 48,894 lines `left right` (later lines are ignored, so the complete original file works too).
    /// A converted model file stores this text, and the runtime rebuilds its tokenizer from it.
    public init(mergesText: String) throws(TokenizerError) {
        merger = BytePairMerger(vocabulary: try Vocabulary(mergesText: mergesText))
    }

    /// Token ids of `text`, without SOT/EOT (clip/simple_tokenizer.py::SimpleTokenizer.encode).
    ///
    /// The literal text `<|startoftext|>` / `<|endoftext|>` (any case, after cleaning) encodes as the special id,
    /// as in OpenAI CLIP. open_clip spells its specials `<start_of_text>` / `<end_of_text>` and splits OpenAI's
    /// spelling into ordinary tokens; this tokenizer follows OpenAI there.
    public func encode(_ text: String) -> [Int32] {
        let scalars = TextCleaner.clean(text)
        var ids: [Int32] = []
        for piece in PreTokenizer.split(scalars) {
            let pieceScalars = scalars[piece]
            // Only the exact spelling hits the reference's pre-filled cache; a case variant matched by the pattern
            // (`<|ſtartoftext|>`) goes through BPE as one word, as it does there.
            if pieceScalars.elementsEqual(PreTokenizer.specialSpellings[0]) {
                ids.append(Self.startOfTextID)
            } else if pieceScalars.elementsEqual(PreTokenizer.specialSpellings[1]) {
                ids.append(Self.endOfTextID)
            } else {
                ids.append(contentsOf: merger.merge(Self.utf8(pieceScalars)[...]))
            }
        }
        return ids
    }

    /// `[SOT] + encode(text) + [EOT]` zero-padded to `contextLength`, one row per text (`clip.tokenize`).
    ///
    /// When a row does not fit: with `truncate` it keeps the first `contextLength` ids and makes the last one EOT
    /// (open_clip always does this; OpenAI CLIP with `truncate=True`); without it, throws `textTooLong` like
    /// OpenAI CLIP's `RuntimeError`. Padding id 0 (`!`) is harmless because of the causal mask.
    public func tokenize(
        _ texts: [String], contextLength: Int = defaultContextLength, truncate: Bool = false
    ) throws(TokenizerError) -> [[Int32]] {
        guard (2...Self.maximumContextLength).contains(contextLength) else {
            throw .invalidContextLength(contextLength)
        }
        var rows: [[Int32]] = []
        rows.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            var row = [Self.startOfTextID] + encode(text) + [Self.endOfTextID]
            if row.count > contextLength {
                guard truncate else {
                    throw .textTooLong(index: index, text: text, tokenCount: row.count, contextLength: contextLength)
                }
                row.removeLast(row.count - contextLength)
                row[contextLength - 1] = Self.endOfTextID
            }
            row.append(contentsOf: repeatElement(0, count: contextLength - row.count))
            rows.append(row)
        }
        return rows
    }

    /// One row of `tokenize(_:contextLength:truncate:)`.
    public func tokenize(
        _ text: String, contextLength: Int = defaultContextLength, truncate: Bool = false
    ) throws(TokenizerError) -> [Int32] {
        try tokenize([text], contextLength: contextLength, truncate: truncate)[0]
    }

    /// Text of token ids (clip/simple_tokenizer.py::SimpleTokenizer.decode): the tokens' bytes, decoded as UTF-8
    /// with U+FFFD for malformed sequences (`errors="replace"`), every `</w>` turned into a space. Padding zeros
    /// decode as `!`, as in the reference; strip them first.
    public func decode(_ ids: [Int32]) throws(TokenizerError) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard let tokenBytes = merger.vocabulary.decodedBytes(of: id) else {
                throw .unknownTokenID(id, vocabularySize: Self.vocabularySize)
            }
            bytes.append(contentsOf: tokenBytes)
        }
        // Replacing "</w>" in the bytes equals replacing it after decoding: ASCII bytes decode as themselves and
        // end any malformed sequence in the same place either way.
        var spaced: [UInt8] = []
        spaced.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x3C, bytes[index...].starts(with: Self.endOfWordBytes) {
                spaced.append(0x20)
                index += Self.endOfWordBytes.count
            } else {
                spaced.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: spaced, as: UTF8.self)
    }

    private static let endOfWordBytes = Array("</w>".utf8)

    static func utf8(_ scalars: ArraySlice<Unicode.Scalar>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for scalar in scalars {
            let value = scalar.value
            switch value {
            case ..<0x80:
                bytes.append(UInt8(value))
            case ..<0x800:
                bytes.append(UInt8(0xC0 | value >> 6))
                bytes.append(UInt8(0x80 | value & 0x3F))
            case ..<0x10000:
                bytes.append(UInt8(0xE0 | value >> 12))
                bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
                bytes.append(UInt8(0x80 | value & 0x3F))
            default:
                bytes.append(UInt8(0xF0 | value >> 18))
                bytes.append(UInt8(0x80 | value >> 12 & 0x3F))
                bytes.append(UInt8(0x80 | value >> 6 & 0x3F))
                bytes.append(UInt8(0x80 | value & 0x3F))
            }
        }
        return bytes
    }
}
