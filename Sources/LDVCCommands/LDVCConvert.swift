import ArgumentParser
import Conversion
import Foundation

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
              ldvc-convert export clip.h5 --naming hf -o clip-hf/      a folder CLIPModel.from_pretrained loads
              ldvc-convert diff ViT-B-16.pt ldvc.pth --only vision. --only text.   the backbone stayed frozen
              ldvc-convert classify clip.h5 photo.jpg --labels "cat,dog,car"   zero-shot classification
              ldvc-convert segment ldvc.h5 photo.jpg -o out/           label and overlay PNGs of a photo

            Converting (the default subcommand; `ldvc-convert convert --help` has them all):
              -o, --output PATH        the .h5 to write (default: beside the input)
              --dtype keep|f32|f16|bf16   element type to store
              --activation, --vision-heads, --text-heads, --convention   what the file cannot tell
              --strict                 refuse what is not part of the model, instead of skipping it
              --init-prompts TEMPLATE  also add LDVC deep prompts
              --force, --quiet, --json

            Exit codes: 0 success, 64 bad usage, 65 input refused or malformed, 66 input missing or \
            unreadable, 73 output cannot be created, 74 write error, 70 internal error; verify exits 1 \
            when a tap exceeds its bound, diff when the models differ.
            """,
        version: LDVCVersion.current,
        subcommands: [
            Convert.self, Inspect.self, Verify.self, InitPrompts.self, Import.self, Export.self, ExportPrompts.self,
            Diff.self, Embed.self, Classify.self, Segment.self, Evaluate.self,
        ],
        defaultSubcommand: Convert.self)

    public init() {}
}

extension LDVCConvert {
    /// The executable's entry point. Converting is the default subcommand, so a misspelled
    /// subcommand (`inpsect x.pt`) would otherwise be taken for an input path; it is caught first
    /// and the nearest subcommand suggested.
    public static func runFromCommandLine() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let nearest = nearestSubcommand(to: first) {
            Terminal.error("unknown subcommand '\(first)'; did you mean '\(nearest)'? (ldvc-convert --help lists them)")
            Foundation.exit(ExitStatus.code(for: .usage))
        }
        main(arguments)
    }

    /// The subcommand `word` is probably a misspelling of (at most two edits away), unless `word`
    /// names an existing file or looks like a path or a file name.
    static func nearestSubcommand(to word: String) -> String? {
        guard !word.hasPrefix("-"), !word.contains("/"), !word.contains("."),
            !FileManager.default.fileExists(atPath: word)
        else { return nil }
        let names = configuration.subcommands.map {
            $0.configuration.commandName ?? String(describing: $0).lowercased()
        }
        guard !names.contains(word) else { return nil }
        let scored = names.map { ($0, editDistance($0, word)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
