import Foundation

/// Byte-level BPE of one pre-token, following clip/simple_tokenizer.py::SimpleTokenizer.bpe.
///
/// The reference loop, kept as is because its order decides the output: start from one symbol per byte with
/// `</w>` on the last; repeatedly take the adjacent pair with the lowest merge rank and merge every occurrence of
/// that exact pair left to right without overlap; stop when no pair has a rank or one symbol is left. Symbols are
/// vocabulary ids here (see `Vocabulary`), so a merge is one table look-up per pair.
struct BytePairMerger: Sendable {
    let vocabulary: Vocabulary
    /// Results per pre-token, like the reference's `self.cache`; shared by copies of the tokenizer.
    let cache = MergeCache()

    /// Token ids for the UTF-8 bytes of one pre-token (never empty).
    func merge(_ bytes: ArraySlice<UInt8>) -> [Int32] {
        if bytes.count == 1, let byte = bytes.first {
            // The reference returns `token + '</w>'` here without consulting the cache.
            return [ByteToUnicode.vocabularyIndex[Int(byte)] + 256]
        }
        if let cached = cache.value(for: bytes) {
            return cached
        }
        var word = bytes.map { ByteToUnicode.vocabularyIndex[Int($0)] }
        word[word.count - 1] += 256  // `</w>` on the last symbol

        while word.count > 1 {
            // min(pairs, key=rank): ranks are unique per pair, so the first pair found with the lowest rank is it.
            var best: Vocabulary.Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for index in 0..<(word.count - 1) {
                if let merge = vocabulary.merges[Vocabulary.pairKey(word[index], word[index + 1])],
                    merge.rank < best?.rank ?? .max
                {
                    best = merge
                    bestLeft = word[index]
                    bestRight = word[index + 1]
                }
            }
            guard let best else { break }

            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var index = 0
            while index < word.count {
                if index < word.count - 1, word[index] == bestLeft, word[index + 1] == bestRight {
                    merged.append(best.result)
                    index += 2
                } else {
                    merged.append(word[index])
                    index += 1
                }
            }
            word = merged
        }
        cache.store(word, for: bytes)
        return word
    }
}

/// A thread-safe memo of `BytePairMerger.merge`, bounded so hostile input cannot grow it without limit.
///
/// The reference's cache is an unbounded dict; clearing it when full changes speed only, never output.
final class MergeCache: @unchecked Sendable {
    /// Entries kept before the cache starts over; far more than the distinct words of any prompt set.
    static let capacity = 65_536

    private let lock = NSLock()
    private var storage: [ArraySlice<UInt8>: [Int32]] = [:]

    func value(for bytes: ArraySlice<UInt8>) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[bytes]
    }

    func store(_ ids: [Int32], for bytes: ArraySlice<UInt8>) {
        lock.lock()
        defer { lock.unlock() }
        if storage.count >= Self.capacity {
            storage.removeAll(keepingCapacity: true)
        }
        // Copy the key so the cache does not keep the caller's whole text alive.
        storage[ArraySlice(Array(bytes))] = ids
    }
}
