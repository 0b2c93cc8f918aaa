import Foundation

#if FUZZING
/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`): parses libFuzzer's flags from
/// argv and calls `callback` with each input it makes.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The callback libFuzzer's archive requires by name; it runs the current target's entry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.runEntry(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#endif

/// Runs one fuzz target. Built by `scripts/fuzz.sh` (`-sanitize=fuzzer,address -DFUZZING`) it is a
/// libFuzzer binary taking libFuzzer's flags; built plainly (as `swift build` does) it replays the
/// files and folders named on its command line through the same entry, so a crash input can be
/// reproduced without the sanitizer toolchain.
public enum FuzzDriver {
    /// The entry of the running target; libFuzzer's C callback cannot capture it.
    nonisolated(unsafe) private static var entry: ([UInt8]) -> Void = { _ in }

    public static func run(_ entry: @escaping ([UInt8]) -> Void) -> Never {
        Self.entry = entry
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput)
        exit(status)
        #else
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            for file in inputs(argument) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                entry(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input(s)")
        exit(0)
        #endif
    }

    static func runEntry(_ bytes: [UInt8]) { entry(bytes) }

    /// A file, or the files of a folder, in name order.
    private static func inputs(_ path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}
