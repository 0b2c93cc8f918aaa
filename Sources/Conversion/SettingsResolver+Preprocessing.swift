import Layout

extension SettingsResolver {
    /// The MMSeg test pipeline of an imported ZegCLIP/LDVC model: the keep-ratio `Resize` of the config's test
    /// pipeline (else ZegCLIP's (4·crop, crop) with `min_size` crop), `test_cfg.mode`, `to_rgb`, and the
    /// normalisation of the MMSeg generation the config is written for; each source in `preprocessing.*`.
    mutating func preprocessing(crop: Int) throws(ConversionError) -> PreprocessingSettings {
        var settings = PreprocessingSettings.zegCLIP(crop: crop)
        sources["preprocessing.pipeline"] = "default: MMSeg test pipeline (ZegCLIP/LDVC)"
        sources["preprocessing.decoder"] = "default: mmcv.imfrombytes (cv2)"
        if let (resize, place) = testResize() {
            guard let scale = resize.scale else {
                throw .architecture(path: path, reason: "meta.config's \(place) has a Resize without a usable scale")
            }
            settings.scale = scale
            settings.minSize = resize.minSize
            sources["preprocessing.scale"] = "meta.config: \(place)"
            sources["preprocessing.min_size"] = "meta.config: \(place)"
        } else {
            sources["preprocessing.scale"] = "default: ZegCLIP's (4 × crop, crop)"
            sources["preprocessing.min_size"] = "default: ZegCLIP's min_size = crop"
        }
        settings.mode = try setting("preprocessing.mode", default: .slide, "ZegCLIP's test_cfg mode") {
            PreprocessingSettings.Mode(rawValue: $0.stringValue ?? "")
        }
        settings.rgb = try setting("preprocessing.rgb", default: true, "RGB (to_rgb=True)") { $0.boolValue }
        if config?.value(at: MMSegSettings.dataPreprocessorPath) != nil {
            settings.normalization = .dataPreprocessor
            sources["preprocessing.normalization"] = "meta.config: \(MMSegSettings.dataPreprocessorPath) (MMSeg 1.x)"
        } else {
            sources["preprocessing.normalization"] = "default: MMSeg 0.x Normalize (mmcv.imnormalize)"
        }
        if let problem = settings.problem(hasHead: true) {
            throw .architecture(path: path, reason: "test pipeline: \(problem)")
        }
        return settings
    }

    /// The keep-ratio `Resize` of the first test pipeline in the config: its scale as (long, short) sizes and
    /// `min_size`, and where it was found.
    private func testResize() -> (resize: (scale: [Int]?, minSize: Int?), place: String)? {
        guard let config else { return nil }
        for place in MMSegSettings.testPipelinePaths {
            guard let steps = config.value(at: place)?.listValue else { continue }
            if let found = Self.resize(in: steps, outerScale: nil, depth: 0) { return (found, place) }
        }
        return nil
    }

    /// Walks pipeline steps (and `MultiScaleFlipAug`'s `transforms`, nested at most a few levels).
    private static func resize(in steps: [ConfigValue], outerScale: ConfigValue?, depth: Int) -> (
        scale: [Int]?, minSize: Int?
    )? {
        guard depth < 4 else { return nil }
        for step in steps {
            guard case .dict(let fields) = step else { continue }
            let kind = fields["type"]?.stringValue
            if kind == "MultiScaleFlipAug", let inner = fields["transforms"]?.listValue,
                let found = resize(in: inner, outerScale: fields["img_scale"] ?? fields["scale"], depth: depth + 1)
            {
                return found
            }
            if kind == "Resize", fields["keep_ratio"]?.boolValue ?? true {
                var scale = fields["img_scale"] ?? fields["scale"] ?? outerScale
                // A list of scales (multi-scale testing): the first is the single-scale test.
                if let first = scale?.listValue?.first, first.listValue != nil { scale = first }
                let sizes = scale?.listValue?.compactMap(\.intValue)
                return (sizes?.count == 2 ? sizes : nil, fields["min_size"]?.intValue)
            }
        }
        return nil
    }
}
