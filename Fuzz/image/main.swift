// Fuzz target: image (see Fuzz/README.md).
import Imaging
import FuzzDriver

FuzzDriver.run(ImagingFuzzing.image)
