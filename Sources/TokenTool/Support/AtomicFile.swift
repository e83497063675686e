import Foundation
import MagvitCodec

/// Small outputs (JSON reports, raw frames) appear whole or not at all, replacing any older
/// file of that name (`AtomicOutput`: a temporary file beside the target, renamed over it).
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        try AtomicOutput(destination: URL(fileURLWithPath: path)).write(data)
    }
}

/// An error whose whole message is its text (ArgumentParser prints it after "Error: ").
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}
