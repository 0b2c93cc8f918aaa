public import Layout

/// The key names an export uses: a convention's (through its name table, inverted) or the layout's own.
public enum ExportNaming: String, Sendable, CaseIterable {
    /// OpenAI `clip/model.py` names (`visual.transformer.resblocks.0.attn.in_proj_weight`).
    case openai
    /// open_clip's `CLIP` (the same names as OpenAI's).
    case openClip = "open_clip"
    /// HuggingFace `CLIPModel`.
    case hf
    /// A ZegCLIP/LDVC MMSegmentation segmentor (`backbone.*`, `text_encoder.*`, `decode_head.*`).
    case mmseg
    /// The layout's canonical names (`prompts.text.embeddings`).
    case canonical

    /// The table that names tensors in this convention; nil for canonical names.
    public var table: NameTable? {
        switch self {
        case .openai: return .openAI
        case .openClip: return .openCLIP
        case .hf: return .huggingFace
        case .mmseg: return .mmseg
        case .canonical: return nil
        }
    }
}
