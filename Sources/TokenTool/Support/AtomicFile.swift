import Foundation
import MagvitCodec

/// Small outputs (JSON reports, raw frames) appear whole or not at all: written to a
/// temporary file beside the target, then renamed over it.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        PendingOutputs.register(temporary)
        defer { PendingOutputs.unregister(temporary) }
        do {
            try data.write(to: temporary)
            if FileManager.default.fileExists(atPath: url.path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ValidationErrorText("\(path): cannot write (\(error.localizedDescription))")
        }
    }
}

/// An error whose whole message is its text (ArgumentParser prints it after "Error: ").
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}
