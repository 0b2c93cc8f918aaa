import Foundation
import HDF5
public import Layout
public import Runtime
import TensorCore

/// Writes the taps a runtime computed as a golden file (`Schemas/golden/ldvc-golden-v1.md`): the inputs they
/// were computed from and every tap in forward order, so the file can be diffed with the reference's golden
/// or checked with `verify --golden` itself (`verify --dump`).
public enum TapDump {
    /// Tap names whose values are class indices, stored as integers and compared exactly.
    static func isInteger(_ name: String) -> Bool { name.hasSuffix(".segmentation") }

    /// Writes `recorder`'s taps with `golden`'s inputs to `output` (an `AtomicOutput`, committed here).
    public static func write(
        _ recorder: TapRecorder, inputs golden: GoldenFile, model: String, weightsDType: String,
        to output: AtomicOutput
    ) throws(InferenceError) {
        do {
            let file = try HDF5File.create(path: output.temporaryPath)
            let root = try file.root()
            try root.setAttribute("format", .string(GoldenFile.format))
            try root.setAttribute("format_version", .int(Int64(GoldenFile.version)))
            try root.setAttribute("producer", .string("ldvc-convert verify --dump"))
            try root.setAttribute("reference", .string("ldvc-swift runtime (fp32)"))
            try root.setAttribute("model", .string(model))
            try root.setAttribute("weights_dtype", .string(weightsDType))
            let inputs = try root.createGroup("inputs")
            if !golden.images.isEmpty { try writeImages(golden.images, name: "image", in: inputs) }
            if let tokens = golden.textTokens, let length = tokens.first?.count {
                try writeIntegers(
                    tokens.flatMap { $0 }, shape: [tokens.count, length], name: "text_tokens", in: inputs)
            }
            if let classes = golden.classEmbeddings {
                try writeFloats(
                    classes.values, shape: [classes.rows, classes.columns], name: "class_embeddings", in: inputs)
            }
            if !golden.seenClasses.isEmpty {
                let seen = golden.seenClasses.sorted()
                try writeIntegers(seen, shape: [seen.count], name: "seen_classes", in: inputs)
            }
            if let slide = golden.slideImage, let size = golden.slideOutputSize {
                try writeImages([slide], name: "slide_image", in: inputs)
                try writeIntegers([size.height, size.width], shape: [2], name: "slide_output_size", in: inputs)
            }
            let taps = try root.createGroup("taps")
            let recorded = recorder.taps
            for (order, name) in recorder.order.enumerated() {
                guard let tap = recorded[name] else { continue }
                let dataset =
                    isInteger(name)
                    ? try writeIntegers(tap.values.map { Int($0) }, shape: tap.shape, name: name, in: taps)
                    : try writeFloats(tap.values, shape: tap.shape, name: name, in: taps)
                try dataset.setAttribute("order", .int(Int64(order)))
                if let rows = tap.validRows { try dataset.setAttribute("valid_rows", .intArray(rows.map(Int64.init))) }
            }
            try file.close()
        } catch {
            output.discard()
            throw .write(path: output.destination, reason: error.description)
        }
        do { try output.commit() } catch { throw .layout(error) }
    }

    private static func writeImages(_ images: [Runtime.Image], name: String, in group: HDF5Group) throws(HDF5Error) {
        guard let first = images.first else { return }
        try writeFloats(
            images.flatMap(\.pixels), shape: [images.count, first.channels, first.height, first.width], name: name,
            in: group)
    }

    @discardableResult
    private static func writeFloats(_ values: [Float], shape: [Int], name: String, in group: HDF5Group)
        throws(HDF5Error) -> HDF5Dataset
    {
        let dataset = try group.createDataset(name, dtype: .f32, shape: shape)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        try dataset.write(bytes)
        return dataset
    }

    @discardableResult
    private static func writeIntegers(_ values: [Int], shape: [Int], name: String, in group: HDF5Group)
        throws(HDF5Error) -> HDF5Dataset
    {
        let dataset = try group.createDataset(name, dtype: .i64, shape: shape)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }
        try dataset.write(bytes)
        return dataset
    }
}
