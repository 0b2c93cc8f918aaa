/// Packing of strided 2-D views (a transposed matrix, every other column) tile by tile.
///
/// The general element-by-element walk of `contiguousBytes` costs several nanoseconds per element;
/// ONNX exports store every Linear weight transposed (`Wᵀ`), so converting one means packing
/// ~85 M transposed elements for a ViT-B/16. Copying 32×32 tiles with fixed-width loads keeps both
/// the reads and the writes within a few cache lines at a time.
extension Tensor {
    /// The packed bytes of a rank-2 view with 2-, 4- or 8-byte elements, or nil for other views.
    /// Bounds were checked when the view was made (`Shape.requiredStorageElements`).
    func packedMatrixBytes() -> [UInt8]? {
        guard rank == 2, strides[0] >= 0, strides[1] >= 0 else { return nil }
        switch dtype.itemSize {
        case 2: return packedMatrix(UInt16.self)
        case 4: return packedMatrix(UInt32.self)
        case 8: return packedMatrix(UInt64.self)
        default: return nil
        }
    }

    private func packedMatrix<Element: FixedWidthInteger>(_: Element.Type) -> [UInt8] {
        let rows = shape[0], columns = shape[1]
        let rowStride = strides[0], columnStride = strides[1], offset = storageOffset
        let width = MemoryLayout<Element>.size
        let tile = 32
        return [UInt8](unsafeUninitializedCapacity: rows * columns * width) { destination, initialized in
            storage.withUnsafeBytes { source in
                guard let from = source.baseAddress, let to = destination.baseAddress else { return }
                let target = UnsafeMutableRawPointer(to)
                for rowBlock in stride(from: 0, to: rows, by: tile) {
                    let rowEnd = min(rowBlock + tile, rows)
                    for columnBlock in stride(from: 0, to: columns, by: tile) {
                        let columnEnd = min(columnBlock + tile, columns)
                        for row in rowBlock..<rowEnd {
                            let sourceRow = offset + row * rowStride
                            let targetRow = row * columns
                            for column in columnBlock..<columnEnd {
                                let value = from.loadUnaligned(
                                    fromByteOffset: (sourceRow + column * columnStride) * width, as: Element.self)
                                target.storeBytes(
                                    of: value, toByteOffset: (targetRow + column) * width, as: Element.self)
                            }
                        }
                    }
                }
            }
            initialized = rows * columns * width
        }
    }
}
