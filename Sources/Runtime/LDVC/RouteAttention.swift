import Layout

/// LDVC's local consensus self-attention (LCSA) = BiFormer's bi-level routing attention
/// (`rayleizhu/BiFormer ops/bra_legacy.py::BiLevelRoutingAttention`, `kv_downsample_mode='identity'`,
/// no routing parameters, hard routing), paper Eq. 8–12.
///
/// 1. `qkv` linear, split q | k | v (Eq. 8).
/// 2. Window means of q and k over the n×n windows (Eq. 9).
/// 3. Window affinity `(q̄·s) k̄ᵀ` and the top-k windows per query window (Eq. 10).
/// 4. Each window's queries attend to the tokens of its routed windows (Eq. 11–12), scale s.
/// 5. Optional LePE (depthwise conv of v) added, optional output projection `wo`.
struct RouteAttention: Sendable {
    let qkv: Linear
    let output: Linear?
    let lepe: (weight: [Float], bias: [Float], kernel: Int)?
    let heads: Int
    let windows: Int
    let topK: Int
    let scale: Float
    let path: String

    init(_ weights: WeightScope, width: Int, heads: Int, lctd: LCTDArchitecture) throws(RuntimeError) {
        guard lctd.routeWindows > 0, lctd.routeTopK > 0, lctd.routeTopK <= lctd.routeWindows * lctd.routeWindows else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason: "route attention: top-\(lctd.routeTopK) of \(lctd.routeWindows)×\(lctd.routeWindows) windows")
        }
        qkv = try Linear(weights.scoped("qkv"), inFeatures: width, outFeatures: 3 * width)
        output =
            lctd.routeOutputProjection
            ? try Linear(weights.scoped("out_proj"), inFeatures: width, outFeatures: width) : nil
        if lctd.routeLePEKernel > 0 {
            let kernel = lctd.routeLePEKernel
            lepe = (
                try weights.take("lepe.weight", shape: [width, 1, kernel, kernel]),
                try weights.take("lepe.bias", shape: [width]), kernel
            )
        } else {
            lepe = nil
        }
        self.heads = heads
        windows = lctd.routeWindows
        topK = lctd.routeTopK
        // BiFormer scales by qk_dim^-0.5 (the whole width), "to be consistent with old models".
        scale = 1 / Float(lctd.routeScale == .qkDim ? width : width / heads).squareRoot()
        path = weights.path
    }

    /// `x` is `[h·w, D]` position-major (BiFormer's NHWC).
    func callAsFunction(_ x: Matrix, height: Int, width gridWidth: Int) throws(RuntimeError) -> Matrix {
        guard height % windows == 0, gridWidth % windows == 0 else {
            // BiFormer asserts the same unless auto_pad is set.
            throw .invalidInput(
                path: path,
                reason:
                    "route attention needs the \(height)×\(gridWidth) patch grid divisible by \(windows) windows per side"
            )
        }
        let width = x.columns, headWidth = width / heads
        let projected = qkv(x)
        let windowHeight = height / windows, windowWidth = gridWidth / windows
        let tokensPerWindow = windowHeight * windowWidth, windowCount = windows * windows
        // Token rows of each window, row-major inside the window (einops "n (j h) (i w) c -> n (j i) h w c").
        let members: [[Int]] = (0..<windowCount).map { window in
            let top = (window / windows) * windowHeight, left = (window % windows) * windowWidth
            return (0..<tokensPerWindow).map { (top + $0 / windowWidth) * gridWidth + left + $0 % windowWidth }
        }
        func gather(_ rows: [Int], columnOffset: Int) -> Matrix {
            var result = Matrix(rows: rows.count, columns: width)
            for (index, row) in rows.enumerated() {
                let source = row * 3 * width + columnOffset
                result.values.replaceSubrange(
                    (index * width)..<((index + 1) * width), with: projected.values[source..<(source + width)])
            }
            return result
        }
        // Eq. 9: window descriptors (means of q and of k).
        var queryMeans = Matrix(rows: windowCount, columns: width), keyMeans = Matrix(rows: windowCount, columns: width)
        projected.values.withUnsafeBufferPointer { source in
            for (window, rows) in members.enumerated() {
                for row in rows {
                    for column in 0..<width {
                        queryMeans.values[window * width + column] += source[row * 3 * width + column]
                        keyMeans.values[window * width + column] += source[row * 3 * width + width + column]
                    }
                }
                for column in 0..<width {
                    queryMeans.values[window * width + column] /= Float(tokensPerWindow)
                    keyMeans.values[window * width + column] /= Float(tokensPerWindow)
                }
            }
        }
        // Eq. 10: affinity and top-k routing. A positive scale cannot change the selection; BiFormer
        // applies it, so do we.
        var scaledMeans = queryMeans
        for index in scaledMeans.values.indices { scaledMeans.values[index] *= scale }
        let affinity = MatMul.multiplyTransposed(scaledMeans, keyMeans)
        let keyRows: [[Int]] = (0..<windowCount).map { window in
            let scores = affinity.row(window)
            let routed = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            return routed.prefix(topK).flatMap { members[$0] }
        }
        // Eq. 11–12 window by window, the windows spread over the workers: each gathers its queries and
        // its routed keys and values into its own buffers, attends (heads in turn) and writes its own rows.
        var context = Matrix(rows: x.rows, columns: width)
        let heads = self.heads, scale = self.scale
        let queryCount = tokensPerWindow, keyCount = topK * tokensPerWindow
        projected.values.withUnsafeBufferPointer { source in
            context.values.withUnsafeMutableBufferPointer { target in
                guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress else { return }
                let input = Parallel.Pointer(base: UnsafeMutablePointer(mutating: sourceBase))
                let output = Parallel.Pointer(base: targetBase)
                Parallel.forEachChunk(windowCount, cost: queryCount * keyCount * width) { windowRange in
                    let queries = UnsafeMutablePointer<Float>.allocate(capacity: queryCount * width)
                    let keys = UnsafeMutablePointer<Float>.allocate(capacity: keyCount * width)
                    let values = UnsafeMutablePointer<Float>.allocate(capacity: keyCount * width)
                    let attended = UnsafeMutablePointer<Float>.allocate(capacity: queryCount * width)
                    defer {
                        queries.deallocate()
                        keys.deallocate()
                        values.deallocate()
                        attended.deallocate()
                    }
                    for window in windowRange {
                        for (index, row) in members[window].enumerated() {
                            (queries + index * width).update(from: input.base + row * 3 * width, count: width)
                        }
                        for (index, row) in keyRows[window].enumerated() {
                            let start = input.base + row * 3 * width
                            (keys + index * width).update(from: start + width, count: width)
                            (values + index * width).update(from: start + 2 * width, count: width)
                        }
                        AttentionOp.attend(
                            query: queries, queryStride: width, queries: queryCount,
                            key: keys, keyStride: width, keys: keyCount,
                            value: values, valueStride: width,
                            heads: heads, headWidth: headWidth, scale: scale, causal: false,
                            output: attended, outputStride: width, logitMeans: nil, parallel: false)
                        for (index, row) in members[window].enumerated() {
                            (output.base + row * width).update(from: attended + index * width, count: width)
                        }
                    }
                }
            }
        }
        if let lepe {
            // LePE on the full v map, added before `wo` (bra_legacy.py forward: out = out + lepe).
            let valueMap = gather(Array(0..<x.rows), columnOffset: 2 * width)
            context.add(
                SpatialConv.depthwise(
                    valueMap, height: height, width: gridWidth, weight: lepe.weight, bias: lepe.bias,
                    kernel: lepe.kernel))
        }
        return output.map { $0(context) } ?? context
    }
}
