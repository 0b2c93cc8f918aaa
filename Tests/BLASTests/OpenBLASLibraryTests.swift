import Testing

@testable import BLAS

/// The bridge opens OpenBLAS itself (it is not linked), choosing its kernels from the CPU's flags first.
@Suite("OpenBLAS library")
struct OpenBLASLibraryTests {
    @Test("Kernel families follow OpenBLAS's own fallback rule for unnamed CPUs")
    func kernelFamilies() {
        let avx512: Set<Substring> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: avx512.union(["avx512_bf16"])) == "COOPERLAKE")
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: avx512) == "SKYLAKEX")
        // AVX-512 without the BW/DQ/VL subsets (Knights Landing) is not SkylakeX.
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: ["avx", "avx2", "fma", "avx512f"]) == "HASWELL")
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: ["sse2", "avx", "avx2", "fma"]) == "HASWELL")
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: ["sse2", "avx", "avx2"]) == nil)
        #expect(OpenBLASLibrary.kernelFamily(cpuFlags: []) == nil)
    }

    @Test("The library opens, names its kernels, and multiplies through the resolved sgemm")
    func opensAndMultiplies() throws {
        try BLASLibrary.check()
        #expect(BLASLibrary.kernelName?.isEmpty == false)
        BLASThreads.set(1)
        #expect(BLASThreads.count == 1)
        // [[1, 2], [3, 4]] · [[5, 6], [7, 8]]ᵀ = [[17, 23], [39, 53]].
        var c = [Float](repeating: -1, count: 4)
        try GEMM.multiply(
            m: 2, n: 2, k: 2, a: [1, 2, 3, 4], .init(leadingDimension: 2), b: [5, 6, 7, 8],
            .init(leadingDimension: 2, transposed: true), c: &c, .init(leadingDimension: 2))
        #expect(c == [17, 23, 39, 53])
    }
}
