import Layout

/// The segmentation head of a ZegCLIP or LDVC model: text adapter, decoder, and ZegCLIP's test-time
/// mask path (`decode_seg.py::forward` + `semantic_inference`, `zegclip.py::encode_decode`): logits at
/// the patch grid → bilinear to `image_size` → sigmoid, minus `seen_offset` on seen classes → bilinear
/// to the crop size. LDVC reuses that path (reconstructed).
struct SegmentationHead: Sendable {
    enum Decoder: Sendable {
        case atm(ATMDecoder)
        case lctd(LocalConsensusDecoder)
    }

    let architecture: HeadArchitecture
    let adapter: TextAdapter
    let decoder: Decoder

    /// The vision layers whose raw patch rows the decoder needs.
    var tapLayers: Set<Int> {
        if case .lctd(let decoder) = decoder { return Set(decoder.architecture.tapLayers) }
        return []
    }

    init(_ weights: WeightScope, architecture: HeadArchitecture, embedDim: Int, vision: VisionTransformer)
        throws(RuntimeError)
    {
        guard architecture.width == embedDim, architecture.heads > 0, architecture.width % architecture.heads == 0,
            architecture.imageSize > 0, architecture.cropSize > 0, architecture.stride > 0
        else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason:
                    "head width \(architecture.width) with \(architecture.heads) heads over a \(embedDim)-wide joint space"
            )
        }
        self.architecture = architecture
        adapter = try TextAdapter(weights.scoped("adapter"), width: architecture.width)
        switch architecture.kind {
        case .zegclip:
            guard let atm = architecture.atm else {
                throw .unsupportedArchitecture(path: weights.path, reason: "zegclip head without decoder settings")
            }
            decoder = .atm(try ATMDecoder(weights, head: architecture, atm: atm))
        case .ldvc:
            guard let lctd = architecture.lctd else {
                throw .unsupportedArchitecture(path: weights.path, reason: "ldvc head without decoder settings")
            }
            decoder = .lctd(try LocalConsensusDecoder(weights, head: architecture, lctd: lctd, vision: vision))
        }
    }

    /// Calibrated per-class scores `[C, cropHeight, cropWidth]` for one crop's encoding.
    func scores(
        _ encoding: VisionEncoding, classes: Matrix, seenClasses: Set<Int>, cropHeight: Int, cropWidth: Int,
        taps: TapRecorder?
    ) throws(RuntimeError) -> [Float] {
        guard let dense = encoding.dense else {
            throw .unsupportedArchitecture(
                path: "head", reason: "the head needs the prompted backbone's dense features")
        }
        let h = encoding.gridHeight, w = encoding.gridWidth, classCount = classes.rows
        let fused = adapter(classes: classes, global: encoding.embedding)
        taps?.record("head.adapter", fused)
        let logits: Matrix
        switch decoder {
        case .atm(let decoder):
            logits = decoder(queries: fused, memory: dense, gridHeight: h, gridWidth: w, taps: taps)
        case .lctd(let decoder):
            let raw = decoder.architecture.tapLayers.map { encoding.intermediates[$0] ?? Matrix(rows: 0, columns: 0) }
            logits = try decoder(dense: dense, taps: raw, classes: fused, gridHeight: h, gridWidth: w, recorder: taps)
        }
        taps?.record("head.logits", itemShape: [classCount, h, w], values: logits.values)
        let size = architecture.imageSize
        var probabilities = Resize.bilinear(
            logits.values, planes: classCount, inHeight: h, inWidth: w, outHeight: size, outWidth: size)
        Activations.sigmoid(&probabilities)
        let offset = Float(architecture.seenOffset)
        for seen in seenClasses where (0..<classCount).contains(seen) {
            for index in (seen * size * size)..<((seen + 1) * size * size) { probabilities[index] -= offset }
        }
        let scores = Resize.bilinear(
            probabilities, planes: classCount, inHeight: size, inWidth: size, outHeight: cropHeight, outWidth: cropWidth
        )
        if let taps {
            taps.record("head.scores", itemShape: [classCount, cropHeight, cropWidth], values: scores)
            taps.record(
                "head.segmentation", itemShape: [cropHeight, cropWidth],
                values: Self.argmax(scores, planes: classCount, count: cropHeight * cropWidth).map(Float.init))
        }
        return scores
    }

    /// Index of the largest score per pixel (first one on ties, as torch.argmax). Class-outer: each
    /// plane is read once, contiguously, against a running maximum.
    static func argmax(_ scores: [Float], planes: Int, count: Int) -> [Int] {
        var labels = [Int](repeating: 0, count: count)
        guard planes > 0, count > 0 else { return labels }
        var best = Array(scores[0..<count])
        scores.withUnsafeBufferPointer { source in
            best.withUnsafeMutableBufferPointer { maxima in
                labels.withUnsafeMutableBufferPointer { target in
                    for plane in 1..<planes {
                        let base = plane * count
                        for pixel in 0..<count where source[base + pixel] > maxima[pixel] {
                            maxima[pixel] = source[base + pixel]
                            target[pixel] = plane
                        }
                    }
                }
            }
        }
        return labels
    }
}
