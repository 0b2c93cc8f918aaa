import Foundation
public import Layout
public import Runtime

/// A model file opened for inference: the runtime, the file's attributes, and the image pipeline it was
/// published with (`/preprocessing`, else the convention's default).
public final class InferenceModel: Sendable {
    public let path: String
    public let runtime: LDVCRuntime
    public let attributes: LayoutAttributes
    public let pipeline: ImagePipeline
    /// False when the file has no `/preprocessing` group and the convention's default is used.
    public let preprocessingIsStored: Bool
    /// The stored `logit_scale` (a log), if the file has one.
    public let storedLogitScale: Float?

    /// Opens `path` with `threads` workers for every runtime call (at least 1).
    public init(path: String, threads: Int) throws(InferenceError) {
        let reader: LayoutReader
        do { reader = try LayoutReader(path: path) } catch { throw .layout(error) }
        do { runtime = try LDVCRuntime(path: path, threads: threads) } catch { throw .runtime(error) }
        self.path = path
        attributes = reader.attributes
        let (settings, isStored) = reader.attributes.resolvedPreprocessing
        preprocessingIsStored = isStored
        pipeline = try ImagePipeline(settings: settings, head: reader.architecture.ldvc?.head, modelPath: path)
        if reader.contains("logit_scale") {
            let values: [Float]
            do {
                values = try reader.floats("logit_scale", shape: try reader.shape(of: "logit_scale"))
            } catch {
                throw .layout(error)
            }
            guard values.count == 1, values[0].isFinite else {
                throw .refused(path: path, reason: "logit_scale must be one finite number")
            }
            storedLogitScale = values[0]
        } else {
            storedLogitScale = nil
        }
    }

    /// Files written before the layout stored its preprocessing get the convention's default: a setting read
    /// from nowhere, so a warning with the fix, or with `strict` a refusal.
    public func checkPreprocessingStated(strict: Bool, reporter: Reporter) throws(InferenceError) {
        guard !preprocessingIsStored else { return }
        let assumed = "the \(pipeline.settings.pipeline.rawValue) convention's default image preprocessing"
        let fix = "convert or import its source again with this ldvc-convert to store it (inspect shows it)"
        if strict {
            throw .refused(
                path: path,
                reason: "no /preprocessing group (written before it existed): \(assumed) would be assumed; \(fix)")
        }
        reporter.warning(
            "\(path): no /preprocessing group (written before it existed); assumed \(assumed); \(fix), or pass --strict to refuse"
        )
    }

    /// Token ids of `texts`: `tokenIDs` when given (test models with their own vocabulary; one sequence per
    /// text), else CLIP's tokenizer on each text put into `template`.
    public func tokens(for texts: [String], template: String?, tokenIDs: [[Int]]?) throws(InferenceError) -> [[Int]] {
        if let tokenIDs {
            guard tokenIDs.count == texts.count else {
                throw .usage(
                    what: "--token-ids", reason: "\(tokenIDs.count) sequences for \(texts.count) texts (one each)")
            }
            guard let text = attributes.architecture.text else {
                throw .runtime(.missingPart(path: path, part: "text"))
            }
            for sequence in tokenIDs {
                guard (1...text.contextLength).contains(sequence.count),
                    sequence.allSatisfy({ (0..<text.vocabSize).contains($0) })
                else {
                    throw .usage(
                        what: "--token-ids",
                        reason: "each sequence needs 1 to \(text.contextLength) ids below \(text.vocabSize)")
                }
            }
            return tokenIDs
        }
        do { return try runtime.classTokens(texts, template: template ?? "{}") } catch { throw .runtime(error) }
    }
}
