import Foundation

/// The containers an export can write, chosen by the output path.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `torch.save` zip archive (.pt, .pth, .bin); under the mmseg naming a training checkpoint
    /// `{meta, state_dict}`.
    case torch
    case safetensors
    /// Flat HDF5: one dataset per key (`export-prompts` to .h5).
    case hdf5
    /// numpy `savez` archive.
    case npz
    /// A layout file (`export` to .h5): canonical names and every attribute, read back by this tool.
    case layout
    /// A model folder its library loads as it is: `config.json` + `model.safetensors` (hf) or
    /// `open_clip_config.json` + `open_clip_model.safetensors` (open_clip).
    case folder

    /// The format of `path`: a folder when it ends in `/` or is an existing folder, else by extension
    /// (`.h5` is `hdf5`; `export` of a whole model writes it as `layout`).
    public static func from(path: String) -> ExportFormat? {
        var isFolder: ObjCBool = false
        if path.hasSuffix("/")
            || (FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
        {
            return .folder
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pt", "pth", "bin": return .torch
        case "safetensors": return .safetensors
        case "h5", "hdf5": return .hdf5
        case "npz": return .npz
        default: return nil
        }
    }
}
