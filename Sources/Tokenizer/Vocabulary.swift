/// CLIP's 49,408-token vocabulary and merge ranks, built from a merges text.
///
/// Follows clip/simple_tokenizer.py::SimpleTokenizer.__init__: ids 0..<256 are the byte characters, 256..<512 the
/// same with `</w>`, then one id per merge in file order (the concatenation of its two symbols), then
/// `<|startoftext|>` and `<|endoftext|>`. The reference keys everything by Python strings; here every symbol is an
/// id, and the merge table maps an adjacent id pair straight to its rank and merged id. That is equivalent because
/// each symbol the BPE can produce is a vocabulary entry and (checked while parsing) no two entries share a spelling.
struct Vocabulary: Sendable {
    /// `49152 - 256 - 2`: the merges CLIP keeps (`merges[1:49152-256-2+1]`).
    static let mergeCount = 48_894
    static let size = 512 + mergeCount + 2
    static let startOfTextID = Int32(512 + mergeCount)
    static let endOfTextID = Int32(512 + mergeCount + 1)

    /// What one merge rule does to an adjacent pair: its priority (lower merges first) and the merged token.
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    /// Merge rules keyed by `pairKey(left, right)`.
    let merges: [UInt64: Merge]
    /// The bytes each id decodes to (its vocabulary string mapped back through the byte table, `</w>` kept as
    /// text), stored flat: id `i` owns `decodedBytes[decodedOffsets[i]..<decodedOffsets[i + 1]]`.
    let decodedBytes: [UInt8]
    let decodedOffsets: [Int]

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Parses a merges text: a header line (skipped, like the reference), then at least 48,894 lines
    /// `left right`; lines after the 48,894th are ignored, as in the reference.
    ///
    /// Stricter than the reference on purpose: a merge must be two symbols separated by one space, both symbols
    /// must already be vocabulary entries, and no pair or merged spelling may repeat. CLIP's own file satisfies all
    /// three; anything else is a corrupted or foreign file, and the reference would silently build a different
    /// vocabulary from it.
    init(mergesText: String) throws(TokenizerError) {
        let text = Array(mergesText.utf8)
        var nextLineStart: Int? = 0
        var lineNumber = 0  // 1-based number of the line last returned

        /// The next line as a byte range without its "\n" (Python's `split('\n')`), or nil past the last one.
        func nextLine() -> Range<Int>? {
            guard let start = nextLineStart else { return nil }
            lineNumber += 1
            if let newline = text[start...].firstIndex(of: 0x0A) {
                nextLineStart = newline + 1
                return start..<newline
            }
            nextLineStart = nil
            return start..<text.count
        }
        func string(_ range: Range<Int>) -> String {
            String(decoding: text[range], as: UTF8.self)
        }

        // CLIP's header is `"bpe_simple_vocab_16e6.txt#version: 0.2`; a text without it would lose its first merge.
        guard let header = nextLine(), string(header).contains("#version") else {
            let firstLine = text.firstIndex(of: 0x0A) ?? text.count
            throw .missingMergesHeader(firstLine: string(0..<firstLine))
        }

        // Spelling (UTF-8 of the vocabulary string) -> id. Bytes, not Swift strings: String equality is canonical
        // equivalence, and the reference compares code points.
        var idOfSpelling: [[UInt8]: Int32] = [:]
        idOfSpelling.reserveCapacity(Self.size)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(Self.size * 8)
        var offsets: [Int] = [0]
        offsets.reserveCapacity(Self.size + 1)
        let endOfWord = Array("</w>".utf8)

        var bytesInVocabularyOrder = [UInt8](repeating: 0, count: 256)
        for byte in 0..<256 {
            bytesInVocabularyOrder[Int(ByteToUnicode.vocabularyIndex[byte])] = UInt8(byte)
        }
        // Ids 0..<256 are the byte characters, 256..<512 the same followed by the literal text "</w>".
        for suffix in [[], endOfWord] {
            for byte in bytesInVocabularyOrder {
                idOfSpelling[ByteToUnicode.utf8(ofByte: byte) + suffix] = Int32(offsets.count - 1)
                decoded.append(byte)
                decoded.append(contentsOf: suffix)
                offsets.append(decoded.count)
            }
        }

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(Self.mergeCount)
        for rank in 0..<Self.mergeCount {
            guard let line = nextLine() else {
                throw .tooFewMerges(found: rank, required: Self.mergeCount)
            }
            if line.isEmpty && nextLineStart == nil {
                throw .tooFewMerges(found: rank, required: Self.mergeCount)  // only a trailing newline was left
            }
            guard let space = text[line].firstIndex(of: 0x20), space == text[line].lastIndex(of: 0x20),
                space > line.lowerBound, space < line.upperBound - 1
            else {
                throw .malformedMergeLine(lineNumber: lineNumber, line: string(line))
            }
            let leftSpelling = Array(text[line.lowerBound..<space])
            let rightSpelling = Array(text[(space + 1)..<line.upperBound])
            guard let left = idOfSpelling[leftSpelling] else {
                throw .unknownMergeSymbol(lineNumber: lineNumber, symbol: string(line.lowerBound..<space))
            }
            guard let right = idOfSpelling[rightSpelling] else {
                throw .unknownMergeSymbol(lineNumber: lineNumber, symbol: string((space + 1)..<line.upperBound))
            }
            let id = Int32(offsets.count - 1)
            let key = Self.pairKey(left, right)
            guard merges[key] == nil, idOfSpelling.updateValue(id, forKey: leftSpelling + rightSpelling) == nil else {
                throw .duplicateMerge(lineNumber: lineNumber, line: string(line))
            }
            merges[key] = Merge(rank: Int32(rank), result: id)
            // Copy out first: appending a slice of `decoded` to itself would copy the whole buffer every time.
            let mergedBytes =
                Array(decoded[offsets[Int(left)]..<offsets[Int(left) + 1]])
                + Array(decoded[offsets[Int(right)]..<offsets[Int(right) + 1]])
            decoded.append(contentsOf: mergedBytes)
            offsets.append(decoded.count)
        }

        // The special tokens are plain ASCII, which the byte table maps to itself.
        for special in ["<|startoftext|>", "<|endoftext|>"] {
            decoded.append(contentsOf: special.utf8)
            offsets.append(decoded.count)
        }
        self.merges = merges
        self.decodedBytes = decoded
        self.decodedOffsets = offsets
    }

    /// The bytes token `id` stands for, or nil when the id is outside the vocabulary.
    func decodedBytes(of id: Int32) -> ArraySlice<UInt8>? {
        guard id >= 0, Int(id) < Self.size else { return nil }
        return decodedBytes[decodedOffsets[Int(id)]..<decodedOffsets[Int(id) + 1]]
    }
}
