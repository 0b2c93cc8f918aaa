import ONNXProto
import Testing

/// The protobuf wire walk under the ONNX reader, on hand-made bytes.
@Suite("ONNX protobuf wire walk")
struct WireFormatTests {
    func fields(_ bytes: [UInt8]) throws(ONNXProtoError) -> [WireField] {
        let buffer = WireBuffer(bytes)
        var cursor = WireCursor(source: buffer, start: 0, end: bytes.count, context: "test")
        var found: [WireField] = []
        while let field = try cursor.nextField() { found.append(field) }
        return found
    }

    @Test("varints, fixed-width and length-delimited fields are located, payloads not read")
    func walk() throws {
        // field 1 varint 300, field 2 fixed32, field 9 bytes "abc", field 3 fixed64
        let bytes: [UInt8] = [
            0x08, 0xAC, 0x02, 0x15, 1, 2, 3, 4, 0x4A, 3, 0x61, 0x62, 0x63, 0x19, 1, 0, 0, 0, 0, 0, 0, 0,
        ]
        let found = try fields(bytes)
        #expect(found.map(\.number) == [1, 2, 9, 3])
        #expect(found[0].scalar == 300)
        #expect(found[1].scalar == 0x0403_0201)
        #expect(found[2].valueOffset == 10 && found[2].valueLength == 3)
        #expect(found[3].scalar == 1)
    }

    @Test("groups, field number 0, overlong varints and overruns are refused with the byte offset")
    func refusals() {
        func refusal(_ bytes: [UInt8]) -> ONNXProtoError? {
            do { _ = try fields(bytes); return nil } catch { return error }
        }
        guard case .malformed(0, let group)? = refusal([0x0B]) else { Issue.record("group accepted"); return }
        #expect(group.contains("group"))
        guard case .malformed(0, _)? = refusal([0x00, 0x01]) else { Issue.record("field 0 accepted"); return }
        guard case .malformed? = refusal([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01]) else {
            Issue.record("11-byte varint accepted"); return
        }
        guard case .truncated(0, let detail)? = refusal([0x0A, 0x05, 0x61]) else {
            Issue.record("overrun accepted"); return
        }
        #expect(detail.contains("claims 5 bytes"))
        guard case .truncated? = refusal([0x08, 0x80]) else { Issue.record("cut varint accepted"); return }
    }

    @Test("packed varints decode, and a cut one is refused")
    func packed() throws {
        #expect(try WireScalars.varints([0x01, 0xAC, 0x02, 0xFF, 0xFF, 0x03], offset: 0) == [1, 300, 65535])
        #expect(throws: ONNXProtoError.self) { _ = try WireScalars.varints([0x80], offset: 7) }
    }

    @Test("a byte source that fails is reported as unreadable, with the offset, through the typed error")
    func failingSource() {
        struct FailingSource: WireByteSource {
            var byteCount: Int { 100 }
            func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws(ONNXProtoError) {
                throw .unreadable(offset: offset, reason: "disk on fire")
            }
        }
        #expect(throws: ONNXProtoError.unreadable(offset: 0, reason: "disk on fire")) {
            _ = try ONNXModelScanner.scan(FailingSource())
        }
    }

    @Test("messages quoting the file escape control characters")
    func escapedMessages() {
        let error = ONNXProtoError.malformed(offset: 3, reason: "name 'a\u{1B}[2J'")
        #expect(error.description == "not valid protobuf at byte 3: name 'a\\u{1b}[2J'")
    }
}
