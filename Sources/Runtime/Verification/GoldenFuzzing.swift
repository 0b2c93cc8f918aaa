import HDF5

/// The fuzz target entry for golden files (see `HDF5Fuzzing`): reads the bytes as `verify` reads a
/// golden, every input and tap.
package enum GoldenFuzzing {
    package static func golden(_ bytes: [UInt8]) {
        HDF5Fuzzing.withScratchFile(bytes, name: "golden.h5") { path in
            let golden = try GoldenFile(path: path)
            _ = golden.taps.reduce(0) { $0 + $1.values.count }
        }
    }
}
