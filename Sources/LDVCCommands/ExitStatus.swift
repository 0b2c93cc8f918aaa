import ArgumentParser
import TensorCore

/// A subcommand whose work is one library call. `run()` (written once, here) installs the signal
/// handlers, runs `execute()`, prints a library error once as `error: <message>`, and exits with
/// the status of the error's kind: never chosen by matching message text.
protocol LDVCCommand: ParsableCommand {
    associatedtype Failure: ClassifiedError
    /// Does the work; returns the exit status when it is not an error (`verify` exits 1 on a divergence).
    func execute() throws(Failure) -> ExitCode
}

extension LDVCCommand {
    func run() throws {
        Terminal.installSignalHandlers()
        let status: ExitCode
        do {
            status = try execute()
        } catch {
            Terminal.error(error.description)
            throw ExitStatus.exitCode(for: error.kind)
        }
        if status != .success { throw status }
    }
}

/// sysexits-style exit statuses, one per `FailureKind`.
enum ExitStatus {
    static func code(for kind: FailureKind) -> Int32 {
        switch kind {
        case .usage: return 64  // EX_USAGE
        case .inputRefused: return 65  // EX_DATAERR
        case .inputMissing: return 66  // EX_NOINPUT
        case .internalFailure: return 70  // EX_SOFTWARE
        case .outputUnavailable: return 73  // EX_CANTCREAT
        case .writeFailed: return 74  // EX_IOERR
        }
    }

    static func exitCode(for kind: FailureKind) -> ExitCode { ExitCode(code(for: kind)) }
}
