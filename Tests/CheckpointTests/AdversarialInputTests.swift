import Testing
import _TestSupport

@testable import Checkpoint

/// Each hostile or broken input is refused with the specific error, before anything is executed or
/// allocated from its sizes.
@Suite("Refusing bad checkpoints")
struct AdversarialInputTests {
    func open(_ name: String) -> CheckpointError? {
        do {
            _ = try CheckpointOpener.open(path: FixturePath.fixture("adversarial/\(name)"))
            return nil
        } catch {
            return error
        }
    }

    @Test("an empty file")
    func empty() { #expect(open("empty.pt") == .emptyFile(path: FixturePath.fixture("adversarial/empty.pt"))) }

    @Test("a text file named .pt")
    func textFile() {
        guard case .unknownFormat(_, let detail)? = open("text.pt") else {
            Issue.record("not refused as unknown"); return
        }
        #expect(detail.contains("text"))
    }

    @Test("a zip with a corrupt central directory")
    func brokenZip() {
        guard case .zip? = open("corrupt_zip.pt") else { Issue.record("not refused by the zip reader"); return }
    }

    @Test("a zip cut short (no end-of-central-directory record) is called truncated, an incomplete download")
    func truncatedZip() {
        guard case .truncated(_, let detail)? = open("truncated.pt") else {
            Issue.record("not refused as truncated"); return
        }
        #expect(detail.contains("incomplete download?"))
    }

    @Test(
        "pickles that would run a command",
        arguments: [("malicious_reduce.pt", "posix", "system"), ("malicious_builtins_eval.pt", "builtins", "eval")])
    func maliciousPickles(_ name: String, _ module: String, _ function: String) {
        guard case .disallowedGlobal(_, let refusedModule, let refusedName, _)? = open(name) else {
            Issue.record("\(name) not refused"); return
        }
        #expect(refusedModule == module)
        #expect(refusedName == function)
    }

    @Test("a class outside the allowlist")
    func unknownGlobal() {
        guard case .disallowedGlobal(_, let module, let name, _)? = open("unknown_global.pt") else {
            Issue.record("not refused"); return
        }
        #expect(module == "torch.nn.modules.linear" && name == "Linear")
    }

    @Test("a storage smaller than its view")
    func storageTooSmall() {
        #expect(
            open("storage_too_small.pt")
                == .storageTooSmall(
                    path: FixturePath.fixture("adversarial/storage_too_small.pt"),
                    tensor: "w", neededBytes: 40_000, availableBytes: 16))
    }

    @Test("a view outside its storage")
    func viewOutOfBounds() {
        guard case .viewOutOfBounds(_, let tensor, _)? = open("view_out_of_bounds.pt") else {
            Issue.record("not refused"); return
        }
        #expect(tensor == "w")
    }

    @Test("absurd declared sizes")
    func absurdSizes() {
        guard case .badTensor(_, _, let reason)? = open("absurd_sizes.pt") else { Issue.record("not refused"); return }
        #expect(reason.contains("elements"))
    }

    @Test("a storage record that does not exist")
    func missingRecord() {
        #expect(
            open("missing_record.pt")
                == .missingRecord(path: FixturePath.fixture("adversarial/missing_record.pt"), record: "7", tensor: "w"))
    }

    @Test("nesting deep enough to overflow a recursive reader")
    func deepNesting() {
        guard case .limitExceeded? = open("deep_nesting.pt") else { Issue.record("not refused by a limit"); return }
    }

    @Test(
        "safetensors with a huge header length or offsets past the end",
        arguments: ["bad_safetensors.safetensors", "safetensors_offsets.safetensors"])
    func badSafetensors(_ name: String) {
        switch open(name) {
        case .limitExceeded?, .truncated?, .malformedSafetensors?: break
        default: Issue.record("\(name) not refused")
        }
    }

    @Test("a legacy file cut inside its storages")
    func legacyTruncated() {
        guard case .truncated? = open("legacy_truncated.pt") else { Issue.record("not refused as truncated"); return }
    }
}
