import Foundation
import Testing
import ZipArchive

/// Flips one byte in the middle of a stored tensor member of a torch zip, leaving the CRC-32 the
/// archive records unchanged: the damage only a CRC check finds. `last` picks the last large
/// member instead of the first (one the hash pass reaches late). Returns the member's name.
func flipByteInStoredTensor(of path: String, last: Bool = false) throws -> String {
    let archive = try ZipArchive(path: path)
    let members = archive.entries.filter { $0.name.contains("/data/") && $0.size > 1000 }
    let member = try #require(last ? members.last : members.first)
    let offset = try #require(archive.dataOffsets[member.name]) + member.size / 2
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[offset] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
    return member.name
}
