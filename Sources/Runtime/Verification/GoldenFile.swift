import HDF5
import TensorCore

/// A golden file (`Schemas/golden/ldvc-golden-v1.md`): fixed inputs and the reference code's value
/// at every tap, written by any tool (h5py included).
public struct GoldenFile: Sendable {
    public static let format = "ldvc-swift.golden"
    public static let version = 1
    /// Elements any one input or tap may hold (a quarter of a billion floats, 1 GiB): far beyond the
    /// goldens of a full-size model, small enough that a hostile size fails before allocating.
    public static let maxElements = 1 << 28

    /// One reference tap, in the order the reference computed it.
    public struct Tap: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        /// Label maps and other integer taps are compared exactly, not with a tolerance.
        public var isInteger: Bool
        /// Per batch item, how many leading rows of axis 1 are meaningful (text positions up to the
        /// end token); nil: all.
        public var validRows: [Int]?
        public var order: Int
    }

    public var path: String
    public var producer: String
    public var reference: String
    public var model: String
    /// Precision of the weights the reference computed with: f32, f16 or bf16 (always widened to fp32 compute).
    public var weightsDType: DType
    public var images: [Image]
    public var textTokens: [[Int]]?
    public var classEmbeddings: Matrix?
    public var seenClasses: Set<Int>
    public var slideImage: Image?
    public var slideOutputSize: (height: Int, width: Int)?
    public var taps: [Tap]

    /// Reads the golden at `path`; the file is walked by `HDF5Preflight` within `limits` first.
    public init(path: String, limits: HDF5Limits = .default) throws(RuntimeError) {
        self.path = path
        let file = GoldenReader(path: path, limits: limits)
        let root = try file.root()
        guard (try? root.stringAttribute("format")) == Self.format else {
            throw .golden(
                path: path, reason: "not an ldvc-swift golden file (root attribute 'format' is not '\(Self.format)')")
        }
        let version = try file.integer(root, "format_version")
        guard version <= Self.version else {
            throw .golden(
                path: path,
                reason: "golden format version \(version) is newer than this tool understands (\(Self.version))")
        }
        producer = try file.string(root, "producer", default: "")
        reference = try file.string(root, "reference", default: "")
        model = try file.string(root, "model", default: "")
        let weights = try file.string(root, "weights_dtype", default: "f32")
        guard let dtype = DType(rawValue: weights), [.f32, .f16, .bf16].contains(dtype) else {
            throw .golden(path: path, reason: "weights_dtype '\(weights)' is not f32, f16 or bf16")
        }
        weightsDType = dtype
        guard root.contains("inputs"), root.contains("taps") else {
            throw .golden(path: path, reason: "needs the groups /inputs and /taps")
        }
        let inputs = try file.group(root, "inputs")
        images = []
        if inputs.contains("image") {
            images = try file.images(try file.dataset(inputs, "image"))
        }
        if inputs.contains("text_tokens") {
            let data = try file.dataset(inputs, "text_tokens")
            guard data.shape.count == 2, !data.dtype.isFloatingPoint else {
                throw .golden(
                    path: path,
                    reason:
                        "inputs/text_tokens must be an integer [prompts, length] array, not \(data.dtype.rawValue) \(data.shape)"
                )
            }
            let ids = try file.integers(data)
            textTokens = (0..<data.shape[0]).map { Array(ids[($0 * data.shape[1])..<(($0 + 1) * data.shape[1])]) }
        }
        if inputs.contains("class_embeddings") {
            let data = try file.dataset(inputs, "class_embeddings")
            guard data.shape.count == 2 else {
                throw .golden(
                    path: path, reason: "inputs/class_embeddings must be [classes, embed_dim], not \(data.shape)")
            }
            classEmbeddings = Matrix(rows: data.shape[0], columns: data.shape[1], values: try file.floats(data))
        }
        seenClasses = []
        if inputs.contains("seen_classes") {
            seenClasses = Set(try file.integers(try file.dataset(inputs, "seen_classes")))
        }
        if inputs.contains("slide_image") {
            let slides = try file.images(try file.dataset(inputs, "slide_image"))
            guard slides.count == 1 else { throw .golden(path: path, reason: "inputs/slide_image must hold one image") }
            slideImage = slides[0]
            let size = try file.integers(try file.dataset(inputs, "slide_output_size"))
            guard size.count == 2, size.allSatisfy({ (1...(1 << 16)).contains($0) }) else {
                throw .golden(
                    path: path, reason: "inputs/slide_output_size must be two integers in 1 … 65536 (height, width)")
            }
            slideOutputSize = (size[0], size[1])
        }
        try Self.checkWork(
            path: path, classes: classEmbeddings?.rows ?? textTokens?.count ?? 0, images: images,
            slideImage: slideImage, slideOutputSize: slideOutputSize)
        let group = try file.group(root, "taps")
        var taps: [Tap] = []
        for (index, name) in try file.childNames(group).enumerated() {
            let data = try file.dataset(group, name)
            let order = data.hasAttribute("order") ? try file.integer(data, "order") : index
            var validRows: [Int]?
            if data.hasAttribute("valid_rows") {
                let rows = try file.integerArray(data, "valid_rows")
                guard data.shape.count >= 2, rows.count == data.shape[0],
                    rows.allSatisfy({ (0...data.shape[1]).contains($0) })
                else {
                    throw .golden(
                        path: path,
                        reason: "tap '\(name)': valid_rows must give one row count per batch item within axis 1")
                }
                validRows = rows
            }
            taps.append(
                Tap(
                    name: name, shape: data.shape, values: try file.floats(data),
                    isInteger: !data.dtype.isFloatingPoint,
                    validRows: validRows, order: order))
        }
        guard !taps.isEmpty else { throw .golden(path: path, reason: "/taps holds no tap") }
        self.taps = taps.sorted { $0.order < $1.order }
    }
}

extension GoldenFile {
    /// Refuses inputs whose score maps (classes × height × width, the largest arrays `verify` makes
    /// from them) would pass `maxElements`: each array alone may be small, their product not.
    static func checkWork(
        path: String, classes: Int, images: [Image], slideImage: Image?, slideOutputSize: (height: Int, width: Int)?
    ) throws(RuntimeError) {
        var planes: [(String, Int, Int)] = images.map { ("inputs/image", $0.height, $0.width) }
        if let slideImage { planes.append(("inputs/slide_image", slideImage.height, slideImage.width)) }
        if let size = slideOutputSize { planes.append(("inputs/slide_output_size", size.height, size.width)) }
        for (name, height, width) in planes {
            let (area, areaOverflow) = height.multipliedReportingOverflow(by: width)
            let (scores, overflow) = area.multipliedReportingOverflow(by: max(classes, 1))
            guard !areaOverflow, !overflow, scores <= maxElements else {
                throw .golden(
                    path: path,
                    reason:
                        "\(name) of \(height)×\(width) with \(classes) classes needs more than \(maxElements) scores")
            }
        }
    }
}

/// The HDF5 reads of a golden file, each failure a `RuntimeError` naming the file, and every
/// array's size checked against `GoldenFile.maxElements` before it is read.
private struct GoldenReader {
    let path: String
    let limits: HDF5Limits

    private func hdf5<T>(_ body: () throws(HDF5Error) -> T) throws(RuntimeError) -> T {
        do { return try body() } catch { throw .hdf5(error) }
    }

    func root() throws(RuntimeError) -> HDF5Group {
        try hdf5 { () throws(HDF5Error) in try HDF5File.open(path: path, limits: limits).root() }
    }

    func group(_ parent: HDF5Group, _ name: String) throws(RuntimeError) -> HDF5Group {
        try hdf5 { () throws(HDF5Error) in try parent.group(name) }
    }

    func childNames(_ group: HDF5Group) throws(RuntimeError) -> [String] {
        try hdf5 { () throws(HDF5Error) in try group.childNames() }
    }

    func dataset(_ group: HDF5Group, _ name: String) throws(RuntimeError) -> HDF5Dataset {
        let data = try hdf5 { () throws(HDF5Error) in try group.dataset(name) }
        var count = 1
        for dimension in data.shape {
            let (next, overflow) = count.multipliedReportingOverflow(by: max(dimension, 0))
            guard !overflow, next <= GoldenFile.maxElements else {
                throw .golden(
                    path: path,
                    reason: "\(data.fullName) claims shape \(data.shape), beyond \(GoldenFile.maxElements) elements")
            }
            count = next
        }
        return data
    }

    func floats(_ data: HDF5Dataset) throws(RuntimeError) -> [Float] {
        try hdf5 { () throws(HDF5Error) in try data.readFloats() }
    }

    func integers(_ data: HDF5Dataset) throws(RuntimeError) -> [Int] {
        let bytes = try hdf5 { () throws(HDF5Error) in try data.readBytes() }
        return TensorBytes.integers(from: bytes, dtype: data.dtype).map { Int(truncatingIfNeeded: $0) }
    }

    func string(_ object: any HDF5Object, _ name: String, default fallback: String) throws(RuntimeError) -> String {
        guard object.hasAttribute(name) else { return fallback }
        return try hdf5 { () throws(HDF5Error) in try object.stringAttribute(name) }
    }

    func integer(_ object: any HDF5Object, _ name: String) throws(RuntimeError) -> Int {
        Int(truncatingIfNeeded: try hdf5 { () throws(HDF5Error) in try object.intAttribute(name) })
    }

    func integerArray(_ object: any HDF5Object, _ name: String) throws(RuntimeError) -> [Int] {
        switch try hdf5({ () throws(HDF5Error) in try object.attribute(name) }) {
        case .intArray(let values): return values.map { Int(truncatingIfNeeded: $0) }
        case .int(let value): return [Int(truncatingIfNeeded: value)]
        default: throw .golden(path: path, reason: "\(object.fullName): '\(name)' must be integers")
        }
    }

    /// `[batch, 3, height, width]` normalised images.
    func images(_ data: HDF5Dataset) throws(RuntimeError) -> [Image] {
        guard data.shape.count == 4, data.shape[1] == 3, data.dtype.isFloatingPoint, data.shape.allSatisfy({ $0 > 0 })
        else {
            throw .golden(
                path: path,
                reason:
                    "\(data.fullName) must be a float [batch, 3, height, width] array, not \(data.dtype.rawValue) \(data.shape)"
            )
        }
        let values = try floats(data)
        let (count, height, width) = (data.shape[0], data.shape[2], data.shape[3])
        let size = 3 * height * width
        var result: [Image] = []
        for index in 0..<count {
            result.append(
                try Image(height: height, width: width, pixels: Array(values[(index * size)..<((index + 1) * size)])))
        }
        return result
    }
}
