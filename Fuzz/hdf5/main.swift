// Fuzz target: hdf5 (see Fuzz/README.md).
import FuzzDriver
import HDF5

FuzzDriver.run(HDF5Fuzzing.file)
