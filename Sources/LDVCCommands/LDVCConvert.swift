import ArgumentParser
import Conversion

/// The `ldvc-convert` root command. Converting is the default subcommand, so
/// `ldvc-convert ViT-B-16.pt` converts.
public struct LDVCConvert: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ldvc-convert",
        abstract: "Convert CLIP ViT-B checkpoints into the ldvc-swift HDF5 layout, inspect them, and check them.",
        discussion: """
            Reads PyTorch checkpoints (torch.save zip archives, TorchScript archives such as OpenAI's \
            ViT-B-16.pt, pre-1.6 legacy files, wrapped training checkpoints), safetensors files and ONNX \
            exports (names recovered from the graph), in fp32, fp16 or bf16, without Python and without \
            running any pickled code; also model folders (HuggingFace, open_clip hub, HuggingFace cache) \
            and sharded checkpoints (the index or any shard). The format is recognised from the file's \
            first bytes, never from its extension. Settings nothing states are assumed with a warning \
            (--strict refuses instead); models the runtime cannot run (ResNet, ConvNeXt, EVA, SigLIP, \
            CoCa) are refused by name.

            Examples:
              ldvc-convert ViT-B-16.pt                  writes ViT-B-16.h5 beside it
              ldvc-convert model.pth -o clip.h5         a training checkpoint {"state_dict": ...}
              ldvc-convert clip-vit-base-patch16/       a model folder; writes clip-vit-base-patch16.h5
              ldvc-convert inspect ViT-B-16.pt --json   what is inside and how each tensor maps
              ldvc-convert ViT-B-16.pt --init-prompts "a photo of a"   convert and add LDVC deep prompts
              ldvc-convert import ldvc_trained.pth -o ldvc.h5          a trained ZegCLIP/LDVC checkpoint
              ldvc-convert export ldvc.h5 --naming openai -o clip.pt   back to a PyTorch state dict

            Exit codes: 0 success, 64 bad usage, 65 input refused or malformed, 66 input missing or \
            unreadable, 73 output cannot be created, 74 write error, 70 internal error; verify exits 1 \
            when a tap exceeds its bound.
            """,
        version: LDVCVersion.current,
        subcommands: [
            Convert.self, Inspect.self, Verify.self, InitPrompts.self, Import.self, Export.self, ExportPrompts.self,
        ],
        defaultSubcommand: Convert.self)

    public init() {}
}
