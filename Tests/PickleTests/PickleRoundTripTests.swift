import Pickle
import PropertyBased
import TensorCore
import Testing

@testable import Checkpoint

/// The writer and the reader share one opcode table; a state dict written by `PickleWriter` reads
/// back through the executing-nothing `PickleMachine` as the same names, dtypes, shapes and strides.
@Suite("Pickle writer → reader")
struct PickleRoundTripTests {
    func read(_ program: [UInt8]) throws -> [(name: String, tensor: TensorReference)] {
        let machine = PickleMachine(
            input: PickleInput(bytes: program, path: "written", member: "data.pkl"), context: .torchSave,
            limits: .default
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: "written", member: "data.pkl", offset: offset)
        }
        let root = try machine.run()
        return try TorchPickle.locateStateDict(root: root, arena: machine.arena, path: "written", limits: .default)
            .tensors
    }

    @Test("random state dicts (any dtype, rank 0–4, unicode keys, over 1,000 entries) read back unchanged")
    func roundTrip() async {
        let key = Gen.element(of: Array("abcXYZ._0123456789ü€")).compactMap { $0 }.array(of: 1...12)
            .map { String($0) }
        let shape = Gen.int(in: 0...300).array(of: 0...4)  // up to 8.1e9 elements: BININT1/2, BININT and LONG1
        await propertyCheck(
            count: 100, input: key.array(of: 0...40), shape.array(of: 40), Gen.int(in: 0...9).array(of: 40),
            Gen.int(in: 0...1_200)
        ) { keys, shapes, dtypeIndices, extra in
            var unique: [String] = []
            for key in keys where !unique.contains(key) { unique.append(key) }
            // A long tail of small entries crosses the writer's 1,000-item SETITEMS batches.
            let many = unique.isEmpty ? 0 : extra
            var items: [(key: String, dtype: DType, shape: [Int])] = unique.enumerated().map { index, key in
                (key, DType.allCases[dtypeIndices[index]], shapes[index])
            }
            for index in 0..<many { items.append(("tail.\(index)", .f16, [index % 7])) }
            guard !items.isEmpty else { return }
            let program = PickleWriter.stateDict(items)
            guard let tensors = try? read(program) else {
                Issue.record("the written program does not read back")
                return
            }
            #expect(tensors.count == items.count)
            for (index, (name, tensor)) in tensors.enumerated() {
                let item = items[index]
                #expect(name == item.key)
                #expect(tensor.storage.dtype == item.dtype && tensor.storage.key == String(index))
                #expect(tensor.shape == item.shape && tensor.storageOffset == 0)
                #expect(tensor.strides == Shape.contiguousStrides(item.shape) || item.shape.contains(0))
                #expect(tensor.storage.elementCount == item.shape.reduce(1, *))
            }
        }
    }

    @Test("every storage class the writer names is one the reader's allowlist accepts, with the same dtype")
    func storageTable() {
        for dtype in DType.allCases {
            let name = TorchStorageType.name(of: dtype)
            guard
                case .storageType(let read)? = GlobalAllowlist.resolve(
                    module: "torch", name: name, context: .torchSave)?.role
            else {
                Issue.record("\(name) is refused")
                continue
            }
            #expect(read == dtype)
        }
    }

    @Test("the writer emits only opcodes of the shared table")
    func opcodes() throws {
        let program = PickleWriter.stateDict([("w", .f32, [2, 3]), ("b", .bf16, [])])
        var machine = PickleBuilder_ProgramScan(program)
        #expect(try machine.allOpcodesKnown())
    }
}

/// Walks a program opcode by opcode with the operand sizes of the opcodes the writer uses.
struct PickleBuilder_ProgramScan {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func allOpcodesKnown() throws -> Bool {
        var index = 0
        while index < bytes.count {
            guard let opcode = PickleOpcode(rawValue: bytes[index]) else { return false }
            index += 1
            switch opcode {
            case .proto, .binInt1, .binPut, .binGet: index += 1
            case .binInt2: index += 2
            case .binInt, .longBinPut: index += 4
            case .long1: index += 1 + Int(bytes[index])
            case .binUnicode:
                let count = Int(bytes[index]) | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]) << 16
                index += 4 + count
            case .global:
                for _ in 0..<2 { while bytes[index] != 0x0A { index += 1 }; index += 1 }
            case .stop: return index == bytes.count
            default: break
            }
        }
        return false
    }
}
