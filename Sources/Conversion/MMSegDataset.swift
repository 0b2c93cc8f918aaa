import Checkpoint
import Layout

/// The training dataset a ZegCLIP/LDVC checkpoint carries: `meta.CLASSES`, `meta.PALETTE`, the
/// zero-shot split from `meta.config` (paths in `MMSegSettings`) and the config text itself.
enum MMSegDataset {
    /// Nil when the checkpoint has neither classes nor a config. A split or palette that does not fit
    /// the classes is left out with a warning: the weights import all the same.
    static func read(metadata: CheckpointMetadata, config: ConfigText?, path: String, reporter: Reporter)
        -> TrainingDataset?
    {
        guard !metadata.classes.isEmpty || metadata.config != nil else { return nil }
        let classes = metadata.classes
        var dataset = TrainingDataset(classes: classes, config: metadata.config)
        if !classes.isEmpty { dataset.sources["classes"] = "meta.CLASSES" }
        if metadata.config != nil { dataset.sources["config"] = "meta.config" }
        if !metadata.palette.isEmpty {
            if metadata.palette.count == classes.count {
                dataset.palette = metadata.palette
                dataset.sources["palette"] = "meta.PALETTE"
            } else {
                reporter.warning(
                    "\(path): meta.PALETTE has \(metadata.palette.count) RGB colours for \(classes.count) classes; not kept"
                )
            }
        }
        guard let config, let (seen, seenPath) = indices(in: config, at: MMSegSettings.seenClassPaths) else {
            return dataset
        }
        var unseen: [Int]
        let unseenSource: String
        if let (listed, place) = indices(in: config, at: MMSegSettings.unseenClassPaths) {
            (unseen, unseenSource) = (listed, "meta.config: \(place)")
        } else if let (all, place) = indices(in: config, at: MMSegSettings.allClassPaths) {
            unseen = all.filter { !seen.contains($0) }
            unseenSource = "meta.config: \(place) less the seen classes"
        } else {
            unseen = Array(0..<classes.count).filter { !seen.contains($0) }
            unseenSource = "the classes not seen"
        }
        let problem: String?
        if let bad = (seen + unseen).first(where: { !(0..<classes.count).contains($0) }) {
            problem = "class index \(bad) is outside the \(classes.count) classes of meta.CLASSES"
        } else if Set(seen).count != seen.count || Set(unseen).count != unseen.count {
            problem = "a class index is listed twice"
        } else if !Set(seen).isDisjoint(with: unseen) {
            problem = "a class is both seen and unseen"
        } else {
            problem = nil
        }
        if let problem {
            reporter.warning("\(path): meta.config's zero-shot split (\(seenPath)) is not kept: \(problem)")
            return dataset
        }
        dataset.seenClasses = seen
        dataset.unseenClasses = unseen
        dataset.sources["seen_classes"] = "meta.config: \(seenPath)"
        dataset.sources["unseen_classes"] = unseenSource
        return dataset
    }

    /// The first of `paths` that holds a list of integers, and the path.
    static func indices(in config: ConfigText, at paths: [String]) -> ([Int], String)? {
        for path in paths {
            guard let items = config.value(at: path)?.listValue else { continue }
            let numbers = items.compactMap(\.intValue)
            if numbers.count == items.count { return (numbers, path) }
        }
        return nil
    }
}
