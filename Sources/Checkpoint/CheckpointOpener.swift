/// What the first bytes of a file say it is. The extension is never consulted.
public enum SniffedFormat: Sendable, Equatable {
    case zip
    case legacyTorch
    case safetensors
    case hdf5
    case onnx
}

/// Picks the reader for a file from its magic bytes.
public enum CheckpointOpener {
    /// Identifies the container of `path`, or throws a message saying what the file looks like instead.
    public static func sniff(path: String) throws(CheckpointError) -> SniffedFormat {
        let file = try RandomAccessFile(path: path)
        guard file.size > 0 else { throw .emptyFile(path: path) }
        let head = try file.read(at: 0, count: min(file.size, 32))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .hdf5 }
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) {
            // The legacy format's first pickle is the magic number: LONG1 of 10 bytes (after an
            // optional protocol-4 FRAME of 9 bytes).
            let body =
                head[1] >= 4 && head.count > 2 && head[2] == 0x95 ? Array(head.dropFirst(11)) : Array(head.dropFirst(2))
            if body.starts(with: [0x8A, 0x0A] + LegacyTorchCheckpoint.magicNumber) { return .legacyTorch }
            throw .unknownFormat(
                path: path,
                detail: "a bare pickle, not written by torch.save; it is refused because unpickling it could run code")
        }
        if head.count >= 9, head[8] == 0x7B {  // '{' after the 8-byte header length
            var length: UInt64 = 0
            for index in 0..<8 { length |= UInt64(head[index]) << (8 * UInt64(index)) }
            if length > 1, length <= UInt64(file.size) { return .safetensors }
            return .safetensors  // let the reader explain the bad length
        }
        if isLikelyONNX(head) { return .onnx }
        if head.starts(with: Array(gitLFSPointerStart.utf8)) {
            throw .unknownFormat(path: path, detail: "a Git LFS pointer, not the weights: run `git lfs pull`")
        }
        if head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) || $0 >= 0x80 }) {
            throw .unknownFormat(path: path, detail: "it looks like a text file")
        }
        let hex = head.prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
        throw .unknownFormat(path: path, detail: "unrecognised leading bytes \(hex)")
    }

    /// ONNX files are a protobuf `ModelProto` whose first field is `ir_version` (field 1, varint: 0x08).
    static func isLikelyONNX(_ head: [UInt8]) -> Bool {
        head.count >= 2 && head[0] == 0x08 && head[1] < 0x80 && head[1] > 0
    }

    /// How a Git LFS pointer file (what a clone without `git lfs pull` holds) begins.
    static let gitLFSPointerStart = "version https://git-lfs"

    /// A zip archive ends with its end-of-central-directory record (within the last 64 KiB + 22
    /// bytes, after the archive comment); without one the download or copy stopped early.
    static func checkZipEnd(path: String) throws(CheckpointError) {
        let file = try RandomAccessFile(path: path)
        let count = min(file.size, 65_535 + 22)
        let tail = try file.read(at: file.size - count, count: count)
        let signature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        guard tail.count >= 4 else {
            throw .truncated(path: path, detail: "no zip end-of-central-directory record: incomplete download?")
        }
        for start in stride(from: tail.count - 4, through: 0, by: -1) where tail[start] == 0x50 {
            if Array(tail[start..<(start + 4)]) == signature { return }
        }
        throw .truncated(path: path, detail: "no zip end-of-central-directory record: incomplete download?")
    }

    /// Opens `path` with the reader its magic bytes call for.
    public static func open(path: String, limits: ReaderLimits = .default) throws(CheckpointError)
        -> any CheckpointReader
    {
        switch try sniff(path: path) {
        case .zip:
            try checkZipEnd(path: path)
            return try TorchZipCheckpoint(path: path, limits: limits)
        case .legacyTorch: return try LegacyTorchCheckpoint(path: path, limits: limits)
        case .safetensors: return try SafetensorsCheckpoint(path: path, limits: limits)
        case .hdf5:
            throw .unknownFormat(
                path: path, detail: "an HDF5 file, which is an output of this tool, not a checkpoint to convert")
        case .onnx: return try ONNXCheckpoint(path: path, limits: limits)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
