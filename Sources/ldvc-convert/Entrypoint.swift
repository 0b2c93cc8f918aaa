import LDVCCommands

@main
enum Entrypoint {
    static func main() async { await LDVCConvert.main() }
}
