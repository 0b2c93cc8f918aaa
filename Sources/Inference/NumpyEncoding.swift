/// `.npy` and `.npz` bytes of float32 arrays, as `numpy.save` and `numpy.savez` write them: NPY format 1.0
/// (magic, version, a Python-literal header padded so the data starts on a 64-byte boundary, then the
/// little-endian C-order values); `.npz` is a stored (uncompressed) zip of one `<name>.npy` per array.
public enum NumpyEncoding {
    /// One named float32 array.
    public struct Array: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public static func npy(_ array: Array) -> [UInt8] {
        let dimensions =
            array.shape.count == 1
            ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }"
        // magic (6) + version (2) + length (2) + dictionary + '\n' is a multiple of 64.
        let unpadded = 10 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8) + [1, 0]
        bytes += littleEndian(UInt16(dictionary.utf8.count))
        bytes += Swift.Array(dictionary.utf8)
        bytes.reserveCapacity(bytes.count + array.values.count * 4)
        for value in array.values { bytes += littleEndian(value.bitPattern) }
        return bytes
    }

    /// A zip archive of `<name>.npy` members, stored without compression (as `numpy.savez`). Check `fitsZip`
    /// first: sizes past 4 GiB need zip64, which this writer does not produce.
    public static func npz(_ arrays: [Array]) -> [UInt8] {
        var archive: [UInt8] = []
        var directory: [UInt8] = []
        for array in arrays {
            let name = Swift.Array((array.name + ".npy").utf8)
            let data = npy(array)
            let crc = CRC32.checksum(data)
            let offset = archive.count
            // Local file header: version 2.0, no flags, stored, no time stamp.
            archive += littleEndian(UInt32(0x0403_4b50)) + littleEndian(UInt16(20)) + littleEndian(UInt16(0))
            archive += littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0x21))
            archive += littleEndian(crc) + littleEndian(UInt32(data.count)) + littleEndian(UInt32(data.count))
            archive += littleEndian(UInt16(name.count)) + littleEndian(UInt16(0)) + name + data
            directory += littleEndian(UInt32(0x0201_4b50)) + littleEndian(UInt16(20)) + littleEndian(UInt16(20))
            directory += littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
            directory += littleEndian(UInt16(0x21)) + littleEndian(crc) + littleEndian(UInt32(data.count))
            directory += littleEndian(UInt32(data.count)) + littleEndian(UInt16(name.count))
            directory += littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
            directory += littleEndian(UInt16(0)) + littleEndian(UInt32(0)) + littleEndian(UInt32(offset)) + name
        }
        let directoryOffset = archive.count
        archive += directory
        archive += littleEndian(UInt32(0x0605_4b50)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
        archive += littleEndian(UInt16(arrays.count)) + littleEndian(UInt16(arrays.count))
        archive += littleEndian(UInt32(directory.count)) + littleEndian(UInt32(directoryOffset))
        archive += littleEndian(UInt16(0))
        return archive
    }

    /// Whether `arrays` fit a zip without its 64-bit extensions (each member and the whole under 4 GiB).
    public static func fitsZip(_ arrays: [Array]) -> Bool {
        arrays.count < Int(UInt16.max) && arrays.reduce(0) { $0 + $1.values.count * 4 + 256 } < Int(UInt32.max)
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Swift.Array($0) }
    }
}

/// The zip CRC-32 (polynomial 0xEDB88320).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
