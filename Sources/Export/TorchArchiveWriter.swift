import TensorCore

/// Writes a state dict as a `torch.save` zip archive (the format of `torch.save` since PyTorch 1.6):
/// `archive/data.pkl` (our `PickleWriter`), `archive/byteorder`, one `archive/data/<i>` member per
/// tensor, `archive/version`; `torch.load(weights_only=True)` loads it. With `meta` the object is a
/// training checkpoint `{"meta": meta, "state_dict": …}` as MMSegmentation saves one.
enum TorchArchiveWriter {
    static let folder = "archive"

    static func write(_ plan: StateDictPlan, meta: PickleWriter.Literal? = nil, to file: OutputFile)
        throws(ExportError)
    {
        let zip = ZipWriter(file: file)
        let items = plan.items.map { ($0.key, $0.dtype, $0.shape) }
        let pickle = meta.map { PickleWriter.checkpoint(meta: $0, stateDict: items) } ?? PickleWriter.stateDict(items)
        try zip.add("\(folder)/data.pkl", pickle)
        try zip.add("\(folder)/byteorder", Array("little".utf8))
        for (index, item) in plan.items.enumerated() {
            try zip.add("\(folder)/data/\(index)", try plan.tensor(item).contiguousBytes)
        }
        // Serialization format 3 (what torch.save writes; readers accept 1…their maximum).
        try zip.add("\(folder)/version", Array("3\n".utf8))
        try zip.finish()
    }
}
