import ArgumentParser
import Layout

/// Flags of every command that writes a file.
struct WriteOptions: ParsableArguments {
    @Flag(name: .long, help: "Replace the output if it exists (never a folder, device or FIFO, never an input).")
    var force = false

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    @Flag(name: .long, help: "Print the result as one JSON object instead of a line of text.")
    var json = false

    /// Progress and notes are for people: off when quiet or when the output is JSON.
    var reporter: Reporter { Terminal.reporter(showProgress: !json, quiet: quiet || json) }

    /// Prints what was written: the JSON object with `--json`, else `line` unless `--quiet`.
    func report(_ result: WrittenFile, line: @autoclosure () -> String) {
        if json {
            print(JSONOutput.text(result))
        } else if !quiet {
            print(line())
        }
    }
}

/// What a command that writes reports with `--json`: one object.
struct WrittenFile: Encodable {
    let command: String
    let output: String
    let tensors: Int
    let bytes: Int
    /// Element types of the stored tensors.
    let dtypes: [String]
    /// Command-specific facts (convention, input format, prompts …).
    var details: [String: String] = [:]
}
