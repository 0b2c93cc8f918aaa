import TensorCore

/// An attribute message (format specification "Level 2A2", type 0x000C), versions 1 – 3, whether in
/// an object header or a fractal heap: a NUL-terminated name, a datatype and a dataspace each within
/// their stated sizes, and a value that fits the rest of the message. Variable-length string values
/// are returned as global heap references for the caller to check.
struct AttributeMessage {
    let name: String
    let datatype: FileDatatype
    let elementCount: Int
    /// One per element of a variable-length string attribute.
    let stringReferences: [GlobalHeapReference]

    static func decode(_ data: ByteCursor, limits: HDF5Limits) throws(PreflightFailure) -> AttributeMessage {
        var cursor = data
        let start = cursor.fileOffset
        let version = try cursor.u8("the attribute version")
        guard (1...3).contains(version) else { throw .malformed(start, "attribute message version \(version)") }
        let flags = try cursor.u8()
        guard version == 1 || flags == 0 else {
            throw .malformed(start, "a shared datatype or dataspace in an attribute is not accepted")
        }
        let nameSize = Int(try cursor.u16("the attribute name size"))
        let datatypeSize = Int(try cursor.u16("the attribute datatype size"))
        let dataspaceSize = Int(try cursor.u16("the attribute dataspace size"))
        if version == 3 {
            let encoding = try cursor.u8("the name encoding")
            guard encoding <= 1 else { throw .malformed(start, "name encoding \(encoding)") }
        }
        func padded(_ size: Int) -> Int { version == 1 ? (size + 7) / 8 * 8 : size }
        let nameBytes = try cursor.take(padded(nameSize), "the attribute name")
        let name = try Names.decode(Array(nameBytes.prefix(nameSize)), terminated: true, at: start, what: "attribute")
        var datatypeCursor = try cursor.sub(padded(datatypeSize), "the attribute datatype")
        let datatype = try FileDatatype.decode(&datatypeCursor)
        guard datatypeCursor.position <= datatypeSize else {
            throw .malformed(start, "attribute \(Names.quoted(name)): the datatype overruns its \(datatypeSize) bytes")
        }
        var dataspaceCursor = try cursor.sub(padded(dataspaceSize), "the attribute dataspace")
        let dataspace = try Dataspace.decode(&dataspaceCursor)
        guard dataspaceCursor.position <= dataspaceSize else {
            throw .malformed(
                start, "attribute \(Names.quoted(name)): the dataspace overruns its \(dataspaceSize) bytes")
        }
        let count = try dataspace.elementCount(at: start)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(datatype.size))
        guard !overflow, bytes <= UInt64(limits.maxAttributeBytes) else {
            throw .limit("the value of attribute \(Names.quoted(name))", limits.maxAttributeBytes)
        }
        guard Int(bytes) <= cursor.remaining else {
            throw .malformed(
                start,
                "attribute \(Names.quoted(name)) claims \(bytes) bytes of value, the message holds \(cursor.remaining)")
        }
        var references: [GlobalHeapReference] = []
        if case .variableString = datatype {
            for _ in 0..<count {
                references.append(
                    GlobalHeapReference(
                        length: try cursor.u32("a string length"), collection: try cursor.u64("a heap address"),
                        index: try cursor.u32("a heap index"), offset: cursor.fileOffset))
            }
        }
        return AttributeMessage(name: name, datatype: datatype, elementCount: Int(count), stringReferences: references)
    }
}

/// Names of links and attributes: what the reader can safely join into paths and print.
enum Names {
    static let maxLength = 4096

    /// A name from the file, quoted and escaped for a one-line message.
    static func quoted(_ name: String) -> String { "'" + name.escapedForTerminal(maxLength: 200) + "'" }

    /// `bytes` as a name: valid UTF-8 without NUL or `/`, at most `maxLength` bytes; with
    /// `terminated`, the last byte must be the NUL.
    static func decode(_ bytes: [UInt8], terminated: Bool, at offset: UInt64, what: String) throws(PreflightFailure)
        -> String
    {
        var body = bytes[...]
        if terminated {
            guard body.last == 0 else { throw .malformed(offset, "\(what) name is not NUL-terminated") }
            body = body.dropLast()
        }
        guard !body.isEmpty, body.count <= maxLength else {
            throw .malformed(offset, "\(what) name of \(body.count) bytes (1 … \(maxLength))")
        }
        guard !body.contains(0), !body.contains(UInt8(ascii: "/")) || what == "attribute",
            let name = String(validating: body, as: UTF8.self)
        else { throw .malformed(offset, "\(what) name is not UTF-8 text without NUL or '/'") }
        guard name != "." || what == "attribute" else { throw .malformed(offset, "\(what) name '.'") }
        return name
    }
}
