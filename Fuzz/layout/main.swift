// Fuzz target: layout (see Fuzz/README.md).
import FuzzDriver
import Layout

FuzzDriver.run(LayoutFuzzing.layout)
