// Fuzz target: onnx-wire (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.onnxWire)
