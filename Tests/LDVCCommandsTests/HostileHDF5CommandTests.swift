import Foundation
import HDF5
import Testing
import _TestSupport

/// Hostile HDF5 files given to every command that reads a model or a golden, each run in a child
/// process under a time limit and an address-space limit: libhdf5 1.10.8 crashes, loops or
/// allocates without bound on most of them (Fixtures/adversarial/hdf5/README.md), so a hole in the
/// preflight fails the test here instead of killing the test runner.
@Suite("Hostile HDF5 files through the command line")
struct HostileHDF5CommandTests {
    static let adversarial = FixturePath.fixture("adversarial/hdf5")
    static let model = FixturePath.fixture("runtime/models/zegclip_tiny.h5")
    static let golden = FixturePath.fixture("runtime/goldens/zegclip_tiny.h5")
    static let image = FixturePath.fixture("images/scene.jpg")
    /// A run that reads one small file stays far below this (about 40 MiB).
    static let peakBound = 256 << 10

    /// The hostile files, what the refusal says, and whether libhdf5 1.10.8 crashes or hangs on it
    /// (those go through every command that reads a model; the others through `inspect` and
    /// `verify --golden`).
    static let files: [(file: String, refusal: String, breaksLibHDF5: Bool)] = [
        ("attribute_type_size.h5", "a 40-byte integer", true),
        ("attribute_heap_id_offset.h5", "heap object 1048576 + 72 is not inside its block", false),
        ("attribute_type_version.h5", "datatype version 8 is not 1 … 3", true),
        ("chunk_deflate_bomb.h5", "a chunk inflates past its 128 bytes", false),
        ("chunk_dimension.h5", "a chunk holds 128 bytes, its dimensions need 25600", true),
        ("contiguous_past_end.h5", "lies past the end of the file (16728 bytes)", false),
        ("continuation_length.h5", "lies outside the file", true),
        ("dimensions_overflow.h5", "multiply past 2^64", false),
        ("external_link.h5", "is an external link", false),
        ("external_storage.h5", "external data files (they read other files) is not accepted", false),
        ("filter_unknown_id.h5", "filter 32001 is not accepted", false),
        ("global_heap_free_space_zero.h5", "the free space object's size 0 does not reach the end", true),
        ("global_heap_object_size.h5", "bytes past its collection", true),
        ("group_cycle.h5", "is reached a second time", false),
        ("group_linked_twice.h5", "is reached a second time", false),
        ("link_heap_checksum.h5", "the direct block checksum does not match", true),
        ("link_info_heap_address.h5", "link messages beside dense link storage", true),
        ("soft_link.h5", "is a soft link", false),
        ("string_length_huge.h5", "the length of one string", true),
        ("string_missing_heap_object.h5", "which does not exist", true),
        ("superblock_checksum.h5", "the superblock checksum does not match", false),
        ("token_embedding_rows.h5", "exceeds the limit of 4294967296", false),
        ("truncated.h5", "truncated HDF5 file: it declares 16728 bytes but has 10036", false),
        ("vlen_type_bits.h5", "only variable-length strings are accepted", true),
        ("vlen_type_size.h5", "a variable-length string type of 11 bytes, not 16", true),
    ]

    /// Runs `arguments` bounded and checks the refusal: exit 65, one line naming the file, nothing
    /// on stdout, no file left in `output`.
    static func expectRefusal(
        _ arguments: [String], file: String, reason: String, output: TemporaryFolder,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let bounded = try RunTool.runBounded(arguments, seconds: 60)
        let run = bounded.run
        let context = Comment(rawValue: "\(arguments.joined(separator: " ")): \(run.stderr)")
        #expect(!bounded.timedOut, context, sourceLocation: sourceLocation)
        #expect(run.exitCode == 65, context, sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, context, sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("error: \(file): "), context, sourceLocation: sourceLocation)
        #expect(run.stderr.contains(reason), context, sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, context, sourceLocation: sourceLocation)
        #expect(output.contents().isEmpty, context, sourceLocation: sourceLocation)
        if let peak = bounded.peakResidentKiB {
            #expect(
                peak < BoundedToolRun.residentBound(peakBound), "\(context): peak \(peak) KiB",
                sourceLocation: sourceLocation)
        }
    }

    @Test("each hostile file: exit 65, one line, no output, bounded time and memory", arguments: files)
    func refused(_ name: String, _ reason: String, _ breaksLibHDF5: Bool) throws {
        let file = Self.adversarial + "/" + name
        let output = TemporaryFolder()
        var commands: [[String]] = [["inspect", file], ["verify", Self.model, "--golden", file]]
        if breaksLibHDF5 {
            commands += [
                ["inspect", file, "--json"], ["export", file, "-o", output.file("model.pt")],
                ["export-prompts", file, "-o", output.file("prompts.pt")],
                ["init-prompts", file, "-o", output.file("prompts.h5")], ["verify", file, "--golden", Self.golden],
                ["diff", file, Self.model], ["embed", file, "--text", "a cat", "-o", output.file("embeds.npz")],
                ["classify", file, Self.image, "--labels", "cat,dog"],
                ["segment", file, Self.image, "--classes", "cat,dog", "-o", output.file("segments")],
            ]
        }
        for command in commands {
            try Self.expectRefusal(command, file: file, reason: reason, output: output)
        }
    }

    @Test("a golden whose inputs make score maps past the element budget is refused before the model runs")
    func goldenSlideOutputSize() throws {
        let file = Self.adversarial + "/golden_slide_output_size.h5"
        try Self.expectRefusal(
            ["verify", Self.model, "--golden", file], file: file,
            reason: "inputs/slide_output_size of 65536×65536 with 4 classes needs more than 268435456 scores",
            output: TemporaryFolder())
    }

    /// Copies the converted model with the attribute `name` of group `group` set to `value`.
    static func layout(with value: Int64, for name: String, in group: String, folder: TemporaryFolder) throws
        -> String
    {
        let path = folder.file("model.h5")
        let input = try HDF5File.open(path: model), output = try HDF5File.create(path: path)
        func copy(_ from: HDF5Group, _ to: HDF5Group, path: String) throws {
            for attribute in try from.attributeNames() { try to.setAttribute(attribute, try from.attribute(attribute)) }
            if path == group { try to.setAttribute(name, .int(value)) }
            for child in try from.childNames() {
                switch try from.kind(of: child) {
                case .group: try copy(try from.group(child), try to.createGroup(child), path: path + "/" + child)
                case .dataset:
                    let data = try from.dataset(child)
                    let copy = try to.createDataset(child, dtype: data.dtype, shape: data.shape)
                    try copy.write(try data.readBytes())
                    for attribute in try data.attributeNames() {
                        try copy.setAttribute(attribute, try data.attribute(attribute))
                    }
                case .other: continue
                }
            }
        }
        try copy(try input.root(), try output.root(), path: "")
        try output.close()
        return path
    }

    @Test(
        "architecture values that would trap or allocate absurdly are refused by every command",
        arguments: [
            (
                "grid_size", "/vision", Int64(1) << 32,
                "attribute 'grid_size' of '/vision' is invalid: 4294967296 is outside"
            ),
            (
                "layers", "/text", Int64(1) << 62,
                "attribute 'layers' of '/text' is invalid: 4611686018427387904 is outside"
            ),
        ])
    func architectureBounds(_ name: String, _ group: String, _ value: Int64, _ reason: String) throws {
        let folder = TemporaryFolder()
        let file = try Self.layout(with: value, for: name, in: group, folder: folder)
        let output = TemporaryFolder()
        for command in [
            ["inspect", file], ["export", file, "-o", output.file("model.pt")],
            ["init-prompts", file, "-o", output.file("prompts.h5")], ["verify", file, "--golden", Self.golden],
        ] {
            try Self.expectRefusal(command, file: file, reason: reason, output: output)
        }
    }
}
