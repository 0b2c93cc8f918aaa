import Foundation

/// Runs the built `ldvc-convert` executable and captures what it printed and its exit code.
public struct ToolRun: Sendable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
}

public enum RunTool {
    /// The built executable: it sits beside the test bundle in the build folder.
    public static var executable: String {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [bundleFolder, bundleFolder.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("ldvc-convert").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return FixturePath.repository(".build/debug/ldvc-convert")
    }

    public static func run(_ arguments: [String], in folder: String? = nil) throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        return try collect(process)
    }

    /// Runs a configured `process` to its end and returns its exit status and both outputs.
    static func collect(_ process: Process) throws -> ToolRun {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are drained at once (stderr on another thread): a child that fills either pipe
        // buffer before closing the other would otherwise block forever.
        let errorOutput = PipeDrain(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errorOutput.wait()
        process.waitUntilExit()
        return ToolRun(
            exitCode: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a background thread.
final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
