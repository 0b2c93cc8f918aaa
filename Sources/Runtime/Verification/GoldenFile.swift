import HDF5
import TensorCore

/// A golden file (`Schemas/golden/ldvc-golden-v1.md`): fixed inputs and the reference code's value
/// at every tap, written by any tool (h5py included).
public struct GoldenFile: Sendable {
    public static let format = "ldvc-swift.golden"
    public static let version = 1

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

    public init(path: String) throws(RuntimeError) {
        self.path = path
        do {
            let file = try HDF5File.open(path: path)
            let root = try file.root()
            guard root.hasAttribute("format"), (try? root.stringAttribute("format")) == Self.format else {
                throw RuntimeError.golden(
                    path: path,
                    reason: "not an ldvc-swift golden file (root attribute 'format' is not '\(Self.format)')")
            }
            let version = Int(try root.intAttribute("format_version"))
            guard version <= Self.version else {
                throw RuntimeError.golden(
                    path: path,
                    reason: "golden format version \(version) is newer than this tool understands (\(Self.version))")
            }
            producer = root.hasAttribute("producer") ? try root.stringAttribute("producer") : ""
            reference = root.hasAttribute("reference") ? try root.stringAttribute("reference") : ""
            model = root.hasAttribute("model") ? try root.stringAttribute("model") : ""
            let weights = root.hasAttribute("weights_dtype") ? try root.stringAttribute("weights_dtype") : "f32"
            guard let dtype = DType(rawValue: weights), [.f32, .f16, .bf16].contains(dtype) else {
                throw RuntimeError.golden(path: path, reason: "weights_dtype '\(weights)' is not f32, f16 or bf16")
            }
            weightsDType = dtype
            guard root.contains("inputs"), root.contains("taps") else {
                throw RuntimeError.golden(path: path, reason: "needs the groups /inputs and /taps")
            }
            let inputs = try root.group("inputs")
            images = []
            if inputs.contains("image") {
                images = try Self.images(try inputs.dataset("image"), path: path)
            }
            if inputs.contains("text_tokens") {
                let data = try inputs.dataset("text_tokens")
                guard data.shape.count == 2, !data.dtype.isFloatingPoint else {
                    throw RuntimeError.golden(
                        path: path,
                        reason:
                            "inputs/text_tokens must be an integer [prompts, length] array, not \(data.dtype.rawValue) \(data.shape)"
                    )
                }
                let ids = TensorBytes.integers(from: try data.readBytes(), dtype: data.dtype).map { Int($0) }
                textTokens = (0..<data.shape[0]).map { Array(ids[($0 * data.shape[1])..<(($0 + 1) * data.shape[1])]) }
            }
            if inputs.contains("class_embeddings") {
                let data = try inputs.dataset("class_embeddings")
                guard data.shape.count == 2 else {
                    throw RuntimeError.golden(
                        path: path, reason: "inputs/class_embeddings must be [classes, embed_dim], not \(data.shape)")
                }
                classEmbeddings = Matrix(rows: data.shape[0], columns: data.shape[1], values: try data.readFloats())
            }
            seenClasses = []
            if inputs.contains("seen_classes") {
                let data = try inputs.dataset("seen_classes")
                seenClasses = Set(TensorBytes.integers(from: try data.readBytes(), dtype: data.dtype).map { Int($0) })
            }
            if inputs.contains("slide_image") {
                let slides = try Self.images(try inputs.dataset("slide_image"), path: path)
                guard slides.count == 1 else {
                    throw RuntimeError.golden(path: path, reason: "inputs/slide_image must hold one image")
                }
                slideImage = slides[0]
                let data = try inputs.dataset("slide_output_size")
                let size = TensorBytes.integers(from: try data.readBytes(), dtype: data.dtype)
                guard size.count == 2, size.allSatisfy({ $0 > 0 }) else {
                    throw RuntimeError.golden(
                        path: path, reason: "inputs/slide_output_size must be two positive integers")
                }
                slideOutputSize = (Int(size[0]), Int(size[1]))
            }
            let group = try root.group("taps")
            var taps: [Tap] = []
            for (index, name) in try group.childNames().enumerated() {
                let data = try group.dataset(name)
                let order = data.hasAttribute("order") ? Int(try data.intAttribute("order")) : index
                var validRows: [Int]?
                if data.hasAttribute("valid_rows") {
                    switch try data.attribute("valid_rows") {
                    case .intArray(let rows): validRows = rows.map { Int($0) }
                    case .int(let rows): validRows = [Int(rows)]
                    default: throw RuntimeError.golden(path: path, reason: "tap '\(name)': valid_rows must be integers")
                    }
                    guard data.shape.count >= 2, validRows?.count == data.shape[0],
                        validRows?.allSatisfy({ (0...data.shape[1]).contains($0) }) == true
                    else {
                        throw RuntimeError.golden(
                            path: path,
                            reason: "tap '\(name)': valid_rows must give one row count per batch item within axis 1")
                    }
                }
                taps.append(
                    Tap(
                        name: name, shape: data.shape, values: try data.readFloats(),
                        isInteger: !data.dtype.isFloatingPoint,
                        validRows: validRows, order: order))
            }
            guard !taps.isEmpty else { throw RuntimeError.golden(path: path, reason: "/taps holds no tap") }
            self.taps = taps.sorted { $0.order < $1.order }
        } catch let error as RuntimeError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .golden(path: path, reason: "\(error)")
        }
    }

    private static func images(_ data: HDF5Dataset, path: String) throws -> [Image] {
        guard data.shape.count == 4, data.shape[1] == 3, data.dtype.isFloatingPoint else {
            throw RuntimeError.golden(
                path: path,
                reason:
                    "\(data.fullName) must be a float [batch, 3, height, width] array, not \(data.dtype.rawValue) \(data.shape)"
            )
        }
        let values = try data.readFloats()
        let (count, height, width) = (data.shape[0], data.shape[2], data.shape[3])
        let size = 3 * height * width
        return try (0..<count).map { index in
            try Image(height: height, width: width, pixels: Array(values[(index * size)..<((index + 1) * size)]))
        }
    }
}
