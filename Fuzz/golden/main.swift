// Fuzz target: golden (see Fuzz/README.md).
import FuzzDriver
import Runtime

FuzzDriver.run(GoldenFuzzing.golden)
