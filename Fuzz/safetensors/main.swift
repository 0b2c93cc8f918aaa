// Fuzz target: safetensors (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.safetensors)
