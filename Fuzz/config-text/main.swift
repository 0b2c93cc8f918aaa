// Fuzz target: config-text (see Fuzz/README.md).
import Conversion
import FuzzDriver

FuzzDriver.run(ConversionFuzzing.configText)
