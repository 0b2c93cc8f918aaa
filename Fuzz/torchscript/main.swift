// Fuzz target: torchscript (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.torchZip)
