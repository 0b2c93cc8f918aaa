import TensorCore

extension Tensor {
    /// A packed f32 tensor from values this module generated for exactly that shape.
    static func packedFloats(_ shape: [Int], _ values: [Float]) -> Tensor {
        do {
            return try Tensor(shape: shape, floats: values)
        } catch {
            // The initialisers size every array from the shape they pass; a mismatch is a bug here.
            preconditionFailure("prompt tensor \(shape) built from \(values.count) values: \(error)")
        }
    }
}
