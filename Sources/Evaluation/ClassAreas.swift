/// Per-class pixel counts, MMSeg's `total_area_*` histograms, as exact integers.
public struct ClassAreas: Sendable, Equatable {
    /// `area_intersect`: pixels labelled c and predicted c.
    public let intersection: [UInt64]
    /// `area_union`: pixels labelled c or predicted c (`area_pred_label + area_label − area_intersect`).
    public let union: [UInt64]
    /// `area_pred_label`: non-ignored pixels predicted c (whatever their label, even one ≥ C).
    public let predicted: [UInt64]
    /// `area_label`: pixels labelled c.
    public let labelled: [UInt64]

    // Internal: built only by `ConfusionMatrix.areas()`, whose pixel total bounds every sum of these counts.
    init(intersection: [UInt64], union: [UInt64], predicted: [UInt64], labelled: [UInt64]) {
        self.intersection = intersection
        self.union = union
        self.predicted = predicted
        self.labelled = labelled
    }

    /// Number of classes.
    public var classCount: Int { intersection.count }
}
