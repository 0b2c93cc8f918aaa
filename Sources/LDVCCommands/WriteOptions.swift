import ArgumentParser

/// Flags of every command that writes a file.
struct WriteOptions: ParsableArguments {
    @Flag(name: .long, help: "Replace the output if it exists (never a folder, device or FIFO, never an input).")
    var force = false

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false
}
