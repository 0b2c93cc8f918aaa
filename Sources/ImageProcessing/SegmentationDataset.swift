/// A dataset's class names and colours, as MMSeg and ZegCLIP define them (used when the model does
/// not say otherwise; `ClassPalette.generated` covers any other class list).
public struct SegmentationDataset: Sendable, Equatable {
    public let name: String
    public let classNames: [String]
    public let palette: [RGBColor]

    public init(name: String, classNames: [String], palette: [RGBColor]) {
        self.name = name
        self.classNames = classNames
        self.palette = palette
    }

    /// MMSeg's `PascalVOCDataset`: 21 classes with background, the VOC development kit's colour map.
    public static let pascalVOC = SegmentationDataset(
        name: "pascal_voc", classNames: ["background"] + vocNames, palette: ClassPalette.generated(count: 21))

    /// ZegCLIP's `ZeroPascalVOCDataset20`: the 20 VOC object classes (no background, `reduce_zero_label`)
    /// with the colour map's entries 1–20.
    public static let zegCLIPVOC20 = SegmentationDataset(
        name: "zegclip_voc20", classNames: vocNames, palette: Array(ClassPalette.generated(count: 21).dropFirst()))

    /// MMSeg's `COCOStuffDataset` (164k, 171 classes).
    public static let cocoStuff = SegmentationDataset(
        name: "coco_stuff", classNames: cocoStuffNames, palette: mmsegCOCOStuffPalette)

    /// ZegCLIP's `ZeroCOCOStuffDataset`: MMSeg's list with two colours changed (person and class 145).
    public static let zegCLIPCOCOStuff: SegmentationDataset = {
        var palette = mmsegCOCOStuffPalette
        palette[0] = RGBColor(240, 128, 128)
        palette[145] = RGBColor(238, 209, 156)
        return SegmentationDataset(name: "zegclip_coco_stuff", classNames: cocoStuffNames, palette: palette)
    }()

    /// The 20 PASCAL VOC object classes in MMSeg's order.
    static let vocNames: [String] = [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
        "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ]

    /// MMSeg's `COCOStuffDataset.CLASSES` (COCO-Stuff 164k train IDs 0–170); ZegCLIP uses the same list.
    static let cocoStuffNames: [String] = [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
        "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
        "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
        "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
        "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
        "hair drier", "toothbrush", "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet",
        "cage", "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter",
        "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble", "floor-other",
        "floor-stone", "floor-tile", "floor-wood", "flower", "fog", "food-other", "fruit", "furniture-other",
        "grass", "gravel", "ground-other", "hill", "house", "leaves", "light", "mat", "metal", "mirror-stuff",
        "moss", "mountain", "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic",
        "platform", "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand",
        "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw",
        "structural-other", "table", "tent", "textile-other", "towel", "tree", "vegetable", "wall-brick",
        "wall-concrete", "wall-other", "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other",
        "waterdrops", "window-blind", "window-other", "wood",
    ]

    /// `mmseg/datasets/coco_stuff.py` `COCOStuffDataset.PALETTE`, one entry per class.
    static let mmsegCOCOStuffPalette: [RGBColor] = [
        RGBColor(0, 192, 64), RGBColor(0, 192, 64), RGBColor(0, 64, 96), RGBColor(128, 192, 192),
        RGBColor(0, 64, 64), RGBColor(0, 192, 224), RGBColor(0, 192, 192), RGBColor(128, 192, 64),
        RGBColor(0, 192, 96), RGBColor(128, 192, 64), RGBColor(128, 32, 192), RGBColor(0, 0, 224),
        RGBColor(0, 0, 64), RGBColor(0, 160, 192), RGBColor(128, 0, 96), RGBColor(128, 0, 192), RGBColor(0, 32, 192),
        RGBColor(128, 128, 224), RGBColor(0, 0, 192), RGBColor(128, 160, 192), RGBColor(128, 128, 0),
        RGBColor(128, 0, 32), RGBColor(128, 32, 0), RGBColor(128, 0, 128), RGBColor(64, 128, 32),
        RGBColor(0, 160, 0), RGBColor(0, 0, 0), RGBColor(192, 128, 160), RGBColor(0, 32, 0), RGBColor(0, 128, 128),
        RGBColor(64, 128, 160), RGBColor(128, 160, 0), RGBColor(0, 128, 0), RGBColor(192, 128, 32),
        RGBColor(128, 96, 128), RGBColor(0, 0, 128), RGBColor(64, 0, 32), RGBColor(0, 224, 128), RGBColor(128, 0, 0),
        RGBColor(192, 0, 160), RGBColor(0, 96, 128), RGBColor(128, 128, 128), RGBColor(64, 0, 160),
        RGBColor(128, 224, 128), RGBColor(128, 128, 64), RGBColor(192, 0, 32), RGBColor(128, 96, 0),
        RGBColor(128, 0, 192), RGBColor(0, 128, 32), RGBColor(64, 224, 0), RGBColor(0, 0, 64),
        RGBColor(128, 128, 160), RGBColor(64, 96, 0), RGBColor(0, 128, 192), RGBColor(0, 128, 160),
        RGBColor(192, 224, 0), RGBColor(0, 128, 64), RGBColor(128, 128, 32), RGBColor(192, 32, 128),
        RGBColor(0, 64, 192), RGBColor(0, 0, 32), RGBColor(64, 160, 128), RGBColor(128, 64, 64),
        RGBColor(128, 0, 160), RGBColor(64, 32, 128), RGBColor(128, 192, 192), RGBColor(0, 0, 160),
        RGBColor(192, 160, 128), RGBColor(128, 192, 0), RGBColor(128, 0, 96), RGBColor(192, 32, 0),
        RGBColor(128, 64, 128), RGBColor(64, 128, 96), RGBColor(64, 160, 0), RGBColor(0, 64, 0),
        RGBColor(192, 128, 224), RGBColor(64, 32, 0), RGBColor(0, 192, 128), RGBColor(64, 128, 224),
        RGBColor(192, 160, 0), RGBColor(0, 192, 0), RGBColor(192, 128, 96), RGBColor(192, 96, 128),
        RGBColor(0, 64, 128), RGBColor(64, 0, 96), RGBColor(64, 224, 128), RGBColor(128, 64, 0),
        RGBColor(192, 0, 224), RGBColor(64, 96, 128), RGBColor(128, 192, 128), RGBColor(64, 0, 224),
        RGBColor(192, 224, 128), RGBColor(128, 192, 64), RGBColor(192, 0, 96), RGBColor(192, 96, 0),
        RGBColor(128, 64, 192), RGBColor(0, 128, 96), RGBColor(0, 224, 0), RGBColor(64, 64, 64),
        RGBColor(128, 128, 224), RGBColor(0, 96, 0), RGBColor(64, 192, 192), RGBColor(0, 128, 224),
        RGBColor(128, 224, 0), RGBColor(64, 192, 64), RGBColor(128, 128, 96), RGBColor(128, 32, 128),
        RGBColor(64, 0, 192), RGBColor(0, 64, 96), RGBColor(0, 160, 128), RGBColor(192, 0, 64),
        RGBColor(128, 64, 224), RGBColor(0, 32, 128), RGBColor(192, 128, 192), RGBColor(0, 64, 224),
        RGBColor(128, 160, 128), RGBColor(192, 128, 0), RGBColor(128, 64, 32), RGBColor(128, 32, 64),
        RGBColor(192, 0, 128), RGBColor(64, 192, 32), RGBColor(0, 160, 64), RGBColor(64, 0, 0),
        RGBColor(192, 192, 160), RGBColor(0, 32, 64), RGBColor(64, 128, 128), RGBColor(64, 192, 160),
        RGBColor(128, 160, 64), RGBColor(64, 128, 0), RGBColor(192, 192, 32), RGBColor(128, 96, 192),
        RGBColor(64, 0, 128), RGBColor(64, 64, 32), RGBColor(0, 224, 192), RGBColor(192, 0, 0),
        RGBColor(192, 64, 160), RGBColor(0, 96, 192), RGBColor(192, 128, 128), RGBColor(64, 64, 160),
        RGBColor(128, 224, 192), RGBColor(192, 128, 64), RGBColor(192, 64, 32), RGBColor(128, 96, 64),
        RGBColor(192, 0, 192), RGBColor(0, 192, 32), RGBColor(64, 224, 64), RGBColor(64, 0, 64),
        RGBColor(128, 192, 160), RGBColor(64, 96, 64), RGBColor(64, 128, 192), RGBColor(0, 192, 160),
        RGBColor(192, 224, 64), RGBColor(64, 128, 64), RGBColor(128, 192, 32), RGBColor(192, 32, 192),
        RGBColor(64, 64, 192), RGBColor(0, 64, 32), RGBColor(64, 160, 192), RGBColor(192, 64, 64),
        RGBColor(128, 64, 160), RGBColor(64, 32, 192), RGBColor(192, 192, 192), RGBColor(0, 64, 160),
        RGBColor(192, 160, 192), RGBColor(192, 192, 0), RGBColor(128, 64, 96), RGBColor(192, 32, 64),
        RGBColor(192, 64, 128), RGBColor(64, 192, 96), RGBColor(64, 160, 64), RGBColor(64, 64, 0),
    ]
}
