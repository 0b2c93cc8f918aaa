import Foundation

/// Paths of committed fixtures, found from this file's location so tests need no bundle resources.
public enum FixturePath {
    /// The repository root: three levels above `Sources/_TestSupport/FixturePath.swift`.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    /// `<repository>/<relative>`.
    public static func repository(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent(relative).path
    }
}

/// A fresh folder under the system temporary directory, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "ldvc-test") {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Every entry of the folder, hidden ones included (to prove no partial output was left).
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Copies a file into the folder and returns the copy's path.
    @discardableResult
    public func copy(_ source: String, as name: String? = nil) throws -> String {
        let destination = file(name ?? URL(fileURLWithPath: source).lastPathComponent)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        return destination
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
