import HDF5
import TensorCore

/// Writes a state dict as a flat HDF5 file: one dataset per key at the root, named by the key
/// (dots kept), with a `dtype` attribute, in the element types of the layout (f16 and bf16 as its
/// 16-bit float types, which h5py reads as float16 and float32).
enum HDF5StateWriter {
    static func write(_ plan: StateDictPlan, toTemporary path: String, displayPath: String) throws(ExportError) {
        do {
            let file = try HDF5File.create(path: path)
            let root = try file.root()
            for item in plan.items {
                guard !item.key.contains("/") else {
                    throw ExportError.unsupported(
                        path: displayPath, reason: "'\(item.key)' contains '/', which an HDF5 name cannot")
                }
                let dataset = try root.createDataset(item.key, dtype: item.dtype, shape: item.shape)
                try dataset.write(try plan.tensor(item).contiguousBytes)
                try dataset.setAttribute("dtype", .string(item.dtype.rawValue))
            }
            try root.setAttribute("naming", .string(plan.naming.rawValue))
            try file.close()
        } catch let error as ExportError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .write(path: displayPath, reason: "\(error)")
        }
    }
}
