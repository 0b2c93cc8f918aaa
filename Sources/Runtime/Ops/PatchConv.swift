/// CLIP's patch embedding `Conv2d(3→W, kernel P, stride P, bias=False)` as im2col + sgemm.
enum PatchConv {
    /// `image` is CHW `[channels, height, width]`; `weight` is `[W, channels, P, P]`. Returns the
    /// `[gridH·gridW, W]` patch tokens in row-major grid order (PyTorch's `flatten(2).transpose`).
    /// Like a strided convolution, trailing pixels that do not fill a patch are ignored.
    static func apply(
        image: [Float], channels: Int, height: Int, width: Int, weight: [Float], outChannels: Int,
        patch: Int
    ) -> (tokens: Matrix, gridHeight: Int, gridWidth: Int) {
        let gridHeight = height / patch, gridWidth = width / patch
        let patchLength = channels * patch * patch
        var columns = [Float](repeating: 0, count: gridHeight * gridWidth * patchLength)
        // Column order c·P² + ky·P + kx matches the flattened `[W, C, P, P]` weight.
        for gy in 0..<gridHeight {
            for gx in 0..<gridWidth {
                let rowBase = (gy * gridWidth + gx) * patchLength
                for channel in 0..<channels {
                    for ky in 0..<patch {
                        let source = channel * height * width + (gy * patch + ky) * width + gx * patch
                        let target = rowBase + channel * patch * patch + ky * patch
                        for kx in 0..<patch { columns[target + kx] = image[source + kx] }
                    }
                }
            }
        }
        let patches = Matrix(rows: gridHeight * gridWidth, columns: patchLength, values: columns)
        return (MatMul.linear(patches, weight: weight, bias: nil, outFeatures: outChannels), gridHeight, gridWidth)
    }
}
