/// The length a zlib stream inflates to, found by decoding it without keeping the output: the
/// deflate format (RFC 1950/1951) checked the way zlib checks it (after Mark Adler's `puff.c`), and
/// counting stopped as soon as it passes `limit`.
///
/// libhdf5 1.10.8 sizes its chunk buffer from the dataset's chunk dimensions but takes whatever the
/// stream inflates to: fewer bytes make it read past the buffer, many more (a deflate bomb) make it
/// allocate without bound. So a compressed chunk is accepted only if it inflates to exactly its size.
struct InflatedSize {
    enum Failure: Error {
        case malformed(String)
        case tooLong
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0
    private var count = 0
    private let limit: Int

    /// The inflated length of the zlib stream at the start of `bytes`; fails past `limit`.
    static func of(zlib bytes: ArraySlice<UInt8>, limit: Int) throws(Failure) -> Int {
        guard bytes.count >= 2 else { throw .malformed("a zlib stream of \(bytes.count) bytes") }
        let method = bytes[bytes.startIndex], flags = bytes[bytes.startIndex + 1]
        guard method & 0x0F == 8, method >> 4 <= 7, (UInt16(method) << 8 | UInt16(flags)) % 31 == 0,
            flags & 0x20 == 0
        else { throw .malformed("not a zlib stream") }
        var decoder = InflatedSize(bytes: bytes.dropFirst(2), limit: limit)
        try decoder.run()
        return decoder.count
    }

    private init(bytes: ArraySlice<UInt8>, limit: Int) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.limit = limit
    }

    private mutating func run() throws(Failure) {
        var isLast = false
        while !isLast {
            isLast = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Self.fixedLengths, Self.fixedDistances)
            case 2: try dynamic()
            default: throw .malformed("an invalid deflate block type")
            }
        }
    }

    private mutating func bits(_ need: Int) throws(Failure) -> Int {
        while bitCount < need {
            guard index < bytes.endIndex else { throw .malformed("the deflate stream ends early") }
            bitBuffer |= UInt32(bytes[index]) << UInt32(bitCount)
            index += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt32(need)) - 1))
        bitBuffer >>= UInt32(need)
        bitCount -= need
        return value
    }

    private mutating func add(_ length: Int) throws(Failure) {
        count += length
        guard count <= limit else { throw .tooLong }
    }

    private mutating func stored() throws(Failure) {
        bitBuffer = 0
        bitCount = 0
        guard bytes.endIndex - index >= 4 else { throw .malformed("a stored block ends early") }
        let length = Int(bytes[index]) | Int(bytes[index + 1]) << 8
        let complement = Int(bytes[index + 2]) | Int(bytes[index + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw .malformed("a stored block's length check fails") }
        index += 4
        guard bytes.endIndex - index >= length else { throw .malformed("a stored block ends early") }
        index += length
        try add(length)
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        /// Codes left unused: 0 for a complete code, negative when over-subscribed.
        var left = 1

        init(lengths: ArraySlice<Int>) {
            for length in lengths { counts[length] += 1 }
            if counts[0] == lengths.count { left = 0; return }
            for length in 1...15 {
                left = left * 2 - counts[length]
                if left < 0 { return }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private mutating func decode(_ code: Huffman) throws(Failure) -> Int {
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let count = code.counts[length]
            if value - count < first { return code.symbols[index + (value - first)] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw .malformed("an invalid Huffman code")
    }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private mutating func codes(_ lengths: Huffman, _ distances: Huffman) throws(Failure) {
        while true {
            var symbol = try decode(lengths)
            if symbol < 256 {
                try add(1)
            } else if symbol == 256 {
                return
            } else {
                symbol -= 257
                guard symbol < 29 else { throw .malformed("an invalid length symbol") }
                let length = Self.lengthBase[symbol] + (try bits(Self.lengthExtra[symbol]))
                let distanceSymbol = try decode(distances)
                guard distanceSymbol < 30 else { throw .malformed("an invalid distance symbol") }
                let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
                guard distance <= count else { throw .malformed("a distance too far back") }
                try add(length)
            }
        }
    }

    private static let fixedLengths = Huffman(
        lengths: ([Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24)
            + [Int](repeating: 8, count: 8))[...])
    private static let fixedDistances = Huffman(lengths: [Int](repeating: 5, count: 30)[...])
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamic() throws(Failure) {
        let lengthCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeCount = try bits(4) + 4
        guard lengthCount <= 286, distanceCount <= 30 else { throw .malformed("too many length or distance codes") }
        var lengths = [Int](repeating: 0, count: 320)
        for position in 0..<codeCount { lengths[Self.codeLengthOrder[position]] = try bits(3) }
        let codeLengths = Huffman(lengths: lengths[0..<19])
        guard codeLengths.left == 0 else { throw .malformed("an incomplete code-length code") }
        var position = 0
        while position < lengthCount + distanceCount {
            let symbol = try decode(codeLengths)
            if symbol < 16 {
                lengths[position] = symbol
                position += 1
                continue
            }
            var repeated = 0, times: Int
            switch symbol {
            case 16:
                guard position > 0 else { throw .malformed("a repeat with no previous length") }
                repeated = lengths[position - 1]
                times = 3 + (try bits(2))
            case 17: times = 3 + (try bits(3))
            default: times = 11 + (try bits(7))
            }
            guard position + times <= lengthCount + distanceCount else { throw .malformed("too many code lengths") }
            for _ in 0..<times {
                lengths[position] = repeated
                position += 1
            }
        }
        guard lengths[256] != 0 else { throw .malformed("no end-of-block code") }
        let literal = Huffman(lengths: lengths[0..<lengthCount])
        // zlib allows an incomplete code only when its codes are all of length 1 (a single code).
        guard literal.left == 0 || (literal.left > 0 && lengthCount == literal.counts[0] + literal.counts[1]) else {
            throw .malformed("an invalid literal/length code")
        }
        let distance = Huffman(lengths: lengths[lengthCount..<(lengthCount + distanceCount)])
        guard distance.left == 0 || (distance.left > 0 && distanceCount == distance.counts[0] + distance.counts[1])
        else {
            throw .malformed("an invalid distance code")
        }
        try codes(literal, distance)
    }
}
