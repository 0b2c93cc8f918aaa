/// One message of an object header: its type, flags and bytes, and where the bytes are in the file.
struct HeaderMessage {
    let type: UInt16
    let flags: UInt8
    let data: ByteCursor

    var offset: UInt64 { data.origin }
}

/// An object header (format specification "Level 2A1"), version 1 or 2, with all its continuation
/// chunks: every chunk inside the file and claimed once, every message inside its chunk, version 2
/// checksums verified, and no shared messages.
struct ObjectHeader {
    /// Message type numbers (format specification "Level 2A2").
    enum MessageType {
        static let nil_: UInt16 = 0x00
        static let dataspace: UInt16 = 0x01
        static let linkInfo: UInt16 = 0x02
        static let datatype: UInt16 = 0x03
        static let fillValueOld: UInt16 = 0x04
        static let fillValue: UInt16 = 0x05
        static let link: UInt16 = 0x06
        static let externalFiles: UInt16 = 0x07
        static let layout: UInt16 = 0x08
        static let groupInfo: UInt16 = 0x0A
        static let filterPipeline: UInt16 = 0x0B
        static let attribute: UInt16 = 0x0C
        static let modificationTimeOld: UInt16 = 0x0E
        static let continuation: UInt16 = 0x10
        static let symbolTable: UInt16 = 0x11
        static let modificationTime: UInt16 = 0x12
        static let attributeInfo: UInt16 = 0x15
        static let referenceCount: UInt16 = 0x16
    }

    /// A message of this flag bit lives elsewhere (a shared-message table or a committed datatype).
    static let sharedFlag: UInt8 = 0x02
    /// Chunks of one header; HDF5 adds one per growth step, so real headers have a handful.
    static let maxChunks = 4096

    let address: UInt64
    let version: Int
    let messages: [HeaderMessage]

    static func read(at address: UInt64, file: PreflightFile) throws(PreflightFailure) -> ObjectHeader {
        try file.claim(address, "the object header at \(address)")
        var probe = try file.read(at: address, count: 4, "an object header")
        if try probe.take(4) == Array("OHDR".utf8) {
            return try readVersion2(at: address, file: file)
        }
        return try readVersion1(at: address, file: file)
    }

    private static func readVersion1(at address: UInt64, file: PreflightFile) throws(PreflightFailure)
        -> ObjectHeader
    {
        var prefix = try file.read(at: address, count: 16, "an object header")
        let version = try prefix.u8()
        guard version == 1 else { throw .malformed(address, "no object header here (version byte \(version))") }
        try prefix.skip(1)
        let declaredCount = Int(try prefix.u16())
        _ = try prefix.u32("the reference count")
        let firstSize = Int(try prefix.u32("the header size"))
        var chunks = [(address + 16, firstSize)]
        var messages: [HeaderMessage] = []
        var index = 0
        while index < chunks.count {
            let (start, size) = chunks[index]
            index += 1
            if index > 1 { try file.claim(start, "the object header chunk at \(start)") }
            var chunk = try file.read(at: start, count: size, "an object header chunk")
            // Version 1 messages are 8-byte aligned and tile the chunk exactly.
            while !chunk.isAtEnd {
                let type = try chunk.u16("a message type")
                let size = Int(try chunk.u16("a message size"))
                let flags = try chunk.u8()
                try chunk.skip(3)
                guard size % 8 == 0 else { throw chunk.failure("message size \(size) is not a multiple of 8") }
                let message = HeaderMessage(type: type, flags: flags, data: try chunk.sub(size, "a message"))
                try append(message, to: &messages, chunks: &chunks, file: file)
            }
        }
        guard messages.count == declaredCount else {
            throw .malformed(address, "the header declares \(declaredCount) messages but holds \(messages.count)")
        }
        return ObjectHeader(address: address, version: 1, messages: messages)
    }

    private static func readVersion2(at address: UInt64, file: PreflightFile) throws(PreflightFailure)
        -> ObjectHeader
    {
        // The longest prefix is 34 bytes; a small last header may end sooner.
        let prefixBytes = Int(min(40, file.end - address))
        var prefix = try file.read(at: address, count: prefixBytes, "an object header")
        try prefix.signature("OHDR")
        let version = try prefix.u8()
        guard version == 2 else { throw prefix.failure("object header version \(version) is not 2") }
        let flags = try prefix.u8()
        guard flags & 0xC0 == 0 else { throw prefix.failure("object header flags \(flags) set reserved bits") }
        if flags & 0x20 != 0 { try prefix.skip(16, "the time stamps") }
        if flags & 0x10 != 0 {
            let maxCompact = try prefix.u16(), minDense = try prefix.u16()
            guard minDense <= maxCompact &+ 1 else {
                throw prefix.failure("attribute storage limits \(maxCompact)/\(minDense) are inconsistent")
            }
        }
        let firstSize = Int(try prefix.unsigned(byteCount: 1 << Int(flags & 0x03), "the size of chunk 0"))
        let hasCreationOrder = flags & 0x04 != 0
        let prefixSize = prefix.position
        guard firstSize <= Int.max - prefixSize - 4 else { throw prefix.failure("chunk 0 size \(firstSize)") }
        var chunks = [(address, prefixSize + firstSize + 4)]
        var messages: [HeaderMessage] = []
        var index = 0
        while index < chunks.count {
            let (start, size) = chunks[index]
            index += 1
            if index > 1 { try file.claim(start, "the object header chunk at \(start)") }
            var chunk = try file.read(at: start, count: size, "an object header chunk")
            guard size >= (index == 1 ? prefixSize : 4) + 4 else { throw chunk.failure("chunk of \(size) bytes") }
            var tail = ByteCursor(Array(chunk.bytes.suffix(4)), origin: 0)
            let stored = try tail.u32()
            guard Lookup3.hash(chunk.bytes.dropLast(4)) == stored else {
                throw chunk.failure("the object header checksum does not match")
            }
            if index == 1 { try chunk.skip(prefixSize) } else { try chunk.signature("OCHK") }
            var body = try chunk.sub(chunk.remaining - 4, "the messages")
            let headerSize = hasCreationOrder ? 6 : 4
            // Fewer bytes than a message header at the end are a gap.
            while body.remaining >= headerSize {
                let type = UInt16(try body.u8("a message type"))
                let size = Int(try body.u16("a message size"))
                let messageFlags = try body.u8()
                if hasCreationOrder { try body.skip(2) }
                let message = HeaderMessage(type: type, flags: messageFlags, data: try body.sub(size, "a message"))
                try append(message, to: &messages, chunks: &chunks, file: file)
            }
        }
        return ObjectHeader(address: address, version: 2, messages: messages)
    }

    /// Adds a message; a continuation message adds its chunk instead.
    private static func append(
        _ message: HeaderMessage, to messages: inout [HeaderMessage], chunks: inout [(UInt64, Int)],
        file: PreflightFile
    ) throws(PreflightFailure) {
        guard message.flags & sharedFlag == 0 else {
            throw .malformed(message.offset, "a shared header message (message type \(message.type)) is not accepted")
        }
        guard messages.count < Int(UInt16.max) else { throw .limit("messages in one object header", 65535) }
        messages.append(message)
        guard message.type == MessageType.continuation else { return }
        var data = message.data
        let address = try data.u64("a continuation address")
        let length = try data.u64("a continuation length")
        guard length >= 8, length <= UInt64(Int32.max), file.contains(address, length: length) else {
            throw .malformed(message.offset, "continuation chunk \(address) + \(length) lies outside the file")
        }
        guard chunks.count < maxChunks else { throw .limit("chunks of one object header", maxChunks) }
        chunks.append((address, Int(length)))
    }
}
