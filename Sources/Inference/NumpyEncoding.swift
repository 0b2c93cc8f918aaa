import TensorCore
import ZipArchive

/// `.npy` and `.npz` bytes of float32 arrays, as `numpy.save` and `numpy.savez` write them: `NumpyFormat`'s
/// header and the little-endian C-order values; `.npz` is a stored (uncompressed) zip of one `<name>.npy` per
/// array, held in memory (`export` streams its archives through `ZipWriter` instead).
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
        var bytes = NumpyFormat.header(descriptor: "<f4", shape: array.shape)
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
            let crc = ZipArchive.crc32(data)
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
