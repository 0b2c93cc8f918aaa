import Foundation

/// The entry point of the `evaluation-shard` fuzz target (`Fuzz/evaluation-shard`): arbitrary bytes as an
/// `evaluate --shard` output, decoded and checked, then merged with itself (the merge refuses a shard seen
/// twice, and must do so without trapping on the counts it adds).
package enum EvaluationFuzzing {
    package static func shard(_ bytes: [UInt8]) {
        guard let shard = try? EvaluationShard.decode(Data(bytes), source: "fuzz-input") else { return }
        _ = try? EvaluationShard.merge([(source: "a", shard: shard)])
        _ = try? EvaluationShard.merge([(source: "a", shard: shard), (source: "b", shard: shard)])
    }
}
