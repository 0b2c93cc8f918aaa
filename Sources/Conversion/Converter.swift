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

    /// Converts `input`: a checkpoint file, a model folder, a shard index or one shard (`ModelInput`).
    public static func convert(input: String, output: String?, options: ConversionOptions, reporter: Reporter = .silent)
        throws(ConversionError) -> ConversionReport
    {
        let prepared = try prepare(input: input, output: output, options: options, reporter: reporter)
        return try prepared.digest.cancellingOnFailure { () throws(ConversionError) in
            let plan = try ConversionPlanner.plan(reader: prepared.reader, options: options, reporter: reporter)
            let (build, sha256) = try write(
                plan.layout, digest: prepared.digest, to: prepared.output, options: options, reporter: reporter)
            return ConversionReport(output: prepared.output.destination, plan: plan, sha256: sha256, build: build)
        }
    }

    /// A conversion's input resolved and opened, its output set up, and its hashing started.
    public struct Prepared: Sendable {
        public let input: ModelInput
        public let reader: any CheckpointReader
        public let output: AtomicOutput
        public let digest: FileDigest
    }

    /// Resolves `input`, refuses a bad destination before reading anything large (the output may
    /// never be one of the files read), starts hashing the weights and opens them. The hash starts
    /// first: it needs only the file names, and on two cores it is what the whole conversion waits
    /// for; the zip CRC checks follow once the reader has parsed the archive.
    public static func prepare(input: String, output: String?, options: ConversionOptions, reporter: Reporter)
        throws(ConversionError) -> Prepared
    {
        let model = try ModelInput.resolve(input, config: options.config)
        for note in model.notes { reporter.note("\(input): \(note)") }
        let atomic = try prepareOutput(
            output ?? model.defaultOutput, inputs: model.files, options: options, reporter: reporter)
        let digest = FileDigest(paths: model.weightFiles, checksums: nil)
        let reader = try digest.cancellingOnFailure { () throws(ConversionError) in try model.open() }
        digest.check(reader.fileChecksums())
        return Prepared(input: model, reader: reader, output: atomic, digest: digest)
    }

    /// The output of a conversion or import, refused before any work if it cannot be written; notes
    /// the temporaries of killed runs it cleaned up.
    public static func prepareOutput(
        _ destination: String, input: String, options: ConversionOptions, reporter: Reporter
    )
        throws(ConversionError) -> AtomicOutput
    {
        try prepareOutput(destination, inputs: [input], options: options, reporter: reporter)
    }

    /// `prepareOutput` for an input of several files.
    public static func prepareOutput(
        _ destination: String, inputs: [String], options: ConversionOptions, reporter: Reporter
    )
        throws(ConversionError) -> AtomicOutput
    {
        let atomic: AtomicOutput
        do throws(LayoutError) {
            // Replacing an input is the worse mistake, so it is named first.
            for input in inputs where AtomicOutput.sameFile(input, destination) {
                throw LayoutError.outputIsInput(path: destination)
            }
            try LayoutBuilder.checkOutputName(destination)
            atomic = try AtomicOutput(destination: destination, overwrite: options.overwrite, inputs: inputs)
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
