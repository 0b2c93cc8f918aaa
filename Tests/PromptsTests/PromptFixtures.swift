import Crypto
import Foundation
import HDF5
import TensorCore
import _TestSupport

/// Files of `Fixtures/prompts/`, made by `Fixtures/scripts/make_prompt_fixtures.py` with PyTorch.
enum PromptFixtures {
    static func path(_ name: String) -> String { FixturePath.fixture("prompts/\(name)") }

    static func group(_ file: String, _ components: String...) throws -> HDF5Group {
        var group = try HDF5File.open(path: path(file)).root()
        for component in components { group = try group.group(component) }
        return group
    }

    static func floats(_ group: HDF5Group, _ name: String) throws -> [Float] { try group.dataset(name).readFloats() }

    static func integers(_ group: HDF5Group, _ name: String) throws -> [Int] {
        TensorBytes.integers(from: try group.dataset(name).readBytes(), dtype: try group.dataset(name).dtype).map {
            Int($0)
        }
    }

    /// Lower-case hex SHA-256 of float32 little-endian bytes, as the fixture script hashes tensors.
    static func sha256(_ values: [Float]) -> String {
        SHA256.hash(data: TensorBytes.bytes(fromFloats: values)).map { String(format: "%02x", $0) }.joined()
    }

    /// Indices where two arrays differ in bits (nil when the counts differ).
    static func bitDifferences(_ a: [Float], _ b: [Float]) -> Int? {
        guard a.count == b.count else { return nil }
        return zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
    }
}
