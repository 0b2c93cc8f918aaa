// Fuzz target: pickle (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.pickle)
