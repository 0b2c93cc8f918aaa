/// The bytes a pickle program is read from: a zip member in memory, or a region of a file that
/// is read in small windows (the legacy format keeps pickles in front of gigabytes of storage).
final class PickleInput {
    let path: String
    let member: String
    private var window: [UInt8]
    /// Absolute offset of `window[0]`.
    private var windowStart: Int
    private let file: RandomAccessFile?
    /// Absolute offset one past the last readable byte.
    let end: Int
    private(set) var position: Int

    private static let windowSize = 1 << 16

    init(bytes: [UInt8], path: String, member: String) {
        self.path = path
        self.member = member
        window = bytes
        windowStart = 0
        file = nil
        end = bytes.count
        position = 0
    }

    init(file: RandomAccessFile, start: Int, member: String) {
        self.path = file.path
        self.member = member
        window = []
        windowStart = start
        self.file = file
        end = file.size
        position = start
    }

    var remaining: Int { end - position }

    func readByte() throws(CheckpointError) -> UInt8 {
        if position >= windowStart + window.count { try refill(minimum: 1) }
        let byte = window[position - windowStart]
        position += 1
        return byte
    }

    /// Reads `count` bytes; the count is checked against what is left before anything is allocated.
    func read(_ count: Int) throws(CheckpointError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw truncated("\(count) bytes requested, \(remaining) left") }
        if count == 0 { return [] }
        if position + count > windowStart + window.count {
            if let file, count > Self.windowSize {
                let bytes = try file.read(at: position, count: count)
                position += count
                return bytes
            }
            try refill(minimum: count)
        }
        let start = position - windowStart
        position += count
        return Array(window[start..<(start + count)])
    }

    /// Reads up to and excluding the next newline (protocol-0 text operands), at most `limit` bytes.
    func readLine(limit: Int = 1 << 16) throws(CheckpointError) -> [UInt8] {
        var line: [UInt8] = []
        while true {
            let byte = try readByte()
            if byte == 0x0A { return line }
            line.append(byte)
            if line.count > limit { throw truncated("text operand longer than \(limit) bytes") }
        }
    }

    private func refill(minimum: Int) throws(CheckpointError) {
        guard let file else { throw truncated("the pickle ends without STOP") }
        guard position + minimum <= end else { throw truncated("the pickle ends without STOP") }
        let count = min(max(Self.windowSize, minimum), end - position)
        window = try file.read(at: position, count: count)
        windowStart = position
    }

    private func truncated(_ detail: String) -> CheckpointError {
        .truncated(path: path, detail: "\(member) at byte \(position): \(detail)")
    }
}
