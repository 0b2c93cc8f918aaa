import HDF5
import TensorCore

/// The fuzz target entry for layout files (see `HDF5Fuzzing`): opens the bytes as a layout file and
/// does what `inspect`, `export` and `init-prompts` do with one, reading every small tensor.
package enum LayoutFuzzing {
    package static func layout(_ bytes: [UInt8]) {
        HDF5Fuzzing.withScratchFile(bytes, name: "layout.h5") { path in
            let reader = try LayoutReader(path: path)
            _ = reader.promptInitialization("vision")
            _ = reader.promptInitialization("text")
            for name in try reader.tensorNames().prefix(1000) {
                _ = try? reader.provenance(of: name)
                guard let data = try? reader.dataset(name) else { continue }
                _ = data.fileOffset
                if data.byteCount <= 1 << 20 { _ = try? reader.tensor(name) }
            }
        }
    }
}
