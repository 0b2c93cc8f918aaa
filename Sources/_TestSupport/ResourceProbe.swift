import Foundation

/// Wall time and peak resident memory of a piece of work, for tests that prove a hostile input is
/// refused within bounds. The peak is the process's (`VmHWM`, reset first through
/// `/proc/self/clear_refs`), so other tests running at the same time can only make it larger:
/// bounds are set well above a correct run and well below the blow-up they guard against.
public struct ResourceProbe: Sendable {
    public let seconds: Double
    public let peakResidentBytes: Int

    public static func measure<T>(_ work: () throws -> T) rethrows -> (result: T, probe: ResourceProbe) {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let start = ContinuousClock.now
        let result = try work()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (result, ResourceProbe(seconds: seconds, peakResidentBytes: Self.statusValue("VmHWM:") ?? 0))
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
