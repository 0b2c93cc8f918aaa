// swift-tools-version: 6.1
// ldvc-swift: CLIP ViT-B checkpoints (PyTorch, TorchScript, safetensors, ONNX) → one versioned HDF5
// layout, LDVC deep prompts, and a Swift runtime that proves the conversion number by number.
import PackageDescription

/// Fuzz targets (`Fuzz/<name>/main.swift`, run by `scripts/fuzz.sh`): one per parser of untrusted
/// bytes, each calling one entry of `CheckpointFuzzing`/`ConversionFuzzing`/`HDF5Fuzzing`/`LayoutFuzzing`/
/// `GoldenFuzzing`/`ImagingFuzzing`/`EvaluationFuzzing`. Adding one is a line here.
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
    ("hdf5", "HDF5"),
    ("layout", "Layout"),
    ("golden", "Runtime"),
    ("image", "Imaging"),
    ("shard-index", "Checkpoint"),
    ("evaluation-shard", "Evaluation"),
]

let package = Package(
    name: "ldvc-swift",
    products: [
        .executable(name: "ldvc-convert", targets: ["ldvc-convert"]),
        .library(name: "LDVCCommands", targets: ["LDVCCommands"]),
    ],
    dependencies: [
        // Pinned to the versions this project is built and tested with (see README).
        .package(url: "https://github.com/apple/swift-argument-parser", .upToNextMinor(from: "1.8.2")),
        .package(url: "https://github.com/apple/swift-crypto", .upToNextMinor(from: "3.12.3")),
        .package(url: "https://github.com/x-sheep/swift-property-based", .upToNextMinor(from: "2.0.1")),
    ],
    targets: [
        // C layer: system libraries through pkg-config; only the bridge targets below import them.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CLibzip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        // OpenBLAS is opened at run time (libopenblas.so.0 of Debian's libopenblas0), not linked: see
        // Sources/BLAS/OpenBLASLibrary.swift. This target only declares its entry points.
        .systemLibrary(name: "COpenBLAS"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        // Linux system calls Swift's Glibc does not import (no library to link).
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),

        // Bridges: the only Swift code that touches C pointers of those libraries.
        .target(name: "HDF5", dependencies: ["CHDF5", "TensorCore"]),
        .target(name: "ZipArchive", dependencies: ["CLibzip", "CCRC32", "TensorCore"]),
        // zlib's CRC-32 folded with carry-less multiplication where the CPU has it (same values).
        .target(name: "CCRC32", dependencies: ["CZlib"], linkerSettings: [.linkedLibrary("z")]),
        .target(name: "BLAS", dependencies: ["COpenBLAS"]),
        // ONNX schema subset compiled by protoc-c (Schemas/onnx/GENERATED.md), and its Swift bridge.
        .target(name: "CONNXProto", dependencies: ["CProtobufC"]),
        .target(name: "ONNXProto", dependencies: ["CONNXProto", "CProtobufC", "TensorCore"]),
        // PNG and JPEG files ⇄ pixels, exactly as Pillow and OpenCV decode them.
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "ImageProcessing", "TensorCore"]),

        // Core and formats.
        .target(name: "TensorCore"),
        // Pickle opcodes and the pickle writer, shared by the reader (Checkpoint), Export and the tests.
        .target(name: "Pickle", dependencies: ["TensorCore"]),
        // Naming conventions: every name table (both directions), tensor transforms, the registry.
        .target(name: "Conventions", dependencies: ["TensorCore"]),
        .target(name: "Checkpoint", dependencies: ["TensorCore", "Pickle", "ZipArchive", "ONNXProto", "Conventions"]),
        .target(name: "Layout", dependencies: ["TensorCore", "HDF5", "Conventions", "CLinux"]),
        .target(name: "Conversion", dependencies: [
            "TensorCore", "Checkpoint", "Conventions", "Layout", "HDF5",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Tokenizer", dependencies: ["TensorCore"]),
        // Pixels → model inputs (Pillow bicubic, OpenCV bilinear, CLIP and MMSeg pipelines) and overlays.
        .target(name: "ImageProcessing"),
        .target(name: "Runtime", dependencies: ["TensorCore", "Conventions", "Layout", "HDF5", "BLAS", "Tokenizer"]),
        // Deep prompt initialisation (issue 6) and export to PyTorch/safetensors/HDF5/npz files.
        .target(
            name: "Prompts",
            dependencies: ["TensorCore", "Checkpoint", "Conventions", "Layout", "Conversion", "Runtime", "Tokenizer"]),
        .target(name: "Export", dependencies: ["TensorCore", "HDF5", "Conventions", "Layout", "Pickle", "ZipArchive"]),
        // `diff`: two models of any supported kind compared tensor by tensor through their conversion
        // plans or layout readers, streamed in row pieces. Its own target: it sits above Conversion and
        // Export (it reads checkpoints as `convert`/`import` plan them and folders as `export` writes them).
        .target(
            name: "Comparison",
            dependencies: ["TensorCore", "HDF5", "Checkpoint", "Conventions", "Layout", "Conversion", "Export"]),
        // Segmentation metrics as MMSeg computes them, shard files and their exact merge (pure Swift).
        .target(name: "Evaluation", dependencies: ["TensorCore"]),
        // Running a model on image files: embeddings, zero-shot classification, segmentation, evaluation.
        .target(
            name: "Inference",
            dependencies: [
                "TensorCore", "HDF5", "Layout", "Runtime", "Tokenizer", "Imaging", "ImageProcessing", "Evaluation",
                "ZipArchive",
            ]),

        // Command line: a library that tests call in-process, and a five-line executable.
        .target(name: "LDVCCommands", dependencies: [
            "TensorCore", "Checkpoint", "Conventions", "Layout", "Conversion", "Tokenizer", "Runtime", "Prompts", "Export",
            "Inference", "Evaluation", "Comparison",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ldvc-convert", dependencies: ["LDVCCommands"]),
        // Runtime benchmark driver for scripts/bench/runtime_bench.py (timing lives outside Tests/).
        .executableTarget(
            name: "ldvc-bench",
            dependencies: ["Runtime", "BLAS", "Layout", "Tokenizer", "Imaging", "ImageProcessing", "ZipArchive", "CZlib"]),

        // Tests: one target per library target; `_TestSupport` holds shared helpers (fixture paths, the
        // pickle builder, the process runner).
        .target(name: "_TestSupport", dependencies: ["TensorCore", "HDF5", "ZipArchive", "Pickle"], path: "Sources/_TestSupport"),
        .testTarget(
            name: "TensorCoreTests", dependencies: ["TensorCore", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "ZipArchiveTests", dependencies: ["ZipArchive", "CZlib", "_TestSupport"]),
        .testTarget(name: "ONNXProtoTests", dependencies: ["ONNXProto"]),
        .testTarget(
            name: "PickleTests",
            dependencies: [
                "Pickle", "Checkpoint", "TensorCore", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["Checkpoint", "Conversion", "HDF5", "Layout", "Runtime", "Imaging", "Evaluation", "_TestSupport"]),
        .testTarget(name: "BLASTests", dependencies: ["BLAS"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TensorCore", "_TestSupport"]),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["Checkpoint", "TensorCore", "ZipArchive", "ONNXProto", "Pickle", "_TestSupport"]),
        .testTarget(name: "ConventionsTests", dependencies: ["Conventions", "TensorCore"]),
        .testTarget(name: "LayoutTests", dependencies: ["Layout", "Conventions", "TensorCore", "HDF5", "_TestSupport"]),
        .testTarget(
            name: "ConversionTests",
            dependencies: [
                "Conversion", "Checkpoint", "Conventions", "Layout", "Export", "TensorCore", "HDF5", "ZipArchive",
                "_TestSupport",
            ]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "_TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "ImageProcessing", "HDF5", "_TestSupport"]),
        .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing", "HDF5", "_TestSupport"]),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "BLAS", "Conventions", "Layout", "TensorCore", "HDF5", "Conversion", "_TestSupport"]),
        .testTarget(
            name: "PromptsTests",
            dependencies: [
                "Prompts", "Runtime", "Conventions", "Layout", "TensorCore", "HDF5", "Conversion", "Export", "_TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "ExportTests",
            dependencies: [
                "Export", "Pickle", "Conversion", "Checkpoint", "Conventions", "Layout", "TensorCore", "HDF5", "_TestSupport",
            ]),
        .testTarget(
            name: "ComparisonTests",
            dependencies: ["Comparison", "Conversion", "Export", "Layout", "TensorCore", "HDF5", "_TestSupport"]),
        .testTarget(
            name: "EvaluationTests",
            dependencies: ["Evaluation", "_TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(
            name: "InferenceTests",
            dependencies: [
                "Inference", "Runtime", "Layout", "Conversion", "Imaging", "ImageProcessing", "Evaluation", "HDF5",
                "_TestSupport",
            ]),
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
