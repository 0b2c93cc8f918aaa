// ldvc-bench: times the Swift runtime for the drivers in scripts/bench/. Prints one JSON object.
//   ldvc-bench MODEL.h5 [--threads 2] [--repeat 5] [--classes FILE] [--template "a photo of a {}."]
//       OpenBLAS sgemm peak, image encoder time and GFLOP/s, text encoder times (runtime_bench.py).
//   ldvc-bench segment MODEL.h5 --image IMG --output OUT.png [--threads 2] [--repeat 0]
//   ldvc-bench embed MODEL.h5 --image IMG --output OUT.f32 [--threads 2] [--repeat 0]
//       The command-line pipeline file to file, stage by stage: once cold (after loading the model),
//       then `repeat` more times warm; peak RSS of the process (pipeline_runtime_bench.py).
//   ldvc-bench crc [--megabytes 600] [--repeat 5]
//       ZipArchive.crc32 against zlib's crc32_z on the same bytes, and the ratio (CRCBench.swift).
import BLAS
import Foundation
import Layout
import Runtime
import Tokenizer

struct Arguments {
    var mode = "encoder"
    var model = ""
    var image = ""
    var output = ""
    var threads = 2
    var repeats = 5
    var classes: String?
    var template = "a photo of a {}."
    var imageSize = 512

    init() throws {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--threads": threads = Int(iterator.next() ?? "") ?? threads
            case "--repeat": repeats = Int(iterator.next() ?? "") ?? repeats
            case "--classes": classes = iterator.next()
            case "--template": template = iterator.next() ?? template
            case "--image-size": imageSize = Int(iterator.next() ?? "") ?? imageSize
            case "--image": image = iterator.next() ?? ""
            case "--output": output = iterator.next() ?? ""
            default:
                if model.isEmpty && mode == "encoder" && (argument == "segment" || argument == "embed") {
                    mode = argument
                } else {
                    model = argument
                }
            }
        }
        guard !model.isEmpty, mode == "encoder" || (!image.isEmpty && !output.isEmpty) else { throw BenchError.usage }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case usage
    var description: String {
        "usage: ldvc-bench [segment|embed] MODEL.h5 [--threads N] [--repeat N] [--classes FILE] [--template T] "
            + "[--image-size S] [--image IMG --output FILE]"
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Best sgemm rate over a few square and ViT-shaped products, in GFLOP/s.
func sgemmPeak(repeats: Int) throws -> [String: Double] {
    var result: [String: Double] = [:]
    for (label, m, n, k) in [("square_2048", 2048, 2048, 2048), ("vit_mlp_1125x3072x768", 1125, 3072, 768)] {
        var random = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &random) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &random) }
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            best = min(
                best,
                try seconds {
                    try GEMM.multiply(
                        m: m, n: n, k: k, a: a, .init(leadingDimension: k), b: b, .init(leadingDimension: n),
                        c: &c, .init(leadingDimension: n))
                })
        }
        result[label] = 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
    return result
}

/// Multiply-add count ×2 of the image tower's matrix products for one image.
func imageFLOPs(_ architecture: CLIPArchitecture, imageSize: Int) -> Double {
    guard let vision = architecture.vision else { return 0 }
    let grid = imageSize / vision.patchSize, patches = Double(grid * grid)
    let prompts = Double(architecture.ldvc?.visionPrompts?.tokens ?? 0)
    let tokens = 1 + prompts + patches
    let w = Double(vision.width), m = Double(vision.mlpWidth), e = Double(architecture.embedDim)
    var flops = 2 * patches * Double(3 * vision.patchSize * vision.patchSize) * w
    let perLayer = 2 * tokens * w * 3 * w + 2 * tokens * w * w + 2 * 2 * tokens * w * m + 2 * 2 * tokens * tokens * w
    flops += Double(vision.layers) * perLayer
    flops += 2 * (prompts > 0 ? tokens : 1) * w * e
    return flops
}

/// Peak resident set size of this process so far, in MB.
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func runPipeline(_ arguments: Arguments) throws {
    var output: [String: Any] = ["threads": arguments.threads, "mode": arguments.mode]
    var runtime: LDVCRuntime?
    output["load_seconds"] = try seconds {
        runtime = try LDVCRuntime(path: arguments.model, threads: arguments.threads)
    }
    guard let runtime else { throw BenchError.usage }
    output["blas_kernels"] = BLASLibrary.kernelName ?? "unavailable"
    let once = {
        arguments.mode == "segment"
            ? try PipelineBench.segment(runtime: runtime, imagePath: arguments.image, outputPath: arguments.output)
            : try PipelineBench.embed(runtime: runtime, imagePath: arguments.image, outputPath: arguments.output)
    }
    let cold = try once()
    output["cold_stages"] = cold
    if arguments.repeats > 0 {
        var runs: [[String: Double]] = []
        for _ in 0..<arguments.repeats { runs.append(try once()) }
        var medians: [String: Double] = [:]
        for key in cold.keys { medians[key] = median(runs.map { $0[key] ?? 0 }) }
        output["warm_stage_medians"] = medians
        let stageKeys = cold.keys.filter { $0 != "windows" }
        output["warm_total_seconds"] = runs.map { run in stageKeys.reduce(0) { $0 + (run[$1] ?? 0) } }
    }
    if arguments.mode == "segment" && arguments.repeats > 0 {
        output["crop_split"] = try PipelineBench.cropSplit(runtime: runtime, repeats: arguments.repeats)
    }
    output["peak_rss_mb"] = peakRSSMegabytes()
    let data = try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func run() throws {
    if CommandLine.arguments.dropFirst().first == "crc" {
        try CRCBench.run(CommandLine.arguments.dropFirst(2))
        return
    }
    let arguments = try Arguments()
    if arguments.mode != "encoder" {
        try runPipeline(arguments)
        return
    }
    BLASThreads.set(arguments.threads)
    var output: [String: Any] = ["threads": arguments.threads]
    output["sgemm_gflops"] = try sgemmPeak(repeats: arguments.repeats)
    let loadTime = try seconds { _ = try LDVCRuntime(path: arguments.model, threads: arguments.threads) }
    let runtime = try LDVCRuntime(path: arguments.model, threads: arguments.threads)
    output["load_seconds"] = loadTime
    output["blas_kernels"] = BLASLibrary.kernelName ?? "unavailable"

    // Image encoder: a fixed pseudo-random normalised image.
    var state: UInt64 = 0x2545F4914F6CDD1D
    let size = arguments.imageSize
    let pixels = (0..<(3 * size * size)).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
    }
    let image = try Image(height: size, width: size, pixels: pixels)
    _ = try runtime.encodeImage(image)
    var imageTimes: [Double] = []
    for _ in 0..<arguments.repeats { imageTimes.append(try seconds { _ = try runtime.encodeImage(image) }) }
    let flops = imageFLOPs(runtime.architecture, imageSize: size)
    output["image"] = [
        "median_seconds": median(imageTimes), "min_seconds": imageTimes.min() ?? 0,
        "gflop": flops / 1e9, "gflops_per_second": flops / median(imageTimes) / 1e9,
    ]

    // Text encoder: the class list through the bundled tokenizer and the template.
    if let classesPath = arguments.classes, runtime.text != nil {
        let names = try String(contentsOfFile: classesPath, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty }
        let tokenizer = try CLIPTokenizer.bundled
        let context = runtime.architecture.text?.contextLength ?? 77
        let sequences = try tokenizer.tokenize(
            names.map { arguments.template.replacingOccurrences(of: "{}", with: $0) },
            contextLength: context, truncate: true
        ).map { $0.map(Int.init) }
        _ = try runtime.encodeTexts(sequences, cache: false)
        var uncached: [Double] = []
        for _ in 0..<arguments.repeats {
            uncached.append(try seconds { _ = try runtime.encodeTexts(sequences, cache: false) })
        }
        _ = try runtime.encodeTexts(sequences)
        let cached = try seconds { _ = try runtime.encodeTexts(sequences) }
        let positions = sequences.map { ids in (ids.indices.max { ids[$0] < ids[$1] } ?? 0) + 1 }
        output["text"] = [
            "prompts": names.count, "median_seconds": median(uncached), "min_seconds": uncached.min() ?? 0,
            "cached_seconds": cached, "mean_tokens": Double(positions.reduce(0, +)) / Double(positions.count),
            "context": context,
        ]
    }
    let data = try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("ldvc-bench: \(error)\n".utf8))
    exit(1)
}
