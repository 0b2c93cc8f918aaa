internal import COpenBLAS

/// OpenBLAS's own worker-thread count, which every later `sgemm` uses.
///
/// The runtime shares a small machine, so callers pick the count explicitly (the benchmark uses 2)
/// instead of inheriting OpenBLAS's default of one thread per core.
public enum BLASThreads {
    /// The number of threads OpenBLAS currently uses.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count; values below 1 are treated as 1.
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: max(1, count)))
    }
}
