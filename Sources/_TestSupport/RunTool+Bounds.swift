import Foundation

/// A run of the built tool under bounds: a wall-clock limit after which it is stopped, an address
/// space limit (`ulimit -v`) that makes any allocation past it fail, and its peak resident memory
/// when `/usr/bin/time` is there to measure it. For hostile inputs, where a hang or an unbounded
/// allocation must fail the test rather than stall or swap the machine.
public struct BoundedToolRun: Sendable {
    public let run: ToolRun
    /// The tool was still running at the time limit (and was stopped).
    public let timedOut: Bool
    /// Peak resident set size in KiB, nil when `/usr/bin/time` is missing.
    public let peakResidentKiB: Int?

    /// Set by `scripts/test-asan.sh`: the tool under test is built with AddressSanitizer. ASan reserves
    /// terabytes of address space for its shadow memory at start, so `ulimit -v` would stop it before `main`;
    /// its own allocation limit (`max_allocation_size_mb`) bounds allocations instead, and its shadow and
    /// quarantine add to the resident memory (`residentBound` scales the bound for that).
    public static var isAddressSanitized: Bool {
        ProcessInfo.processInfo.environment["LDVC_SANITIZER"] == "address"
    }

    /// `kib` as a peak-RSS bound for this build: three times as much under AddressSanitizer.
    public static func residentBound(_ kib: Int) -> Int { isAddressSanitized ? 3 * kib : kib }
}

extension RunTool {
    public static func runBounded(
        _ arguments: [String], in folder: String? = nil, seconds: Int = 60, addressSpaceKiB: Int = 2 << 20
    ) throws -> BoundedToolRun {
        let report = TemporaryFolder("ldvc-bounded")
        let reportFile = report.file("peak-rss")
        let measures = FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
        // timeout(1) sends TERM at the limit, KILL 5 s later, and exits 124 if it had to.
        let sanitized = BoundedToolRun.isAddressSanitized
        let limit = sanitized ? "true" : "ulimit -v \(addressSpaceKiB)"
        let bounded = [
            "/usr/bin/timeout", "-k", "5", String(seconds), "/bin/sh", "-c", "\(limit) && exec \"$0\" \"$@\"",
            executable,
        ]
        let command = (measures ? ["/usr/bin/time", "-o", reportFile, "-f", "%M"] : []) + bounded + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        if sanitized {
            var environment = ProcessInfo.processInfo.environment
            let options = environment["ASAN_OPTIONS"].map { $0 + ":" } ?? ""
            environment["ASAN_OPTIONS"] = options + "max_allocation_size_mb=\(addressSpaceKiB / 1024)"
            process.environment = environment
        }
        let run = try collect(process)
        let peak = (try? String(contentsOfFile: reportFile, encoding: .utf8))?
            .split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return BoundedToolRun(run: run, timedOut: run.exitCode == 124, peakResidentKiB: peak)
    }
}
