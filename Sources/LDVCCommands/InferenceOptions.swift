import ArgumentParser
import Foundation
import Layout
import TensorCore

/// `--threads`, shared by every command that runs the model.
struct ThreadOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Worker threads for the runtime (default: every core, here \(Self.cores)).", valueName: "n"))
    var threads: Int?

    static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    var count: Int { threads ?? Self.cores }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

/// `--strict`, shared by every command that runs the model on images.
struct StrictOptions: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "Refuse to run when the model file does not state a setting that changes the numbers (its image preprocessing, its logit scale) instead of warning."
    )
    var strict = false
}

/// `--token-ids`, for test models with their own tiny vocabulary.
struct TokenOptions: ParsableArguments {
    @Option(
        name: .customLong("token-ids"),
        help: ArgumentHelp(
            "One text as token ids ('98 17 99') instead of CLIP's tokenizer, once per text in order: for test models "
                + "with their own vocabulary.", valueName: "ids"))
    var tokenIDs: [String] = []
}

/// Progress on stderr, one step per image: a rewritten line on a terminal, nothing otherwise.
enum ImageProgress {
    static func reporter(quiet: Bool) -> Reporter {
        let enabled = Terminal.isInteractive && !quiet
        return Reporter(
            diagnostic: { diagnostic in
                if quiet && diagnostic.severity == .note { return }
                switch diagnostic.severity {
                case .warning: Terminal.warning(diagnostic.message)
                case .note: Terminal.note(diagnostic.message)
                }
            },
            progress: { done, total, name in
                guard enabled else { return }
                if done >= total {
                    Terminal.write("\r\u{1B}[K")
                } else {
                    let file = URL(fileURLWithPath: name).lastPathComponent
                    Terminal.write("\r\u{1B}[K[\(done + 1)/\(total)] \(file.escapedForTerminal())")
                }
            })
    }
}
