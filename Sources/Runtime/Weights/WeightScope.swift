import Foundation
public import Layout

/// Pulls a model part's tensors out of a weight store (a layout file) by canonical name, checking
/// each shape.
///
/// A part descends with `scoped("blocks.3")` and asks for `take("attn.q_proj.weight", shape: [W, W])`;
/// the full dotted name is the canonical name. A missing tensor or a shape mismatch fails the load
/// with the layout's own error naming the file and the tensor (candle's `VarBuilder` idea).
public struct WeightScope: Sendable {
    let reader: any WeightStore
    let prefix: String
    let log: ConsumptionLog

    public init(store: any WeightStore) {
        self.init(reader: store, prefix: "", log: ConsumptionLog())
    }

    private init(reader: any WeightStore, prefix: String, log: ConsumptionLog) {
        self.reader = reader
        self.prefix = prefix
        self.log = log
    }

    /// The scope of a child module.
    public func scoped(_ component: String) -> WeightScope {
        WeightScope(reader: reader, prefix: name(component), log: log)
    }

    /// The tensor `component` under this scope, widened to fp32, after checking its shape.
    public func take(_ component: String, shape: [Int]) throws(RuntimeError) -> [Float] {
        let full = name(component)
        do {
            let values = try reader.floats(full, shape: shape)
            log.record(full)
            return values
        } catch {
            throw .layout(error)
        }
    }

    /// Stored tensors no part has taken (for a loaded model: tensors the runtime does not use).
    public func untakenTensors() throws(RuntimeError) -> [String] {
        do {
            let taken = log.names
            return try reader.tensorNames().filter { !taken.contains($0) }
        } catch {
            throw .layout(error)
        }
    }

    /// Whether the file stores `component` under this scope.
    public func contains(_ component: String) -> Bool {
        reader.contains(name(component))
    }

    var path: String { reader.path }

    private func name(_ component: String) -> String {
        prefix.isEmpty ? component : prefix + "." + component
    }
}

/// The canonical names a load has taken, shared by every scope of one load.
final class ConsumptionLog: @unchecked Sendable {
    private let lock = NSLock()
    private var taken: Set<String> = []

    func record(_ name: String) {
        lock.lock()
        taken.insert(name)
        lock.unlock()
    }

    var names: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return taken
    }
}
