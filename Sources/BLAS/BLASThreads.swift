/// OpenBLAS's own worker-thread count, which every later `sgemm` uses.
///
/// The runtime shares a small machine, so callers pick the count explicitly (the benchmark uses 2)
/// instead of inheriting OpenBLAS's default of one thread per core.
public enum BLASThreads {
    /// The number of threads OpenBLAS currently uses (1 when OpenBLAS cannot be opened).
    public static var count: Int {
        guard let library = try? OpenBLASLibrary.shared.get() else { return 1 }
        return Int(library.getThreads())
    }

    /// Sets OpenBLAS's thread count; values below 1 are treated as 1. Does nothing when OpenBLAS
    /// cannot be opened (`BLASLibrary.check()` says why).
    public static func set(_ count: Int) {
        guard let library = try? OpenBLASLibrary.shared.get() else { return }
        library.setThreads(Int32(clamping: max(1, count)))
    }
}
