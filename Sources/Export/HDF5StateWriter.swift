import HDF5
import TensorCore

/// Writes a state dict as a flat HDF5 file: one dataset per key at the root, named by the key
/// (dots kept), with a `dtype` attribute, in the element types of the layout (f16 and bf16 as its
/// 16-bit float types, which h5py reads as float16 and float32).
enum HDF5StateWriter {
    static func write(_ plan: StateDictPlan, toTemporary path: String, displayPath: String) throws(ExportError) {
        for item in plan.items where item.key.contains("/") {
            throw .unsupported(path: displayPath, reason: "'\(item.key)' contains '/', which an HDF5 name cannot")
        }
        do {
            let file = try HDF5File.create(path: path)
            let root = try file.root()
            for item in plan.items {
                let dataset = try root.createDataset(item.key, dtype: item.dtype, shape: item.shape)
                try dataset.write(try tensor(item, of: plan).contiguousBytes)
                try dataset.setAttribute("dtype", .string(item.dtype.rawValue))
            }
            try root.setAttribute("naming", .string(plan.naming.name))
            try file.close()
        } catch {
            throw .write(path: displayPath, reason: error.description)
        }
    }

    /// A planned tensor, as an HDF5 failure so the loop above has one error type.
    private static func tensor(_ item: StateDictPlan.Item, of plan: StateDictPlan) throws(HDF5Error) -> Tensor {
        do { return try plan.tensor(item) } catch {
            throw .callFailed(path: plan.path, operation: "read '\(item.key)'", detail: error.description)
        }
    }
}
