/// The walk of `HDF5Preflight`: every object reachable from the root, depth first, with its
/// attributes, its links (groups) or its storage (datasets).
struct PreflightWalk {
    let file: PreflightFile
    let superblock: Superblock
    let limits: HDF5Limits
    var summary = HDF5Preflight.Summary()
    private var objectCount = 0
    private var globalHeaps: [UInt64: GlobalHeapCollection] = [:]
    /// Datasets may have several hard links (h5py ties equal tensors so); groups may not, which
    /// rules out cycles and keeps every walk over the groups linear.
    private var datasets: Set<UInt64> = []

    init(file: PreflightFile, superblock: Superblock, limits: HDF5Limits) {
        self.file = file
        self.superblock = superblock
        self.limits = limits
    }

    private typealias Type_ = ObjectHeader.MessageType

    /// Messages a group or dataset may hold at most once, and the ones HDF5 keeps as bookkeeping.
    private static let single: Set<UInt16> = [
        Type_.dataspace, Type_.datatype, Type_.layout, Type_.fillValue, Type_.fillValueOld, Type_.filterPipeline,
        Type_.linkInfo, Type_.groupInfo, Type_.symbolTable, Type_.attributeInfo, Type_.referenceCount,
        Type_.modificationTime, Type_.modificationTimeOld,
    ]
    private static let refusedNames: [UInt16: String] = [
        0x07: "external data files (they read other files)", 0x09: "a bogus message", 0x0D: "an object comment",
        0x0F: "a shared message table", 0x13: "B-tree K values", 0x14: "driver information",
        0x17: "file space information",
    ]

    mutating func visitRoot() throws(PreflightFailure) {
        try visitObject(
            at: superblock.rootObjectHeader, path: "/", depth: 0, cachedSymbolTable: superblock.rootSymbolTableCache)
    }

    private mutating func visitObject(
        at address: UInt64, path: String, depth: Int, cachedSymbolTable: (btree: UInt64, heap: UInt64)?
    ) throws(PreflightFailure) {
        guard depth <= limits.maxDepth else { throw .limit("depth of nested groups", limits.maxDepth) }
        objectCount += 1
        guard objectCount <= limits.maxObjects else { throw .limit("objects in the file", limits.maxObjects) }
        guard file.contains(address, length: 16) else {
            throw .malformed(address, "its object header lies outside the file")
        }
        if datasets.contains(address) {
            guard cachedSymbolTable == nil else {
                throw .malformed(address, "a dataset listed with a cached symbol table")
            }
            return
        }
        var children: [(link: LinkMessages.Link, cache: (btree: UInt64, heap: UInt64)?)] = []
        do throws(PreflightFailure) {
            children = try checkObject(at: address, cachedSymbolTable: cachedSymbolTable)
        } catch {
            throw error.within(quoted(path))
        }
        for (link, cache) in children {
            try visitObject(
                at: link.address, path: path == "/" ? "/" + link.name : path + "/" + link.name, depth: depth + 1,
                cachedSymbolTable: cache)
        }
    }

    /// Checks one object's header, attributes and storage; a group's links are returned.
    private mutating func checkObject(
        at address: UInt64, cachedSymbolTable: (btree: UInt64, heap: UInt64)?
    ) throws(PreflightFailure) -> [(link: LinkMessages.Link, cache: (btree: UInt64, heap: UInt64)?)] {
        let header = try ObjectHeader.read(at: address, file: file)
        var byType: [UInt16: [HeaderMessage]] = [:]
        for message in header.messages {
            if let refused = Self.refusedNames[message.type] {
                throw .malformed(message.offset, "\(refused) is not accepted")
            }
            guard message.type <= Type_.referenceCount, message.type != 0x09 else {
                throw .malformed(message.offset, "unknown message type \(message.type)")
            }
            byType[message.type, default: []].append(message)
        }
        for (type, messages) in byType where Self.single.contains(type) && messages.count > 1 {
            throw .malformed(messages[1].offset, "message type \(type) appears twice")
        }
        try checkBookkeeping(byType)
        try checkAttributes(compact: byType[Type_.attribute] ?? [], info: byType[Type_.attributeInfo]?.first)
        let groupTypes = [Type_.linkInfo, Type_.groupInfo, Type_.link, Type_.symbolTable]
        let datasetTypes = [
            Type_.dataspace, Type_.datatype, Type_.layout, Type_.fillValue, Type_.fillValueOld, Type_.filterPipeline,
        ]
        let isGroup = groupTypes.contains { byType[$0] != nil }
        let isDataset = datasetTypes.contains { byType[$0] != nil }
        switch (isGroup, isDataset) {
        case (true, false):
            summary.groups += 1
            return try groupLinks(byType, cachedSymbolTable: cachedSymbolTable)
        case (false, true):
            guard cachedSymbolTable == nil else {
                throw .malformed(address, "a dataset listed with a cached symbol table")
            }
            summary.datasets += 1
            datasets.insert(address)
            try checkDataset(byType)
            return []
        case (true, true):
            throw .malformed(address, "an object with both group and dataset messages")
        case (false, false):
            throw .malformed(address, "neither a group nor a dataset (committed datatypes are not accepted)")
        }
    }

    /// Modification times and reference counts: only their sizes matter to a reader.
    private func checkBookkeeping(_ byType: [UInt16: [HeaderMessage]]) throws(PreflightFailure) {
        for message in (byType[Type_.modificationTime] ?? []) + (byType[Type_.referenceCount] ?? []) {
            var cursor = message.data
            let version = try cursor.u8()
            let expected: UInt8 = message.type == Type_.modificationTime ? 1 : 0
            guard version == expected, cursor.remaining >= 4 else {
                throw .malformed(message.offset, "message type \(message.type) version \(version)")
            }
        }
        for message in byType[Type_.modificationTimeOld] ?? [] where message.data.remaining < 14 {
            throw .malformed(message.offset, "a short modification time")
        }
    }

    // MARK: Groups

    private mutating func groupLinks(
        _ byType: [UInt16: [HeaderMessage]], cachedSymbolTable: (btree: UInt64, heap: UInt64)?
    ) throws(PreflightFailure) -> [(link: LinkMessages.Link, cache: (btree: UInt64, heap: UInt64)?)] {
        var links: [(link: LinkMessages.Link, cache: (btree: UInt64, heap: UInt64)?)] = []
        if let message = byType[Type_.symbolTable]?.first {
            guard byType[Type_.linkInfo] == nil, byType[Type_.link] == nil else {
                throw .malformed(message.offset, "a symbol table beside link messages")
            }
            let table = try LinkMessages.symbolTable(message.data)
            if let cachedSymbolTable, cachedSymbolTable != table {
                throw .malformed(message.offset, "its cached symbol table differs from its own")
            }
            for entry in try SymbolTableGroup.links(
                btree: table.btree, heap: table.heap, superblock: superblock, file: file, limits: limits)
            {
                links.append((entry.link, entry.cache))
            }
        } else {
            guard cachedSymbolTable == nil else {
                throw .malformed(0, "cached as a symbol-table group but it has none")
            }
            guard let info = byType[Type_.linkInfo]?.first else {
                throw .malformed(byType[Type_.link]?.first?.offset ?? 0, "links without link info")
            }
            for message in byType[Type_.groupInfo] ?? [] { try LinkMessages.checkGroupInfo(message.data) }
            let storage = try LinkMessages.linkInfo(info.data)
            let compact = byType[Type_.link] ?? []
            if storage.isDense {
                guard compact.isEmpty else {
                    throw .malformed(info.offset, "link messages beside dense link storage")
                }
                for object in try denseObjects(storage, idLength: 7, nameType: 5, orderType: 6) {
                    let link = try LinkMessages.link(object.message)
                    guard Lookup3.hash(Array(link.name.utf8)) == object.nameHash else {
                        throw .malformed(object.message.offset, "link name hash does not match")
                    }
                    links.append((link, nil))
                }
            } else {
                for message in compact { links.append((try LinkMessages.link(message.data), nil)) }
            }
        }
        guard links.count <= limits.maxLinksPerGroup else {
            throw .limit("links", limits.maxLinksPerGroup)
        }
        var names: Set<String> = []
        for (link, _) in links where !names.insert(link.name).inserted {
            throw .malformed(0, "two links named \(Names.quoted(link.name))")
        }
        return links
    }

    /// The objects of dense storage, read through the name index and checked against the
    /// creation-order index when there is one (both must list the same heap IDs).
    private func denseObjects(
        _ storage: LinkMessages.DenseStorage, idLength: Int, nameType: UInt8, orderType: UInt8
    ) throws(PreflightFailure) -> [(message: ByteCursor, nameHash: UInt32)] {
        let heap = try FractalHeap(at: storage.heap, file: file)
        guard heap.idLength == idLength else {
            throw .malformed(storage.heap, "heap IDs of \(heap.idLength) bytes, expected \(idLength)")
        }
        let limit = nameType == 5 ? limits.maxLinksPerGroup : limits.maxAttributesPerObject
        let what = nameType == 5 ? "links" : "attributes"
        var objects: [(ByteCursor, UInt32)] = []
        var ids: Set<[UInt8]> = []
        for var record in try V2BTree.records(
            at: storage.nameIndex, type: nameType, file: file, limit: limit, what: what)
        {
            let id: ByteCursor
            var hash: UInt32
            if nameType == 5 {
                hash = try record.u32("a name hash")
                id = try record.sub(idLength, "a heap ID")
            } else {
                id = try record.sub(idLength, "a heap ID")
                try checkRecordFlags(&record)
                hash = try record.u32("a name hash")
            }
            guard ids.insert(id.bytes).inserted else { throw record.failure("a heap ID listed twice") }
            objects.append((try heap.object(id), hash))
        }
        if let order = storage.creationOrderIndex {
            var orderIDs: Set<[UInt8]> = []
            for var record in try V2BTree.records(at: order, type: orderType, file: file, limit: limit, what: what) {
                if orderType == 6 { _ = try record.u64("a creation order") }
                let id = try record.take(idLength, "a heap ID")
                if orderType == 9 { try checkRecordFlags(&record) }
                orderIDs.insert(id)
            }
            guard orderIDs == ids else {
                throw .malformed(
                    order, "the creation-order index lists other objects than the name index")
            }
        }
        return objects
    }

    /// Attribute index records carry the message flags: a shared attribute is refused.
    private func checkRecordFlags(_ record: inout ByteCursor) throws(PreflightFailure) {
        let flags = try record.u8("message flags")
        guard flags & ObjectHeader.sharedFlag == 0 else { throw record.failure("a shared attribute") }
        _ = try record.u32("a creation order")
    }

    // MARK: Attributes

    private mutating func checkAttributes(compact: [HeaderMessage], info: HeaderMessage?)
        throws(PreflightFailure)
    {
        var attributes: [AttributeMessage] = []
        let storage = try info.map { message throws(PreflightFailure) in try LinkMessages.attributeInfo(message.data) }
        if let info, let storage, storage.isDense {
            guard compact.isEmpty else {
                throw .malformed(info.offset, "attribute messages beside dense attribute storage")
            }
            for object in try denseObjects(storage, idLength: 8, nameType: 8, orderType: 9) {
                let attribute = try AttributeMessage.decode(object.message, limits: limits)
                guard Lookup3.hash(Array(attribute.name.utf8)) == object.nameHash else {
                    throw .malformed(object.message.offset, "attribute name hash does not match")
                }
                attributes.append(attribute)
            }
        } else {
            for message in compact { attributes.append(try AttributeMessage.decode(message.data, limits: limits)) }
        }
        guard attributes.count <= limits.maxAttributesPerObject else {
            throw .limit("attributes", limits.maxAttributesPerObject)
        }
        var names: Set<String> = []
        for attribute in attributes {
            guard names.insert(attribute.name).inserted else {
                throw .malformed(0, "two attributes named \(Names.quoted(attribute.name))")
            }
            for reference in attribute.stringReferences { try checkString(reference) }
        }
        summary.attributes += attributes.count
    }

    private mutating func checkString(_ reference: GlobalHeapReference) throws(PreflightFailure) {
        if reference.collection == 0 {
            guard reference.length == 0 else {
                throw .malformed(reference.offset, "a string of \(reference.length) bytes without a heap object")
            }
            return
        }
        guard UInt64(reference.length) <= UInt64(limits.maxAttributeBytes) else {
            throw .limit("the length of one string", limits.maxAttributeBytes)
        }
        let collection: GlobalHeapCollection
        if let known = globalHeaps[reference.collection] {
            collection = known
        } else {
            collection = try GlobalHeapCollection.read(at: reference.collection, file: file, limits: limits)
            globalHeaps[reference.collection] = collection
        }
        try collection.check(reference)
    }

    // MARK: Datasets

    private func checkDataset(_ byType: [UInt16: [HeaderMessage]]) throws(PreflightFailure) {
        guard let spaceMessage = byType[Type_.dataspace]?.first, let typeMessage = byType[Type_.datatype]?.first,
            let layoutMessage = byType[Type_.layout]?.first
        else { throw .malformed(0, "a dataset needs a dataspace, a datatype and a layout") }
        var cursor = spaceMessage.data
        let space = try Dataspace.decode(&cursor)
        cursor = typeMessage.data
        let type = try FileDatatype.decode(&cursor)
        if case .variableString = type {
            throw .malformed(
                typeMessage.offset, "variable-length strings in datasets are not accepted")
        }
        cursor = layoutMessage.data
        let layout = try DataLayout.decode(&cursor)
        for message in (byType[Type_.fillValue] ?? []) + (byType[Type_.fillValueOld] ?? []) {
            try FillValue.check(message, elementSize: type.size)
        }
        var filters: [UInt16] = []
        if let message = byType[Type_.filterPipeline]?.first {
            var pipeline = message.data
            filters = try FilterPipeline.decode(&pipeline).filters
        }
        let count = try space.elementCount(at: spaceMessage.offset)
        let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(type.size))
        guard !overflow, total <= UInt64(limits.maxDatasetBytes) else {
            throw .limit("the bytes of the dataset", limits.maxDatasetBytes)
        }
        switch layout {
        case .compact(let byteCount):
            guard UInt64(byteCount) == total, filters.isEmpty else {
                throw .malformed(
                    layoutMessage.offset, "\(byteCount) compact bytes for \(total) bytes of data")
            }
        case .contiguous(let address, let byteCount):
            guard filters.isEmpty else {
                throw .malformed(layoutMessage.offset, "filters on contiguous data")
            }
            guard address == Superblock.undefined || byteCount == total else {
                throw .malformed(layoutMessage.offset, "\(byteCount) bytes of data for \(total) bytes of elements")
            }
            guard address == Superblock.undefined || file.contains(address, length: byteCount) else {
                throw .malformed(
                    layoutMessage.offset,
                    "its data (\(byteCount) bytes at \(address)) lies past the end of the file (\(file.end) bytes)")
            }
        case .chunked(let btree, let chunk, let elementSize):
            guard chunk.count == space.dimensions.count, elementSize == UInt64(type.size) else {
                throw .malformed(
                    layoutMessage.offset,
                    "chunks of rank \(chunk.count) and \(elementSize)-byte elements")
            }
            var chunkBytes = elementSize
            for size in chunk {
                let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: size)
                guard !overflow, product <= UInt64(limits.maxChunkBytes) else {
                    throw .limit("the bytes of one chunk", limits.maxChunkBytes)
                }
                chunkBytes = product
            }
            if btree != Superblock.undefined {
                try ChunkIndex.check(
                    btree: btree, dimensions: space.dimensions, chunk: chunk, chunkBytes: chunkBytes,
                    filters: filters, superblock: superblock, file: file, limits: limits)
            }
        }
    }

    private func quoted(_ path: String) -> String { Names.quoted(path) }
}
