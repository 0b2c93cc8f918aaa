// swift-tools-version: 6.1
// ldvc-swift: CLIP ViT-B checkpoints (PyTorch, TorchScript, safetensors, ONNX) → one versioned HDF5
// layout, LDVC deep prompts, and a Swift runtime that proves the conversion number by number.
import PackageDescription

/// Fuzz targets (`Fuzz/<name>/main.swift`, run by `scripts/fuzz.sh`): one per parser of untrusted
/// bytes, each calling one entry of `CheckpointFuzzing`/`ConversionFuzzing`. Adding one is a line here.
let fuzzTargets: [(name: String, module: String)] = [
    ("pickle", "Checkpoint"),
    ("torch-zip", "Checkpoint"),
    ("torchscript", "Checkpoint"),
    ("legacy", "Checkpoint"),
    ("safetensors", "Checkpoint"),
    ("onnx-wire", "Checkpoint"),
    ("onnx-model", "Checkpoint"),
    ("config-text", "Conversion"),
    ("sidecar-json", "Conversion"),
]

let package = Package(
    name: "ldvc-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ldvc-convert", targets: ["ldvc-convert"]),
        .library(name: "LDVCCommands", targets: ["LDVCCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", .upToNextMinor(from: "2.0.1")),
    ],
    targets: [
        // C layer: system libraries through pkg-config; only the bridge targets below import them.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CLibzip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),

        // Bridges: the only Swift code that touches C pointers of those libraries.
        .target(name: "HDF5", dependencies: ["CHDF5", "TensorCore"]),
        .target(name: "ZipArchive", dependencies: ["CLibzip", "CZlib", "TensorCore"]),
        .target(name: "BLAS", dependencies: ["COpenBLAS"]),
        // ONNX schema subset compiled by protoc-c (Schemas/onnx/GENERATED.md), and its Swift bridge.
        .target(name: "CONNXProto", dependencies: ["CProtobufC"]),
        .target(name: "ONNXProto", dependencies: ["CONNXProto", "CProtobufC", "TensorCore"]),

        // Core and formats.
        .target(name: "TensorCore"),
        // Pickle opcodes and the pickle writer, shared by the reader (Checkpoint), Export and the tests.
        .target(name: "Pickle", dependencies: ["TensorCore"]),
        .target(name: "Checkpoint", dependencies: ["TensorCore", "Pickle", "ZipArchive", "ONNXProto"]),
        .target(name: "Layout", dependencies: ["TensorCore", "HDF5"]),
        .target(name: "Conversion", dependencies: [
            "TensorCore", "Checkpoint", "Layout", "HDF5",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Tokenizer"),
        .target(name: "Runtime", dependencies: ["TensorCore", "Layout", "HDF5", "BLAS", "Tokenizer"]),
        // Deep prompt initialisation (issue 6) and export to PyTorch/safetensors/HDF5/npz files.
        .target(name: "Prompts", dependencies: ["TensorCore", "HDF5", "Layout", "Runtime", "Tokenizer"]),
        .target(name: "Export", dependencies: ["TensorCore", "HDF5", "Layout", "Conversion", "Pickle"]),

        // Command line: a library that tests call in-process, and a five-line executable.
        .target(name: "LDVCCommands", dependencies: [
            "TensorCore", "Checkpoint", "Layout", "Conversion", "Tokenizer", "Runtime", "Prompts", "Export",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ldvc-convert", dependencies: ["LDVCCommands"]),
        // Runtime benchmark driver for scripts/bench/runtime_bench.py (timing lives outside Tests/).
        .executableTarget(name: "ldvc-bench", dependencies: ["Runtime", "BLAS", "Layout", "Tokenizer"]),

        // Tests.
        .target(name: "_TestSupport", dependencies: ["TensorCore", "HDF5", "ZipArchive", "Pickle"], path: "Sources/_TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: [
            "TensorCore", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "_TestSupport"]),
        .testTarget(name: "ZipArchiveTests", dependencies: ["ZipArchive", "_TestSupport"]),
        .testTarget(name: "ONNXProtoTests", dependencies: ["ONNXProto"]),
        .testTarget(name: "PickleTests", dependencies: ["Pickle", "Checkpoint", "TensorCore", "_TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["Checkpoint", "Conversion", "_TestSupport"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TensorCore", "ZipArchive", "ONNXProto", "Pickle", "_TestSupport"]),
        .testTarget(name: "LayoutTests", dependencies: ["Layout", "TensorCore", "HDF5", "_TestSupport"]),
        .testTarget(name: "ConversionTests", dependencies: ["Conversion", "Checkpoint", "Layout", "TensorCore", "HDF5", "_TestSupport"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "_TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "BLAS", "Layout", "TensorCore", "HDF5", "Conversion", "_TestSupport"]),
        .testTarget(name: "PromptsTests", dependencies: [
            "Prompts", "Runtime", "Layout", "TensorCore", "HDF5", "Conversion", "Export", "_TestSupport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Pickle", "Conversion", "Checkpoint", "Layout", "TensorCore", "HDF5", "_TestSupport"]),
        .testTarget(name: "LDVCCommandsTests", dependencies: ["LDVCCommands", "ldvc-convert", "Layout", "HDF5", "_TestSupport"]),
    ]
)

// Built plainly they replay inputs named on the command line; scripts/fuzz.sh builds them with libFuzzer.
package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Driver"))
package.targets += fuzzTargets.map { target in
    .executableTarget(
        name: "fuzz-\(target.name)", dependencies: ["FuzzDriver", .target(name: target.module)],
        path: "Fuzz/\(target.name)")
}
