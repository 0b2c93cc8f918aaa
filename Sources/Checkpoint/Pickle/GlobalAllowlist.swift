import Pickle
import TensorCore

/// A global (class or function) a weights file may name, and the role our interpreter gives it.
/// Nothing named here is ever imported or called: each role is a small data-only interpretation.
struct AllowedGlobal: Equatable, Hashable, Sendable {
    let module: String
    let name: String
    let role: Role

    enum Role: Equatable, Hashable, Sendable {
        case orderedDict
        case rebuildTensorV2
        case rebuildTensor
        case rebuildParameter
        case rebuildParameterWithState
        case rebuildFromTypeV2
        case storageType(DType)
        /// `torch.Tensor` / `torch.nn.parameter.Parameter`, passed as a type argument.
        case tensorType
        case torchSize
        case torchDevice
        case torchDType
        case codecsEncode
        case numpyScalar
        case numpyDType
        case jitBuildList
        case jitRestoreTypeTag
        /// A TorchScript class (`__torch__.…`): an inert attribute bag (TorchScript archives only).
        case scriptClass
    }
}

/// Where a pickle comes from decides which globals it may name.
enum PickleContext: Sendable {
    /// `torch.save` output (zip or legacy): PyTorch's weights-only allowlist, narrowed.
    case torchSave
    /// `torch.jit.save` output: additionally TorchScript classes and `torch.jit._pickle` helpers.
    case torchScript
}

/// The allowlist, modelled on PyTorch's `torch/_weights_only_unpickler.py` but narrower: only what
/// state dicts, wrapped training checkpoints and TorchScript module trees need.
enum GlobalAllowlist {
    private static let entries: [AllowedGlobal] = {
        var list: [AllowedGlobal] = [
            // The container type of every state dict.
            AllowedGlobal(module: "collections", name: "OrderedDict", role: .orderedDict),
            // Tensor reconstruction: storage + offset + size + stride (+ requires_grad, hooks, metadata).
            AllowedGlobal(module: "torch._utils", name: "_rebuild_tensor_v2", role: .rebuildTensorV2),
            AllowedGlobal(module: "torch._utils", name: "_rebuild_tensor", role: .rebuildTensor),
            // nn.Parameter wrappers around a rebuilt tensor.
            AllowedGlobal(module: "torch._utils", name: "_rebuild_parameter", role: .rebuildParameter),
            AllowedGlobal(
                module: "torch._utils", name: "_rebuild_parameter_with_state", role: .rebuildParameterWithState),
            // Tensor subclasses: (function, type, args, state); only plain Tensor/Parameter are accepted.
            AllowedGlobal(module: "torch._tensor", name: "_rebuild_from_type_v2", role: .rebuildFromTypeV2),
            AllowedGlobal(module: "torch", name: "Tensor", role: .tensorType),
            AllowedGlobal(module: "torch.nn.parameter", name: "Parameter", role: .tensorType),
            // Shape and placement metadata.
            AllowedGlobal(module: "torch", name: "Size", role: .torchSize),
            AllowedGlobal(module: "torch", name: "device", role: .torchDevice),
            // Protocol-2 pickles encode `bytes` as _codecs.encode(str, 'latin1').
            AllowedGlobal(module: "_codecs", name: "encode", role: .codecsEncode),
            // mmcv/MMSegmentation `meta` dicts hold numpy scalars (e.g. best scores): decoded as numbers.
            AllowedGlobal(module: "numpy.core.multiarray", name: "scalar", role: .numpyScalar),
            AllowedGlobal(module: "numpy._core.multiarray", name: "scalar", role: .numpyScalar),
            AllowedGlobal(module: "numpy", name: "dtype", role: .numpyDType),
        ]
        for (name, dtype) in TorchStorageType.all {
            list.append(AllowedGlobal(module: "torch", name: name, role: .storageType(dtype)))
        }
        for name in [
            "float32", "float", "float16", "half", "bfloat16", "float64", "double", "int64", "long",
            "int32", "int", "int16", "short", "int8", "uint8", "bool",
        ] {
            list.append(AllowedGlobal(module: "torch", name: name, role: .torchDType))
        }
        return list
    }()

    private static let scriptEntries: [AllowedGlobal] = [
        // TorchScript's typed-container helpers: each returns (a copy of) its first argument.
        AllowedGlobal(module: "torch.jit._pickle", name: "build_intlist", role: .jitBuildList),
        AllowedGlobal(module: "torch.jit._pickle", name: "build_tensorlist", role: .jitBuildList),
        AllowedGlobal(module: "torch.jit._pickle", name: "build_doublelist", role: .jitBuildList),
        AllowedGlobal(module: "torch.jit._pickle", name: "build_boollist", role: .jitBuildList),
        AllowedGlobal(module: "torch.jit._pickle", name: "restore_type_tag", role: .jitRestoreTypeTag),
    ]

    private static let table: [String: AllowedGlobal] =
        Dictionary(entries.map { ("\($0.module)\n\($0.name)", $0) }, uniquingKeysWith: { first, _ in first })
    private static let scriptTable: [String: AllowedGlobal] =
        Dictionary(scriptEntries.map { ("\($0.module)\n\($0.name)", $0) }, uniquingKeysWith: { first, _ in first })

    /// The allowed global for `module.name`, or nil when it must be refused.
    static func resolve(module: String, name: String, context: PickleContext) -> AllowedGlobal? {
        if let entry = table["\(module)\n\(name)"] { return entry }
        guard context == .torchScript else { return nil }
        if let entry = scriptTable["\(module)\n\(name)"] { return entry }
        // TorchScript module classes live under `__torch__`; they are only ever attribute bags here.
        if module == "__torch__" || module.hasPrefix("__torch__.") {
            return AllowedGlobal(module: module, name: name, role: .scriptClass)
        }
        return nil
    }
}
