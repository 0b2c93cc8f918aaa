import Foundation

/// Wall time and peak resident memory growth of a piece of work, for tests that prove a hostile
/// input is refused within bounds. The peak is the process's (`VmHWM`, reset to the current
/// resident size through `/proc/self/clear_refs` first) less the resident size before the work, so
/// other tests running at the same time can only make it larger: bounds are set well above a
/// correct run and well below the blow-up they guard against.
public struct ResourceProbe: Sendable {
    public let seconds: Double
    /// Peak resident bytes during the work minus the resident bytes before it.
    public let peakResidentBytes: Int

    /// Factors for time and memory bounds: 1, or 10 and 4 under AddressSanitizer (`scripts/test-asan.sh`
    /// sets `ASAN_OPTIONS`), whose checks, shadow memory, red zones and quarantine slow and grow every run.
    public static let timeScale: Double = isSanitized ? 10 : 1
    public static let memoryScale = isSanitized ? 4 : 1
    static let isSanitized = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil

    public static func measure<T>(_ work: () throws -> T) rethrows -> (result: T, probe: ResourceProbe) {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = Self.statusValue("VmRSS:") ?? 0
        let start = ContinuousClock.now
        let result = try work()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let peak = Self.statusValue("VmHWM:") ?? 0
        return (result, ResourceProbe(seconds: seconds, peakResidentBytes: max(0, peak - before)))
    }

    /// A `kB` line of `/proc/self/status`, in bytes.
    static func statusValue(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let digits = line.dropFirst(key.count).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
