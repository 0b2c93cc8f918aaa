public import TensorCore

/// The source of a plan whose tensors come from `Primary` (a checkpoint, a layout file), plus some
/// computed in memory (initialised prompts). Errors are the primary source's.
public enum WithComputed<Primary: TensorSource>: TensorSource {
    case primary(Primary)
    case computed(MemoryTensor)

    public var name: String {
        switch self {
        case .primary(let source): return source.name
        case .computed(let tensor): return tensor.name
        }
    }

    public var dtype: DType {
        switch self {
        case .primary(let source): return source.dtype
        case .computed(let tensor): return tensor.dtype
        }
    }

    public var shape: [Int] {
        switch self {
        case .primary(let source): return source.shape
        case .computed(let tensor): return tensor.shape
        }
    }

    public var isPacked: Bool {
        switch self {
        case .primary(let source): return source.isPacked
        case .computed: return true
        }
    }

    public var fileExtent: FileExtent? {
        switch self {
        case .primary(let source): return source.fileExtent
        case .computed: return nil
        }
    }

    public func readBytes(at byteOffset: Int, count: Int, into buffer: inout [UInt8]) throws(Primary.Failure) {
        switch self {
        case .primary(let source): try source.readBytes(at: byteOffset, count: count, into: &buffer)
        case .computed(let tensor): tensor.readBytes(at: byteOffset, count: count, into: &buffer)
        }
    }

    public func read() throws(Primary.Failure) -> Tensor {
        switch self {
        case .primary(let source): return try source.read()
        case .computed(let tensor): return tensor.read()
        }
    }
}

extension LayoutPlan {
    /// The same plan with every source wrapped as a primary source, ready for computed tensors to join.
    public func withComputed() -> LayoutPlan<WithComputed<Source>> {
        LayoutPlan<WithComputed<Source>>(
            items: items.map { item in
                .init(
                    canonical: item.canonical, source: .primary(item.source), transform: item.transform,
                    outputDType: item.outputDType, provenance: item.provenance)
            },
            attributes: attributes, inputs: inputs)
    }
}
