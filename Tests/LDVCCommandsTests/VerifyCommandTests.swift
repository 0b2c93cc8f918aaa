import Foundation
import Testing
import _TestSupport

/// `ldvc-convert verify MODEL --golden GOLDEN` as a user runs it: the table, the exit code, and the
/// first diverging tap.
@Suite("ldvc-convert verify")
struct VerifyCommandTests {
    static let model = FixturePath.fixture("runtime/models/zegclip_tiny.h5")
    static let golden = FixturePath.fixture("runtime/goldens/zegclip_tiny.h5")

    @Test("a matching model prints every tap and exits 0")
    func passes() throws {
        let run = try RunTool.run(["verify", Self.model, "--golden", Self.golden])
        #expect(run.exitCode == 0, "\(run.stderr)")
        for text in [
            "policy:  fp32", "max abs", "max rel", "cosine", "head.logits", "slide.segmentation",
            "28 taps within tolerance",
        ] {
            #expect(run.stdout.contains(text), "\(text)")
        }
    }

    @Test("a tap beyond its bound exits 1 and names the first diverging tap")
    func fails() throws {
        // A bound far below fp32 rounding: the first tap with any rounding difference fails first.
        let run = try RunTool.run(["verify", Self.model, "--golden", Self.golden, "--tolerance", "1e-12"])
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("error: first diverging tap: text.blocks.0 (max abs error"))
        #expect(run.stdout.contains("FAIL"))
    }

    @Test("--json gives the same verdict machine-readably")
    func json() throws {
        let run = try RunTool.run(["verify", Self.model, "--golden", Self.golden, "--json"])
        #expect(run.exitCode == 0)
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(document?["passed"] as? Bool == true)
        #expect((document?["taps"] as? [[String: Any]])?.count == 28)
    }

    @Test("a missing golden exits 66; a golden for another model exits 65 with a one-line reason")
    func refusals() throws {
        let missing = try RunTool.run(["verify", Self.model, "--golden", "/nonexistent/golden.h5"])
        #expect(missing.exitCode == 66)
        #expect(missing.stderr.hasPrefix("error: /nonexistent/golden.h5: "))
        let other = try RunTool.run([
            "verify", Self.model, "--golden", FixturePath.fixture("runtime/goldens/ldvc_tiny.h5"),
        ])
        #expect(other.exitCode == 65)
        #expect(other.stderr.contains("tap 'head.taps.0' is not produced by"))
        #expect(other.stderr.split(separator: "\n").count == 1)
    }
}
