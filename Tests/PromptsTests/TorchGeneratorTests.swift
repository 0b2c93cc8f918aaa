import HDF5
import Testing

@testable import Prompts

/// `TorchGenerator` against values `torch.manual_seed(s)` + `uniform_`/`normal_` produced (rng.h5).
@Suite("PyTorch CPU generator, bit for bit")
struct TorchGeneratorTests {
    @Test("uniform_ with a bound that is not a power of two (one fused rounding per value)")
    func uniform() throws {
        let data = try PromptFixtures.group("rng.h5", "draws").dataset("uniform_4096")
        var generator = TorchGenerator(seed: UInt64(try data.intAttribute("seed")))
        let ours = generator.uniform(
            count: 4096, from: try data.doubleAttribute("from"), to: try data.doubleAttribute("to"))
        #expect(PromptFixtures.bitDifferences(ours, try data.readFloats()) == 0)
    }

    @Test(
        "normal_ of ≥ 16 values: Box–Muller in runs of 16, the tail's last 16 redrawn, non-zero mean",
        arguments: ["normal_4099"])
    func normal(_ name: String) throws {
        let data = try PromptFixtures.group("rng.h5", "draws").dataset(name)
        var generator = TorchGenerator(seed: UInt64(try data.intAttribute("seed")))
        let ours = generator.normal(
            count: data.elementCount, mean: try data.doubleAttribute("mean"), std: try data.doubleAttribute("std"))
        #expect(PromptFixtures.bitDifferences(ours, try data.readFloats()) == 0)
    }

    @Test("normal_ of under 16 values takes the element-wise double path and caches the second value across calls")
    func smallNormal() throws {
        let draws = try PromptFixtures.group("rng.h5", "draws")
        var generator = TorchGenerator(seed: 11)
        #expect(
            PromptFixtures.bitDifferences(
                generator.normal(count: 10, mean: 0, std: 0.02), try draws.dataset("normal_10").readFloats()) == 0)
        var split = TorchGenerator(seed: 11)
        let ours = split.normal(count: 5, mean: 0, std: 0.02) + split.normal(count: 5, mean: 0, std: 0.02)
        #expect(PromptFixtures.bitDifferences(ours, try draws.dataset("normal_5_then_5").readFloats()) == 0)
    }

    @Test("a million standard normals hash to torch's (every lane of the Cephes log/sincos exercised)")
    func millionNormals() throws {
        let expected = try PromptFixtures.group("rng.h5", "draws").stringAttribute("sha256:normal_1000003_seed_3")
        var generator = TorchGenerator(seed: 3)
        #expect(PromptFixtures.sha256(generator.normal(count: 1_000_003, mean: 0, std: 1)) == expected)
    }

    @Test("seeding uses the low 32 bits, as at::mt19937 does")
    func seedTruncation() {
        var a = TorchGenerator(seed: 5), b = TorchGenerator(seed: (1 << 32) + 5)
        #expect((0..<10).map { _ in a.nextUInt32() } == (0..<10).map { _ in b.nextUInt32() })
    }
}
