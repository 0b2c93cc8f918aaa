import Conventions
import HDF5
import TensorCore

/// A failure of `LayoutBuilder`: writing the layout, or reading a source (whose own error type
/// the caller keeps).
public enum LayoutBuildError<SourceFailure: Error>: Error {
    case layout(LayoutError)
    case source(SourceFailure)
}

/// What a build did.
public struct LayoutBuildReport: Sendable {
    public let output: String
    /// Finite values that became ±inf when narrowing to f16/bf16, per canonical tensor.
    public let overflows: [String: Int]
    /// Bytes copied file to file in the kernel, streamed through a buffer, and materialised.
    public let copiedBytes: Int
    public let streamedBytes: Int
    public let materialisedBytes: Int
    /// Tensors written and their bytes.
    public let tensorCount: Int
    public let bytes: Int
    /// Element type written (`f32`, `f16`, …) → number of tensors stored in it.
    public let dtypes: [String: Int]
}

/// Writes any `LayoutPlan` into a layout file, atomically: the one executor behind convert,
/// import, prompt injection and export to `.h5`.
///
/// Each tensor takes the cheapest path its plan allows: bytes that need no change (a rename, or a
/// q/k/v slice, which is a run of whole rows) and lie uncompressed in a file are copied file to
/// file with `sendfile` after HDF5 has placed the dataset (it allocates early and never touches
/// raw data it did not write); other unchanged bytes stream through one reused buffer; only
/// transposes and dtype changes materialise a tensor.
public enum LayoutBuilder {
    /// Refuses an output path that does not name an HDF5 file, before any work.
    public static func checkOutputName(_ path: String) throws(LayoutError) {
        let lowered = path.lowercased()
        guard lowered.hasSuffix(".h5") || lowered.hasSuffix(".hdf5") else { throw .outputExtension(path: path) }
    }

    public static func write<Source: TensorSource>(
        _ plan: LayoutPlan<Source>, to output: AtomicOutput, reporter: Reporter = .silent, chunkBytes: Int = 8 << 20,
        completing: (inout LayoutAttributes) throws(Source.Failure) -> Void = { _ in }
    ) throws(LayoutBuildError<Source.Failure>) -> LayoutBuildReport {
        let writer: LayoutWriter
        do { writer = try LayoutWriter(output: output) } catch { throw .layout(error) }
        do {
            let report = try run(
                plan, writer: writer, reporter: reporter, chunkBytes: chunkBytes, completing: completing)
            return report
        } catch {
            writer.discard()
            throw error
        }
    }

    private struct KernelCopy {
        let name: String
        let source: FileExtent
        let destinationOffset: Int
        let count: Int
    }

    private static func run<Source: TensorSource>(
        _ plan: LayoutPlan<Source>, writer: LayoutWriter, reporter: Reporter, chunkBytes: Int,
        completing: (inout LayoutAttributes) throws(Source.Failure) -> Void
    ) throws(LayoutBuildError<Source.Failure>) -> LayoutBuildReport {
        let destination = writer.output.destination
        let total = plan.outputBytes
        var done = 0
        var copies: [KernelCopy] = []
        var overflows: [String: Int] = [:]
        var streamed = 0
        var materialised = 0
        // One buffer for every streamed piece: fresh multi-megabyte arrays would page-fault per piece.
        var buffer: [UInt8] = []
        for item in plan.items {
            let dataset: HDF5Dataset
            do {
                dataset = try writer.createTensor(
                    item.canonical, dtype: item.outputDType, shape: item.outputShape, provenance: item.provenance)
            } catch {
                throw .layout(error)
            }
            let source = item.source
            let rows =
                source.isPacked && item.outputDType == source.dtype
                ? item.transform.sourceRows(sourceShape: source.shape) : nil
            let rowBytes = source.shape.dropFirst().reduce(1, *) * source.dtype.itemSize
            if let rows, item.outputBytes > 0 {
                if let extent = source.fileExtent, let offset = dataset.fileOffset {
                    copies.append(
                        KernelCopy(
                            name: item.canonical,
                            source: FileExtent(path: extent.path, offset: extent.offset + rows.lowerBound * rowBytes),
                            destinationOffset: offset, count: item.outputBytes))
                    continue
                }
                let rowsPerChunk = max(1, chunkBytes / max(rowBytes, 1))
                var row = rows.lowerBound
                while row < rows.upperBound {
                    let count = min(rowsPerChunk, rows.upperBound - row)
                    do {
                        try source.readBytes(at: row * rowBytes, count: count * rowBytes, into: &buffer)
                    } catch {
                        throw .source(error)
                    }
                    do {
                        try dataset.writeRows(firstRow: row - rows.lowerBound, rowCount: count, bytes: buffer)
                    } catch {
                        throw .layout(.write(path: destination, error))
                    }
                    done += count * rowBytes
                    streamed += count * rowBytes
                    reporter.progress(done, total, item.canonical)
                    row += count
                }
                continue
            }
            let tensor: Tensor
            do { tensor = try source.read() } catch { throw .source(error) }
            let output: Tensor
            do {
                let transformed = try item.transform.apply(to: tensor)
                let converted = try transformed.converted(to: item.outputDType)
                if converted.overflowCount > 0 {
                    overflows[item.canonical] = converted.overflowCount
                    reporter.warning(
                        "\(destination): \(converted.overflowCount) value(s) of '\(source.name)' exceed the \(item.outputDType.rawValue) range and became ±inf"
                    )
                }
                output = converted.tensor
            } catch {
                throw .layout(.tensor(path: destination, name: item.canonical, reason: error.description))
            }
            guard output.shape == item.outputShape else {
                throw .layout(
                    .tensorShape(
                        path: destination, name: item.canonical, expected: item.outputShape, actual: output.shape))
            }
            do { try dataset.write(output.contiguousBytes) } catch { throw .layout(.write(path: destination, error)) }
            done += output.byteCount
            materialised += output.byteCount
            reporter.progress(done, total, item.canonical)
        }
        var copied = 0
        do {
            for (path, group) in Dictionary(grouping: copies, by: \.source.path).sorted(by: { $0.key < $1.key }) {
                let splice = try FileSplice(from: path, to: writer.output.temporaryPath, displayPath: destination)
                for copy in group {
                    try splice.copy(
                        sourceOffset: copy.source.offset, destinationOffset: copy.destinationOffset, count: copy.count
                    ) {
                        done += $0
                        reporter.progress(done, total, copy.name)
                    }
                    copied += copy.count
                }
            }
        } catch {
            throw .layout(error)
        }
        var attributes = plan.attributes
        do { try completing(&attributes) } catch { throw .source(error) }
        let sourceFiles = Set(plan.items.compactMap { $0.source.fileExtent?.path })
        writer.output.addInputs(Array(sourceFiles) + plan.inputs)
        do { try writer.finish(attributes) } catch { throw .layout(error) }
        return LayoutBuildReport(
            output: destination, overflows: overflows, copiedBytes: copied, streamedBytes: streamed,
            materialisedBytes: materialised, tensorCount: plan.items.count, bytes: total,
            dtypes: Dictionary(grouping: plan.items, by: \.outputDType.rawValue).mapValues(\.count))
    }
}
