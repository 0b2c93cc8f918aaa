internal import CHDF5
import Foundation

/// One-time libhdf5 set-up and error capture.
///
/// HDF5 prints its error stack to stderr by default; we switch that off once and instead walk the
/// stack after a failed call, so the message reaches the user through `HDF5Error` exactly once.
enum H5Library {
    /// Runs `H5open` and silences automatic error printing. Swift runs a static initialiser once.
    ///
    /// `H5dont_atexit` comes first: libhdf5's exit handler closes whatever is still open, and for a
    /// file whose last write failed (disk full) that crashes inside libhdf5 after our error was
    /// printed. Nothing needs it: every output is closed explicitly before it is renamed into place,
    /// and an abandoned one is deleted.
    static let initialized: Bool = {
        _ = H5dont_atexit()
        _ = H5open()
        _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
        return true
    }()

    static func ensureInitialized() { _ = initialized }

    /// HDF5's error-printing switch is per thread in thread-safe builds, so every thread that calls
    /// into the library turns it off once (tests and the digest thread run on other threads).
    static func prepareThread() {
        _ = initialized
        let key = "org.ldvc-swift.hdf5-quiet"
        let dictionary = Thread.current.threadDictionary
        if dictionary[key] == nil {
            _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
            dictionary[key] = true
        }
    }

    /// The messages on HDF5's current error stack, innermost last, then clears the stack.
    static func takeErrorStack() -> String {
        final class Collector { var messages: [String] = [] }
        let collector = Collector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        _ = H5Ewalk2(
            chdf5_e_default(), H5E_WALK_DOWNWARD,
            { _, description, clientData in
                guard let description, let clientData else { return 0 }
                let box = Unmanaged<Collector>.fromOpaque(clientData).takeUnretainedValue()
                if let text = description.pointee.desc {
                    let message = String(cString: text)
                    if !message.isEmpty { box.messages.append(message) }
                }
                return 0
            }, unmanaged.toOpaque())
        _ = H5Eclear2(chdf5_e_default())
        // The outermost frames are the most specific to what the caller did; keep it short.
        return collector.messages.prefix(3).joined(separator: "; ")
    }

    /// Checks an `hid_t` result: a negative id means failure.
    static func check(_ id: hid_t, path: String, _ operation: @autoclosure () -> String) throws(HDF5Error) -> hid_t {
        if id < 0 { throw .callFailed(path: path, operation: operation(), detail: takeErrorStack()) }
        return id
    }

    /// Checks an `herr_t` result: a negative status means failure.
    static func check(status: herr_t, path: String, _ operation: @autoclosure () -> String) throws(HDF5Error) {
        if status < 0 { throw .callFailed(path: path, operation: operation(), detail: takeErrorStack()) }
    }
}

/// Owns one HDF5 identifier and closes it exactly once.
final class H5Handle: @unchecked Sendable {
    let id: hid_t
    private let closer: (hid_t) -> herr_t

    /// Takes ownership of a valid id; an invalid one is refused before ownership is taken, so a
    /// failed call can never make us close an unrelated object.
    init(_ id: hid_t, path: String, operation: @autoclosure () -> String, closer: @escaping (hid_t) -> herr_t)
        throws(HDF5Error)
    {
        H5Library.prepareThread()
        self.id = try H5Library.check(id, path: path, operation())
        self.closer = closer
    }

    deinit { _ = closer(id) }
}
