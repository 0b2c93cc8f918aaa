import Checkpoint
import Foundation
public import Layout

/// What a finished conversion did.
public struct ConversionReport: Sendable {
    public let output: String
    public let plan: ConversionPlan
    public let sha256: String
    public let build: LayoutBuildReport
}

/// Converts a checkpoint into the native layout: plan, validate, then `LayoutBuilder` writes the
/// plan into a temporary file, checks it against the schema and renames it into place.
public enum Converter {
    /// The default output: the input's path with its extension replaced by `.h5`.
    public static func defaultOutput(for input: String) -> String {
        URL(fileURLWithPath: input).deletingPathExtension().appendingPathExtension("h5").path
    }

    public static func convert(input: String, output: String?, options: ConversionOptions, reporter: Reporter = .silent)
        throws(ConversionError) -> ConversionReport
    {
        // Refuse a bad destination before reading anything large.
        let atomic = try prepareOutput(
            output ?? defaultOutput(for: input), input: input, options: options, reporter: reporter)
        let reader: any CheckpointReader
        do { reader = try CheckpointOpener.open(path: input) } catch { throw .checkpoint(error) }
        let digest = FileDigest(path: input)
        let plan = try ConversionPlanner.plan(reader: reader, options: options, reporter: reporter)
        let (build, sha256) = try write(plan.layout, digest: digest, to: atomic, options: options, reporter: reporter)
        return ConversionReport(output: atomic.destination, plan: plan, sha256: sha256, build: build)
    }

    /// The output of a conversion or import, refused before any work if it cannot be written; notes
    /// the temporaries of killed runs it cleaned up.
    public static func prepareOutput(
        _ destination: String, input: String, options: ConversionOptions, reporter: Reporter
    )
        throws(ConversionError) -> AtomicOutput
    {
        let atomic: AtomicOutput
        do {
            try LayoutBuilder.checkOutputName(destination)
            atomic = try AtomicOutput(destination: destination, overwrite: options.overwrite, inputs: [input])
        } catch {
            throw .layout(error)
        }
        for path in atomic.removedLeftovers { reporter.note("removed \(path), left by an interrupted run") }
        return atomic
    }

    /// Writes a plan whose sources come from one checkpoint, recording the checkpoint's size and
    /// SHA-256 (from `digest`, hashed meanwhile on another core). Returns the build and the hash.
    public static func write<Source: TensorSource>(
        _ plan: LayoutPlan<Source>, digest: FileDigest, to output: AtomicOutput, options: ConversionOptions,
        reporter: Reporter
    ) throws(ConversionError) -> (LayoutBuildReport, String) where Source.Failure == CheckpointError {
        var sha256 = ""
        do {
            let build = try LayoutBuilder.write(plan, to: output, reporter: reporter, chunkBytes: options.chunkBytes) {
                (attributes: inout LayoutAttributes) throws(CheckpointError) in
                let value = try digest.value()
                attributes.metadata.sourceSize = value.size
                attributes.metadata.sourceSHA256 = value.sha256
                sha256 = value.sha256
            }
            return (build, sha256)
        } catch {
            throw ConversionError(error)
        }
    }
}
