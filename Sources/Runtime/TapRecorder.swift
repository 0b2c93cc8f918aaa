import Foundation

/// Collects named intermediate outputs ("taps") of one run, for comparison with golden files.
///
/// Layers record one batch item at a time; calling `record` again for the same name appends another
/// item along a leading batch axis, so a tap of an image batch ends up `[B, …]` like the reference's.
/// Passing no recorder costs nothing: every `record` site is behind an optional.
public final class TapRecorder: @unchecked Sendable {
    private let lock = NSLock()
    public struct Tap: Sendable, Equatable {
        /// Shape including the leading batch axis.
        public var shape: [Int]
        public var values: [Float]
        /// Rows of the second axis that the comparison must ignore, per batch item (text positions after
        /// the end token, which the runtime does not compute).
        public var validRows: [Int]?
    }

    private var recorded: [String: Tap] = [:]
    private var names: [String] = []

    /// Every tap by name.
    public var taps: [String: Tap] { lock.withLock { recorded } }
    /// Names in the order they were first recorded: the order of the forward pass.
    public var order: [String] { lock.withLock { names } }

    public init() {}

    /// Appends one batch item of shape `itemShape`. `validRows` marks how many leading rows of the
    /// item's first axis are meaningful (nil: all).
    public func record(_ name: String, itemShape: [Int], values: [Float], validRows: Int? = nil) {
        precondition(values.count == itemShape.reduce(1, *), "tap \(name): \(values.count) values for \(itemShape)")
        lock.withLock {
            guard recorded[name] != nil else {
                recorded[name] = Tap(shape: [1] + itemShape, values: values, validRows: validRows.map { [$0] })
                names.append(name)
                return
            }
            precondition(Array(recorded[name]!.shape.dropFirst()) == itemShape, "tap \(name): item shape changed")
            // Appended in place: copying the tap out and back would copy every earlier item again.
            recorded[name]!.shape[0] += 1
            recorded[name]!.values.append(contentsOf: values)
            if let validRows { recorded[name]!.validRows = (recorded[name]!.validRows ?? []) + [validRows] }
        }
    }

    /// Records a `[rows, columns]` matrix item.
    public func record(_ name: String, _ matrix: Matrix) {
        record(name, itemShape: [matrix.rows, matrix.columns], values: matrix.values)
    }

    /// Records a position-major `[h·w, C]` map as channel-first `[C, h, w]`, the layout of the
    /// reference code's NCHW tensors.
    public func recordChannelFirst(_ name: String, _ map: Matrix, height: Int, width: Int) {
        record(name, itemShape: [map.columns, height, width], values: map.transposed().values)
    }
}
