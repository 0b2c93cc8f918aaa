// Fuzz target: sidecar-json (see Fuzz/README.md).
import Conversion
import FuzzDriver

FuzzDriver.run(ConversionFuzzing.sidecarJSON)
