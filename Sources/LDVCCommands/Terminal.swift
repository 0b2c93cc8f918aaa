import Foundation
import Layout
import TensorCore

/// Writes diagnostics and progress to stderr; results go to stdout.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) { write("error: \(TerminalText.escaped(message))\n") }
    static func warning(_ message: String) { write("warning: \(TerminalText.escaped(message))\n") }
    static func note(_ message: String) { write("note: \(TerminalText.escaped(message))\n") }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// A reporter that prints diagnostics, and progress when `showProgress` is on.
    static func reporter(showProgress: Bool, quiet: Bool) -> Reporter {
        let progress = ProgressDisplay(enabled: showProgress && !quiet)
        return Reporter(
            diagnostic: { diagnostic in
                if quiet && diagnostic.severity == .note { return }
                switch diagnostic.severity {
                case .warning: Terminal.warning(diagnostic.message)
                case .note: Terminal.note(diagnostic.message)
                }
            },
            progress: { done, total, tensor in progress.update(done: done, total: total, tensor: tensor) })
    }

    /// Removes partial outputs and exits with 128 + the signal's number when the user interrupts
    /// (Ctrl-C), the terminal hangs up, or the process is terminated.
    static func installSignalHandlers() {
        // Past a file-size limit (`ulimit -f`) a write fails with EFBIG, reported as a write error
        // (exit 74), instead of SIGXFSZ killing the process with its temporary file left behind.
        signal(SIGXFSZ, SIG_IGN)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                TemporaryFiles.shared.removeAll()
                write("\ninterrupted; no output was written\n")
                exit(128 + signalNumber)
            }
            source.resume()
            SignalSources.shared.keep(source)
        }
    }
}

/// Keeps the signal sources alive for the life of the process.
final class SignalSources: @unchecked Sendable {
    static let shared = SignalSources()
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    func keep(_ source: DispatchSourceSignal) { lock.withLock { sources.append(source) } }
}

/// Progress on stderr: a rewritten line on a terminal, a line every 10% otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastPercent = -1
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func update(done: Int, total: Int, tensor: String) {
        // Small conversions finish in a blink; progress lines would only be noise.
        guard enabled, total >= 32 << 20 else { return }
        let percent = Int(Double(done) / Double(total) * 100)
        lock.withLock {
            if Terminal.isInteractive {
                let now = Date()
                guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
                lastDraw = now
                let megabytes = String(format: "%.1f/%.1f MB", Double(done) / 1e6, Double(total) / 1e6)
                Terminal.write(
                    "\r\u{1B}[K[\(String(percent).leftPadded(3))%] \(megabytes) \(TerminalText.escaped(tensor))")
                if done == total { Terminal.write("\n") }
            } else if percent / 10 > lastPercent / 10 || (done == total && lastPercent != 100) {
                lastPercent = percent
                Terminal.write("progress: \(percent)% (\(done / 1_000_000) of \(total / 1_000_000) MB)\n")
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
    func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
