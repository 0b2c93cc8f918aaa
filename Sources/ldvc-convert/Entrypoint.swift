import LDVCCommands

@main
enum Entrypoint {
    static func main() { LDVCConvert.runFromCommandLine() }
}
