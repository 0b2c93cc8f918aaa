import Foundation
import Inference
import Testing

/// The `.npy`/`.npz` bytes follow numpy's format (header checked against what `numpy.save` writes).
@Suite("NumPy files")
struct NumpyEncodingTests {
    @Test("an .npy header is numpy.save's, padded to 64 bytes, followed by little-endian float32")
    func npy() {
        let bytes = NumpyEncoding.npy(.init(name: "x", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        // numpy 2.x: np.save of a float32 (2, 3) array writes this 128-byte header.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0)
        #expect(String(decoding: bytes[10..<(10 + header.utf8.count)], as: UTF8.self) == header)
        #expect(bytes.count == 10 + length + 24)
        #expect(Array(bytes[(10 + length)..<(14 + length)]) == [0, 0, 0x80, 0x3F])
    }

    @Test("an .npz is a zip whose members are the arrays' .npy files")
    func npz() {
        let bytes = NumpyEncoding.npz([
            .init(name: "a", shape: [1], values: [1]), .init(name: "b", shape: [2], values: [2, 3]),
        ])
        #expect(Array(bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        #expect(Array(bytes[(bytes.count - 22)..<(bytes.count - 18)]) == [0x50, 0x4B, 0x05, 0x06])
        #expect(String(decoding: bytes[30..<35], as: UTF8.self) == "a.npy")
    }
}
