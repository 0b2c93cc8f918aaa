/// How MMSeg turns annotation pixels into labels before it evaluates them.
public enum LabelReduction {
    /// MMSeg's `LoadAnnotations(reduce_zero_label=True)` on the uint8 annotation
    /// (mmseg/datasets/transforms/loading.py, `_load_seg_map`): `map[map == 0] = 255; map = map - 1;
    /// map[map == 254] = 255`. So 0 → 255, 255 → 255 and every other value v → v − 1.
    public static func reducingZeroLabel(_ labels: [UInt8]) -> [UInt8] {
        labels.map { reducedLabel($0) }
    }

    /// One label under `reducingZeroLabel`.
    @inline(__always)
    public static func reducedLabel(_ label: UInt8) -> UInt8 {
        label == 0 || label == 255 ? 255 : label - 1
    }
}
