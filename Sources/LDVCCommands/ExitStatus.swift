import ArgumentParser
import Checkpoint
import Conversion
import Export
import Foundation
import HDF5
import Layout
import Prompts

/// Maps library errors to exit codes (sysexits style) in one place and prints them once.
enum ExitStatus {
    static let inputRefused: Int32 = 65  // EX_DATAERR
    static let inputMissing: Int32 = 66  // EX_NOINPUT
    static let internalError: Int32 = 70  // EX_SOFTWARE
    static let cannotCreate: Int32 = 73  // EX_CANTCREAT
    static let ioError: Int32 = 74  // EX_IOERR

    static func code(for error: Error) -> Int32 {
        switch error {
        case let error as ConversionError: return code(for: error)
        case let error as LayoutError: return code(for: error)
        case let error as CheckpointError: return code(for: error)
        case let error as PromptsError: return code(for: error)
        case let error as ExportError: return code(for: error)
        default: return internalError
        }
    }

    static func code(for error: ConversionError) -> Int32 {
        switch error {
        case .checkpoint(let inner): return code(for: inner)
        case .layout(let inner): return code(for: inner)
        case .hdf5: return ioError
        case .badOption: return ExitCode.validationFailure.rawValue
        case .digest: return inputMissing
        default: return inputRefused
        }
    }

    static func code(for error: LayoutError) -> Int32 {
        switch error {
        case .outputExists, .outputIsInput, .outputFolder: return cannotCreate
        case .commitFailed: return ioError
        case .hdf5(let inner):
            if case .callFailed(_, let operation, _) = inner,
                operation.hasPrefix("create") || operation.hasPrefix("write")
            {
                return ioError
            }
            return inputRefused
        default: return inputRefused
        }
    }

    static func code(for error: CheckpointError) -> Int32 {
        switch error {
        case .unreadable: return inputMissing
        default: return inputRefused
        }
    }

    /// Template, counts and positions that do not fit the model are usage errors; a model that
    /// cannot take prompts is refused input.
    static func code(for error: PromptsError) -> Int32 {
        switch error {
        case .layout(let inner): return code(for: inner)
        case .runtime(.layout(let inner)): return code(for: inner)
        case .hdf5: return ioError
        case .emptyTemplate, .templateTooLong, .promptCount, .positions, .tokenizer:
            return ExitCode.validationFailure.rawValue
        default: return inputRefused
        }
    }

    static func code(for error: ExportError) -> Int32 {
        switch error {
        case .layout(let inner): return code(for: inner)
        case .hdf5, .write: return ioError
        case .unknownFormat: return ExitCode.validationFailure.rawValue
        default: return inputRefused
        }
    }

    /// Prints `error: <message>` to stderr and returns the exit code to throw.
    static func fail(_ error: Error) -> ExitCode {
        Terminal.error("\(error)")
        return ExitCode(code(for: error))
    }
}
