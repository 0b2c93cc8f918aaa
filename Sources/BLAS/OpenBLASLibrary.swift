internal import COpenBLAS
import Foundation

/// OpenBLAS, opened on first use instead of linked.
///
/// OpenBLAS (DYNAMIC_ARCH builds such as Debian's) picks its kernels once, while it loads, from the
/// CPU's family and model. 0.3.21 does not know recent Xeons (family 6 model 207) and falls back to
/// its SSE3 "Prescott" kernels, whose sgemm is 5–7× slower than the AVX-512 kernels on the same
/// core. A linked library has loaded before `main`; opening it here lets the bridge first set
/// `OPENBLAS_CORETYPE` from the CPU's feature flags, with the rule OpenBLAS itself applies to
/// CPUs it cannot name (AVX-512 with BF16 → Cooperlake, AVX-512 → SkylakeX, AVX2 with FMA →
/// Haswell). A value the user set is left alone, and without any of those features OpenBLAS decides.
final class OpenBLASLibrary: @unchecked Sendable {
    let sgemm: copenblas_sgemm_function
    let setThreads: copenblas_set_threads_function
    let getThreads: copenblas_get_threads_function
    /// OpenBLAS's name for the kernels it chose (`openblas_get_corename`).
    let coreName: String
    /// The `OPENBLAS_CORETYPE` in force when it loaded, and whether the bridge chose it.
    let coreType: String?
    let coreTypeChosenHere: Bool

    /// The process's one OpenBLAS, opened by the first caller (Swift initialises a static once, thread-safely).
    static let shared: Result<OpenBLASLibrary, BLASError> = open()

    private init(
        sgemm: copenblas_sgemm_function, setThreads: copenblas_set_threads_function,
        getThreads: copenblas_get_threads_function, coreName: String, coreType: String?, coreTypeChosenHere: Bool
    ) {
        self.sgemm = sgemm
        self.setThreads = setThreads
        self.getThreads = getThreads
        self.coreName = coreName
        self.coreType = coreType
        self.coreTypeChosenHere = coreTypeChosenHere
    }

    /// Sonames tried in order: Debian's runtime package, then the development symlink.
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so"]

    private static func open() -> Result<OpenBLASLibrary, BLASError> {
        var coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        var chosenHere = false
        if coreType == nil, let choice = kernelFamily(cpuFlags: cpuFlags()) {
            // setenv races with concurrent getenv calls; this runs once, from the first BLAS call
            // (the runtime makes it while a model loads), and OpenBLAS is the variable's only reader.
            setenv("OPENBLAS_CORETYPE", choice, 0)
            coreType = choice
            chosenHere = true
        }
        var handle: UnsafeMutableRawPointer?
        for name in libraryNames {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let handle else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(.libraryUnavailable(detail: reason))
        }
        guard let sgemm = dlsym(handle, "cblas_sgemm"),
            let setThreads = dlsym(handle, "openblas_set_num_threads"),
            let getThreads = dlsym(handle, "openblas_get_num_threads"),
            let coreName = dlsym(handle, "openblas_get_corename")
        else {
            return .failure(.libraryUnavailable(detail: "libopenblas lacks cblas_sgemm or the openblas_* thread calls"))
        }
        let nameFunction = unsafeBitCast(coreName, to: copenblas_text_function.self)
        return .success(
            OpenBLASLibrary(
                sgemm: unsafeBitCast(sgemm, to: copenblas_sgemm_function.self),
                setThreads: unsafeBitCast(setThreads, to: copenblas_set_threads_function.self),
                getThreads: unsafeBitCast(getThreads, to: copenblas_get_threads_function.self),
                coreName: nameFunction().map { String(cString: $0) } ?? "unknown",
                coreType: coreType, coreTypeChosenHere: chosenHere))
    }

    /// The kernel family for a CPU with these `/proc/cpuinfo` flags (OpenBLAS's fallback rule), or nil
    /// to let OpenBLAS decide.
    static func kernelFamily(cpuFlags flags: Set<Substring>) -> String? {
        let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { flags.contains(Substring($0)) }
        if avx512 { return flags.contains("avx512_bf16") ? "COOPERLAKE" : "SKYLAKEX" }
        if flags.contains("avx2") && flags.contains("fma") { return "HASWELL" }
        return nil
    }

    /// The feature flags the kernel reports for the first CPU (empty where there is no `/proc/cpuinfo`).
    private static func cpuFlags() -> Set<Substring> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }
}

/// The OpenBLAS the bridge runs on, for reports and for callers that want a missing library refused
/// up front rather than at their first product.
public enum BLASLibrary {
    /// Opens OpenBLAS if that has not happened yet; throws when it cannot be opened.
    public static func check() throws(BLASError) {
        if case .failure(let error) = OpenBLASLibrary.shared { throw error }
    }

    /// OpenBLAS's name for its kernels (`SkylakeX`, `Haswell`, …), nil when it cannot be opened.
    public static var kernelName: String? { try? OpenBLASLibrary.shared.get().coreName }

    /// The `OPENBLAS_CORETYPE` OpenBLAS loaded with and whether this bridge chose it (false: the
    /// user's value, or none).
    public static var coreType: (value: String?, chosenByBridge: Bool) {
        guard let library = try? OpenBLASLibrary.shared.get() else { return (nil, false) }
        return (library.coreType, library.coreTypeChosenHere)
    }
}
