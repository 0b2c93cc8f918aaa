public import Conversion
public import Layout
public import Runtime
public import TensorCore
public import Tokenizer

/// Errors from initialising deep prompts and writing them into a layout file. Every message is one
/// line that starts with the file it is about.
public enum PromptsError: ClassifiedError, Equatable, Sendable {
    case layout(LayoutError)
    case runtime(RuntimeError)
    /// Converting the checkpoint the prompts are added to (`convert --init-prompts`) failed.
    case conversion(ConversionError)
    case tokenizer(path: String, TokenizerError)
    /// The template has no text to tokenise.
    case emptyTemplate(path: String)
    /// The template needs more positions than the text encoder's context.
    case templateTooLong(path: String, template: String, tokens: Int, context: Int)
    /// A prompt count or layer count that the model cannot hold.
    case promptCount(path: String, reason: String)
    /// Chosen positions outside the context, or not one per prompt row.
    case positions(path: String, reason: String)
    /// The model lacks the tower the prompts belong to (`vision`, `text`).
    case missingTower(path: String, tower: String)
    /// The model already has prompts of this kind; initialising would silently replace them.
    case alreadyHasPrompts(path: String, group: String)

    /// Templates, counts and positions that do not fit the model are usage errors; a model that
    /// cannot take prompts is refused input.
    public var kind: FailureKind {
        switch self {
        case .layout(let error): return error.kind
        case .runtime(let error): return error.kind
        case .conversion(let error): return error.kind
        case .emptyTemplate, .templateTooLong, .promptCount, .positions, .tokenizer: return .usage
        case .missingTower, .alreadyHasPrompts: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .layout(let error): return error.description
        case .runtime(let error): return error.description
        case .conversion(let error): return error.description
        case .tokenizer(let path, let error): return "\(path): \(error)"
        case .emptyTemplate(let path):
            return
                "\(path): the prompt template is empty; give the words whose embeddings start the language prompts, e.g. \"a photo of a\""
        case .templateTooLong(let path, let template, let tokens, let context):
            return
                "\(path): the template \"\(template)\" needs \(tokens) positions with its start and end tokens; the text encoder's context holds \(context)"
        case .promptCount(let path, let reason):
            return "\(path): \(reason)"
        case .positions(let path, let reason):
            return "\(path): prompt positions: \(reason)"
        case .missingTower(let path, let tower):
            return
                "\(path): the model has no \(tower) encoder, which \(tower == "text" ? "language" : "visual") prompts need"
        case .alreadyHasPrompts(let path, let group):
            return "\(path): the model already has /prompts/\(group); initialise from the plain CLIP file instead"
        }
    }
}
