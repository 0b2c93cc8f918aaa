// Fuzz target: evaluation-shard (see Fuzz/README.md).
import Evaluation
import FuzzDriver

FuzzDriver.run(EvaluationFuzzing.shard)
