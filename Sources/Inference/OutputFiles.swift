import Foundation
public import Layout

/// Writes whole outputs through `AtomicOutput`: a file appears complete or not at all, an existing one is
/// replaced only with `overwrite`, and never an input.
public struct OutputFiles: Sendable {
    public var overwrite: Bool
    /// Files read by the run (model, images), which no output may replace.
    public var inputs: [String]

    public init(overwrite: Bool, inputs: [String]) {
        self.overwrite = overwrite
        self.inputs = inputs
    }

    /// Reserves `destination` (refused up front if it exists without `overwrite`, is not a regular file, or
    /// is an input), so that several outputs of one image are all checked before any is written.
    public func reserve(_ destination: String) throws(InferenceError) -> AtomicOutput {
        do {
            return try AtomicOutput(destination: destination, overwrite: overwrite, inputs: inputs)
        } catch {
            throw .layout(error)
        }
    }

    /// Writes `bytes` to a reserved output and moves it into place.
    public static func commit(_ bytes: [UInt8], to output: AtomicOutput) throws(InferenceError) {
        guard FileManager.default.createFile(atPath: output.temporaryPath, contents: Data(bytes)) else {
            output.discard()
            throw .write(path: output.destination, reason: "cannot create \(output.temporaryPath)")
        }
        do { try output.commit() } catch { throw .layout(error) }
    }

    /// Reserves and writes one output.
    public func write(_ bytes: [UInt8], to destination: String) throws(InferenceError) {
        try Self.commit(bytes, to: try reserve(destination))
    }
}
