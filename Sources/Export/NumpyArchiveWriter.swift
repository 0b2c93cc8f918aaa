import TensorCore

/// Writes an `.npz` file as `numpy.savez` does: a zip of one `<key>.npy` member per tensor, each in
/// `NumpyFormat`.
enum NumpyArchiveWriter {
    static func write(_ plan: StateDictPlan, to file: OutputFile) throws(ExportError) {
        for item in plan.items where NumpyFormat.descriptor(item.dtype) == nil {
            throw .unsupported(
                path: file.displayPath,
                reason: "'\(item.key)' is bfloat16, which numpy has no type for; pass --dtype f32")
        }
        let zip = ZipWriter(file: file)
        for item in plan.items {
            let data = try plan.tensor(item).contiguousBytes
            try zip.add(
                item.key + ".npy",
                NumpyFormat.header(descriptor: NumpyFormat.descriptor(item.dtype) ?? "", shape: item.shape) + data)
        }
        try zip.finish()
    }
}
