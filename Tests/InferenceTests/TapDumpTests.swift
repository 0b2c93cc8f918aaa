import Foundation
import Inference
import Layout
import Runtime
import Testing
import _TestSupport

/// `verify --dump`: every tap the runtime computed, with the golden's inputs, as a golden file that verifies.
@Suite("Tap dump")
struct TapDumpTests {
    typealias F = InferenceFixtures

    @Test("the dump holds every computed tap and the golden's inputs, and verifies against the model exactly")
    func roundTrip() throws {
        let folder = TemporaryFolder()
        let golden = FixturePath.fixture("runtime/goldens/zegclip_tiny.h5")
        let report = try Verifier.verify(modelPath: F.zegclipModel, goldenPath: golden)
        let path = folder.file("dump.h5")
        let output = try AtomicOutput(destination: path, overwrite: false, inputs: [golden])
        try TapDump.write(
            report.recorded, inputs: try #require(report.golden), model: F.zegclipModel, weightsDType: "f32", to: output
        )
        let dump = try GoldenFile(path: path)
        #expect(dump.taps.map(\.name) == report.recorded.order)
        #expect(Set(report.comparisons.map(\.name)).isSubset(of: Set(dump.taps.map(\.name))))
        #expect(dump.images.count == report.golden?.images.count)
        #expect(F.differing(dump.images.flatMap(\.pixels), report.golden?.images.flatMap(\.pixels) ?? []) == 0)
        #expect(dump.textTokens == report.golden?.textTokens)
        #expect(dump.taps.first { $0.name == "head.segmentation" }?.isInteger == true)
        let again = try Verifier.verify(modelPath: F.zegclipModel, goldenPath: path)
        #expect(again.passed)
        #expect(again.comparisons.allSatisfy { $0.maxAbsError == 0 && $0.mismatches == 0 })
        #expect(folder.contents() == ["dump.h5"])
    }
}
