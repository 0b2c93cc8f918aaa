import FuzzDriver
// Fuzz target: image (see Fuzz/README.md).
import Imaging

FuzzDriver.run(ImagingFuzzing.image)
