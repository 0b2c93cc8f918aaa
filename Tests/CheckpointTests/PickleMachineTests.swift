import TensorCore
import Testing
import _TestSupport

@testable import Checkpoint

/// The pickle VM on programs built opcode by opcode.
@Suite("Pickle machine")
struct PickleMachineTests {
    func run(_ builder: PickleBuilder, context: PickleContext = .torchSave, limits: ReaderLimits = .default)
        throws(CheckpointError) -> (PickleMachine, PickleValue)
    {
        let machine = PickleMachine(
            input: PickleInput(bytes: builder.bytes, path: "test.pkl", member: "data.pkl"),
            context: context, limits: limits
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(
                from: identifier, arena: arena, path: "test.pkl", member: "data.pkl", offset: offset)
        }
        return (machine, try machine.run())
    }

    @Test("a state dict with one tensor view")
    func stateDict() throws {
        var pickle = PickleBuilder()
        pickle.global("collections", "OrderedDict")
        pickle.emptyTuple()
        pickle.reduce()
        pickle.binPut(0)
        pickle.mark()
        pickle.string("weight")
        pickle.tensor(type: "HalfStorage", key: "0", storageElements: 12, offset: 2, shape: [2, 3], strides: [1, 2])
        pickle.setItems()
        pickle.stop()
        let (machine, root) = try run(pickle)
        let located = try TorchPickle.locateStateDict(
            root: root, arena: machine.arena, path: "test.pkl", limits: .default)
        #expect(located.tensors.count == 1)
        let tensor = located.tensors[0].tensor
        #expect(located.tensors[0].name == "weight")
        #expect(tensor.storage == StorageReference(key: "0", dtype: .f16, elementCount: 12))
        #expect(tensor.storageOffset == 2 && tensor.shape == [2, 3] && tensor.strides == [1, 2])
    }

    @Test("protocol-0 text opcodes, memo and big integers")
    func protocolZero() throws {
        var pickle = PickleBuilder(protocol: 0)
        pickle.raw(Array("(lp0\nI42\naI01\naL-7L\naF2.5\naS'a\\nb'\np1\nag1\na".utf8))
        pickle.raw([0x8A, 0x02, 0xFE, 0xFF])  // LONG1 -2 in two bytes
        pickle.raw(Array("a.".utf8))
        let (machine, root) = try run(pickle)
        let items = try #require(machine.arena.sequence(root))
        #expect(items == [.int(42), .bool(true), .int(-7), .float(2.5), .string("a\nb"), .string("a\nb"), .int(-2)])
    }

    @Test("STACK_GLOBAL of a forbidden function is refused by name")
    func stackGlobalRefused() {
        var pickle = PickleBuilder(protocol: 4)
        pickle.raw([0x8C, 2]); pickle.raw(Array("os".utf8))
        pickle.raw([0x8C, 6]); pickle.raw(Array("system".utf8))
        pickle.raw([0x93])
        pickle.stop()
        #expect(throws: CheckpointError.disallowedGlobal(path: "test.pkl", module: "os", name: "system", offset: 14)) {
            _ = try run(pickle)
        }
    }

    @Test("TorchScript classes are allowed only in TorchScript archives")
    func scriptClasses() throws {
        var pickle = PickleBuilder()
        pickle.global("__torch__.model", "CLIP")
        pickle.emptyTuple()
        pickle.newObj()
        pickle.emptyDict()
        pickle.mark()
        pickle.string("positional_embedding")
        pickle.tensor(type: "FloatStorage", key: "3", storageElements: 4, offset: 0, shape: [4], strides: [1])
        pickle.setItems()
        pickle.build()
        pickle.stop()
        #expect(throws: CheckpointError.self) { _ = try run(pickle) }
        let (machine, root) = try run(pickle, context: .torchScript)
        let tensors = try TorchPickle.moduleTensors(
            root: root, arena: machine.arena, path: "test.pkl", limits: .default)
        #expect(tensors.map(\.name) == ["positional_embedding"])
    }

    @Test("a length operand longer than the pickle is refused before allocating")
    func hugeLength() {
        var pickle = PickleBuilder()
        pickle.raw([0x58, 0xFF, 0xFF, 0xFF, 0x7F])  // BINUNICODE of 2 GiB
        pickle.stop()
        #expect(throws: CheckpointError.self) { _ = try run(pickle) }
    }

    @Test("stack and memo limits hold")
    func limits() {
        var limits = ReaderLimits()
        limits.maxStackDepth = 10
        var pickle = PickleBuilder()
        for _ in 0..<11 { pickle.none() }
        pickle.stop()
        #expect(
            throws: CheckpointError.limitExceeded(path: "test.pkl", limit: "pickle stack depth", value: 11, maximum: 10)
        ) {
            _ = try run(pickle, limits: limits)
        }
    }

    @Test("APPEND to a dict and GET of an unset memo are malformed, not crashes")
    func malformed() {
        var pickle = PickleBuilder()
        pickle.emptyDict(); pickle.none(); pickle.raw(0x61); pickle.stop()
        #expect(throws: CheckpointError.self) { _ = try run(pickle) }
        var other = PickleBuilder()
        other.binGet(9); other.stop()
        #expect(throws: CheckpointError.self) { _ = try run(other) }
        var empty = PickleBuilder()
        empty.stop()
        #expect(throws: CheckpointError.self) { _ = try run(empty) }
    }
}
