// Fuzz target: onnx-model (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.onnxModel)
