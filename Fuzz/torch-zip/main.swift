// Fuzz target: torch-zip (see Fuzz/README.md).
import Checkpoint
import FuzzDriver

FuzzDriver.run(CheckpointFuzzing.torchZip)
