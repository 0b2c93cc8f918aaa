import Foundation
import ZipArchive

/// The CRC-32 of every stored member of a zip checkpoint, checked from one sequential pass over the
/// whole file: the pass that hashes it. Tensor bytes the converter copies file to file in the kernel
/// never pass through libzip, so this is how they are checked without reading the file a second time.
public final class FileChecksums: @unchecked Sendable {
    struct Member {
        let name: String
        let start: Int
        let end: Int
        let expected: UInt32
        var crc: UInt32 = 0
        var checked = 0
    }

    public let path: String
    private var members: [Member]

    init(path: String, members: [(name: String, start: Int, count: Int, crc32: UInt32)]) {
        self.path = path
        self.members = members.filter { $0.count > 0 }.sorted { $0.start < $1.start }
            .map { Member(name: $0.name, start: $0.start, end: $0.start + $0.count, expected: $0.crc32) }
    }

    /// Feeds `bytes`, which lie at `offset` in the file; passes must be in file order.
    public func update(offset: Int, bytes: ArraySlice<UInt8>) {
        let end = offset + bytes.count
        for index in members.indices where members[index].start < end && members[index].end > offset {
            let from = max(members[index].start, offset), to = min(members[index].end, end)
            // Bytes are only counted when they continue the member where the last piece stopped.
            guard from == members[index].start + members[index].checked else { continue }
            let slice = bytes[(bytes.startIndex + from - offset)..<(bytes.startIndex + to - offset)]
            members[index].crc = slice.withUnsafeBytes { ZipArchive.crc32($0, continuing: members[index].crc) }
            members[index].checked += to - from
        }
    }

    /// After the whole file was fed: every member complete and matching its central directory entry.
    public func verify() throws(CheckpointError) {
        for member in members {
            guard member.checked == member.end - member.start else {
                throw .truncated(path: path, detail: "member '\(member.name)' was not read to its end")
            }
            guard member.crc == member.expected else {
                throw .zip(
                    .checksumMismatch(path: path, entry: member.name, expected: member.expected, actual: member.crc))
            }
        }
    }
}
