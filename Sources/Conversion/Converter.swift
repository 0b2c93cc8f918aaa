public import Checkpoint
import Foundation
import HDF5
public import Layout
import TensorCore

/// What a finished conversion did.
public struct ConversionReport: Sendable {
    public let output: String
    public let plan: ConversionPlan
    public let sha256: String
    /// Finite values that became ±inf when narrowing to f16, per canonical tensor.
    public let overflows: [String: Int]
}

/// Converts a checkpoint into the native layout: plan, validate, stream tensor by tensor into a
/// temporary file, check against the schema, rename.
public enum Converter {
    /// The default output: the input's path with its extension replaced by `.h5`.
    public static func defaultOutput(for input: String) -> String {
        let url = URL(fileURLWithPath: input)
        return url.deletingPathExtension().appendingPathExtension("h5").path
    }

    public static func convert(
        input: String, output: String?, options: ConversionOptions,
        observer: ConversionObserver = .silent
    ) throws(ConversionError) -> ConversionReport {
        let destination = output ?? defaultOutput(for: input)
        // Refuse a bad destination before reading anything large.
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: destination, overwrite: options.overwrite, inputs: [input]) } catch
        { throw .layout(error) }
        let reader: any CheckpointReader
        do { reader = try CheckpointOpener.open(path: input) } catch { atomic.discard(); throw .checkpoint(error) }
        let digest = FileDigest(path: input)
        let plan: ConversionPlan
        do { plan = try ConversionPlanner.plan(reader: reader, options: options, observer: observer) } catch {
            atomic.discard()
            throw error
        }
        let writer: LayoutWriter
        do { writer = try LayoutWriter(output: atomic) } catch { throw .layout(error) }
        var overflows: [String: Int] = [:]
        do {
            let total = plan.outputBytes
            var done = 0
            var copies: [KernelCopy] = []
            // One buffer for every streamed piece: fresh multi-megabyte arrays would page-fault per piece.
            var buffer: [UInt8] = []
            for item in plan.items {
                let provenance = TensorProvenance(
                    sourceName: item.source.name,
                    transform: item.outputDType == item.source.dtype
                        ? item.transform.attributeValue
                        : (item.transform == .identity ? "cast" : item.transform.attributeValue + "+cast"),
                    sourceDType: item.source.dtype.rawValue,
                    extra: reader.provenance(of: item.source).map { ["provenance": $0] } ?? [:])
                let dataset: HDF5Dataset
                do {
                    dataset = try writer.createTensor(
                        item.canonical, dtype: item.outputDType, shape: item.outputShape, provenance: provenance)
                } catch {
                    throw ConversionError.layout(error)
                }
                if let copy = kernelCopy(item, reader: reader, dataset: dataset) {
                    copies.append(copy)
                    continue
                }
                let count = try write(
                    item, reader: reader, into: dataset, buffer: &buffer, chunkBytes: options.chunkBytes
                ) { bytes in
                    done += bytes
                    observer.progress(done, total, item.canonical)
                }
                if count > 0 {
                    overflows[item.canonical] = count
                    observer.diagnostic(
                        .init(
                            .warning,
                            "\(input): \(count) value(s) of '\(item.source.name)' exceed the f16 range and became ±inf")
                    )
                }
            }
            // The raw data of unchanged tensors goes straight from file to file; HDF5 has already
            // allocated each dataset's place, and it never touches raw data it did not write.
            if !copies.isEmpty {
                let splice = try FileSplice(from: input, to: atomic.temporaryPath)
                for copy in copies {
                    try splice.copy(
                        sourceOffset: copy.sourceOffset, destinationOffset: copy.destinationOffset, count: copy.count
                    ) { bytes in
                        done += bytes
                        observer.progress(done, total, copy.name)
                    }
                }
            }
            let sha256 = try digest.value()
            let size = (try? RandomAccessFile(path: input))?.size ?? 0
            let metadata = LayoutMetadata(
                producer: options.producer, sourceFile: URL(fileURLWithPath: input).lastPathComponent, sourceSize: size,
                sourceSHA256: sha256, sourceFormat: plan.format.rawValue, sourceConvention: plan.convention.rawValue,
                sourceWrapper: plan.wrapperKey, dtypePolicy: plan.dtypePolicy.rawValue,
                architectureSources: plan.architectureSources.merging(["convention": plan.conventionSource]) {
                    first, _ in first
                },
                droppedTensors: plan.dropped, tiedTensors: plan.tied)
            do {
                try writer.writeMetadata(metadata, architecture: plan.architecture)
                try writer.finish()
            } catch {
                throw ConversionError.layout(error)
            }
            return ConversionReport(output: destination, plan: plan, sha256: sha256, overflows: overflows)
        } catch {
            writer.discard()
            throw ConversionError.wrapping(error, path: input)
        }
    }

    struct KernelCopy {
        let name: String
        let sourceOffset: Int
        let destinationOffset: Int
        let count: Int
    }

    /// A byte-range copy for a tensor whose bytes need no change (rename, or a q/k/v slice, which is
    /// a run of whole rows) when both files expose where those bytes are; nil otherwise.
    private static func kernelCopy(_ item: ConversionPlan.Item, reader: any CheckpointReader, dataset: HDF5Dataset)
        -> KernelCopy?
    {
        let record = item.source
        guard item.outputDType == record.dtype, record.isRowMajorPacked, record.elementCount > 0,
            let sourceStart = reader.fileOffset(of: record.storage), let destination = dataset.fileOffset
        else { return nil }
        let rowBytes = record.shape.dropFirst().reduce(1, *) * record.dtype.itemSize
        let firstRow: Int
        switch item.transform {
        case .identity: firstRow = 0
        case .splitRows(let part, let parts): firstRow = part * (record.shape.first ?? 0) / parts
        case .transpose: return nil
        }
        let count = item.outputShape.reduce(1, *) * record.dtype.itemSize
        let offset = record.storageOffset * record.dtype.itemSize + firstRow * rowBytes
        guard offset + count <= record.storage.byteCount else { return nil }
        return KernelCopy(
            name: item.canonical, sourceOffset: sourceStart + offset, destinationOffset: destination, count: count)
    }

    /// Writes one planned tensor. Packed tensors whose bytes need no change (rename, or a q/k/v
    /// slice, which is a run of whole rows) stream through a bounded buffer; the rest are
    /// materialised (transposes are of projection matrices only). Returns the f16 overflow count.
    private static func write(
        _ item: ConversionPlan.Item, reader: any CheckpointReader, into dataset: HDF5Dataset,
        buffer: inout [UInt8], chunkBytes: Int, progress: (Int) -> Void
    ) throws -> Int {
        let record = item.source
        let sameDType = item.outputDType == record.dtype
        var rowRange: Range<Int>?
        switch item.transform {
        case .identity: rowRange = 0..<(record.shape.first ?? 1)
        case .splitRows(let part, let parts):
            let rows = (record.shape.first ?? 0) / parts
            rowRange = (part * rows)..<((part + 1) * rows)
        case .transpose: rowRange = nil
        }
        if sameDType, record.isRowMajorPacked, let rowRange, !record.shape.isEmpty {
            let rowBytes = record.shape.dropFirst().reduce(1, *) * record.dtype.itemSize
            if rowBytes == 0 || rowRange.isEmpty { return 0 }
            let rowsPerChunk = max(1, chunkBytes / rowBytes)
            let base = record.storageOffset * record.dtype.itemSize
            var row = rowRange.lowerBound
            while row < rowRange.upperBound {
                let count = min(rowsPerChunk, rowRange.upperBound - row)
                try reader.readStorage(
                    record.storage, byteOffset: base + row * rowBytes, into: &buffer, count: count * rowBytes)
                try dataset.writeRows(firstRow: row - rowRange.lowerBound, rowCount: count, bytes: buffer)
                progress(count * rowBytes)
                row += count
            }
            return 0
        }
        var tensor = try reader.read(record)
        switch item.transform {
        case .identity: break
        case .transpose: tensor = try Transforms.transpose(tensor)
        case .splitRows(let part, let parts): tensor = try Transforms.rows(tensor, part: part, of: parts)
        }
        var overflows = 0
        if !sameDType {
            let converted = try tensor.converted(to: item.outputDType)
            tensor = converted.tensor
            overflows = converted.overflowCount
        }
        try dataset.write(tensor.contiguousBytes)
        progress(tensor.byteCount)
        return overflows
    }
}

/// The tensor transforms of the name tables, on materialised tensors.
public enum Transforms {
    /// Swaps the axes of a matrix.
    public static func transpose(_ tensor: Tensor) throws(TensorError) -> Tensor {
        guard tensor.rank == 2 else { return tensor }
        // A transposed view is a stride swap; `contiguous()` then packs it.
        return try Tensor(
            dtype: tensor.dtype, shape: [tensor.shape[1], tensor.shape[0]],
            strides: [tensor.strides[1], tensor.strides[0]], storageOffset: tensor.storageOffset,
            storage: tensor.storage
        ).contiguous()
    }

    /// The `part`-th of `parts` equal slices along the first axis.
    public static func rows(_ tensor: Tensor, part: Int, of parts: Int) throws(TensorError) -> Tensor {
        let packed = tensor.contiguous()
        let rows = (packed.shape.first ?? 0) / parts
        let rowBytes = packed.shape.dropFirst().reduce(1, *) * packed.dtype.itemSize
        let start = part * rows * rowBytes
        return try Tensor(
            dtype: packed.dtype, shape: [rows] + packed.shape.dropFirst(),
            bytes: Array(packed.storage[start..<(start + rows * rowBytes)]))
    }

    /// Concatenates slices along the first axis (the inverse of `rows`).
    public static func concatenateRows(_ tensors: [Tensor]) throws(TensorError) -> Tensor {
        guard let first = tensors.first else { throw .byteCountMismatch(expected: 0, actual: 0) }
        var bytes: [UInt8] = []
        var rows = 0
        for tensor in tensors {
            guard tensor.dtype == first.dtype, Array(tensor.shape.dropFirst()) == Array(first.shape.dropFirst()) else {
                throw .rankMismatch(shape: tensor.shape, strides: first.shape)
            }
            bytes += tensor.contiguousBytes
            rows += tensor.shape.first ?? 0
        }
        return try Tensor(dtype: first.dtype, shape: [rows] + first.shape.dropFirst(), bytes: bytes)
    }
}
