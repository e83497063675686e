import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A temporary file beside the destination: writers fill it, then `commit()` renames it into
/// place (replacing what was there), so a failed write never leaves a half-written file under
/// the destination's name.
public struct AtomicOutput {
    public let destination: URL
    public let temporary: URL

    /// Checks that the destination's folder exists and is writable before any work is done.
    public init(destination: URL) throws {
        let folder = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaError.cannotWrite(path: destination.path, reason: "folder \(folder.path) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder.path) else {
            throw MediaError.cannotWrite(path: destination.path, reason: "folder \(folder.path) is not writable")
        }
        // The extension stays last so tools that look at it still recognise the file.
        let ext = destination.pathExtension
        let stem = ".\(destination.deletingPathExtension().lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        self.destination = destination
        self.temporary = folder.appendingPathComponent(ext.isEmpty ? stem : "\(stem).\(ext)")
        PendingOutputs.register(temporary)
    }

    public func commit() throws {
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw MediaError.cannotWrite(path: destination.path, reason: reason)
        }
        PendingOutputs.unregister(temporary)
    }

    public func abandon() {
        unlink(temporary.path)
        PendingOutputs.unregister(temporary)
    }

    /// Writes `data` to the temporary file and commits it.
    public func write(_ data: Data) throws {
        do {
            try data.write(to: temporary)
        } catch {
            abandon()
            throw MediaError.cannotWrite(path: destination.path, reason: error.localizedDescription)
        }
        try commit()
    }
}
