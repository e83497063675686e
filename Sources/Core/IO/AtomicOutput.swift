import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way an output file is written. For a regular file (new or existing): a temporary
/// file beside the destination that writers fill, then `commit()` syncs it, renames it into
/// place and syncs the folder, so a failed or interrupted write never leaves a half-written
/// file under the destination's name and a completed one survives a power cut.
///
/// What is already at the destination decides the rest, as `cp` or ffmpeg would:
/// - `-`, `/dev/stdout`, `/dev/stderr`, a FIFO or a device is written straight through
///   (`isDirect`): there is nothing to rename, and the node itself is never replaced;
/// - a symbolic link is followed: the file it points to is replaced, the link stays;
/// - a folder is never replaced by a file, and nothing that is an input of the running
///   command (`ProtectedInputs`), or lies inside one, is written at all.
public struct AtomicOutput {
    /// Where the output ends up (symbolic links resolved).
    public let destination: URL
    /// Where writers write: a temporary file beside `destination`, or `destination` itself
    /// when `isDirect`.
    public let temporary: URL
    /// Writes go straight to `destination` (standard output, a FIFO, a device).
    public let isDirect: Bool

    /// Checks that the destination's folder exists and is writable before any work is done.
    public init(destination requested: URL) throws {
        let path = requested.path
        if let stream = Self.standardStream(path) {
            destination = URL(fileURLWithPath: stream)
            temporary = destination
            isDirect = true
            return
        }
        let destination = URL(fileURLWithPath: Self.followingLinks(path))
        var info = stat()
        if lstat(destination.path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                break
            case S_IFDIR:
                throw FileError(file: path, .cannotWrite("is a folder; refusing to replace it with a file"))
            default:
                // FIFOs, character and block devices, sockets: write into them, never over them.
                try ProtectedInputs.check(output: destination.path, named: path)
                self.destination = destination
                temporary = destination
                isDirect = true
                return
            }
        }
        try ProtectedInputs.check(output: destination.path, named: path)
        let folder = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(file: path, .cannotWrite("folder \(folder.path) does not exist"))
        }
        guard FileManager.default.isWritableFile(atPath: folder.path) else {
            throw FileError(file: path, .cannotWrite("folder \(folder.path) is not writable"))
        }
        // The extension stays last so tools that look at it still recognise the file.
        let ext = destination.pathExtension
        let stem = ".\(destination.deletingPathExtension().lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        self.destination = destination
        self.temporary = folder.appendingPathComponent(ext.isEmpty ? stem : "\(stem).\(ext)")
        isDirect = false
        PendingOutputs.register(temporary)
    }

    public func commit() throws {
        guard !isDirect else { return }
        // The data must be on disk before the name points at it, and the new name must be
        // on disk before the command reports success.
        guard Self.sync(temporary.path), rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw FileError(file: destination.path, .cannotWrite(reason))
        }
        PendingOutputs.unregister(temporary)
        _ = Self.sync(destination.deletingLastPathComponent().path)
    }

    public func abandon() {
        guard !isDirect else { return }
        unlink(temporary.path)
        PendingOutputs.unregister(temporary)
    }

    /// Writes `data` to the temporary file and commits it (or straight to a direct target).
    public func write(_ data: Data) throws {
        if isDirect {
            try Self.writeDirect(data, to: destination.path)
            return
        }
        do {
            try data.write(to: temporary)
        } catch {
            abandon()
            throw FileError(file: destination.path, .cannotWrite(error.localizedDescription))
        }
        try commit()
    }

    /// Writes `data` to `path` (`-` is standard output) as one output.
    public static func write(_ data: Data, to path: String) throws {
        try AtomicOutput(destination: URL(fileURLWithPath: path)).write(data)
    }

    // MARK: Targets that are not regular files

    /// `-` and the standard stream device names, which are written through their descriptor:
    /// opening `/dev/stdout` by name would follow it to whatever file stdout is redirected to.
    static func standardStream(_ path: String) -> String? {
        switch path {
        case "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1": return "/dev/stdout"
        case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2": return "/dev/stderr"
        default:
            // URL(fileURLWithPath: "-") makes "-" relative to the working directory.
            if path.hasSuffix("/-"), URL(fileURLWithPath: "-").path == path { return "/dev/stdout" }
            return nil
        }
    }

    private static func writeDirect(_ data: Data, to path: String) throws {
        let descriptor: Int32
        switch path {
        case "/dev/stdout": descriptor = STDOUT_FILENO
        case "/dev/stderr": descriptor = STDERR_FILENO
        default:
            descriptor = open(path, O_WRONLY)
            guard descriptor >= 0 else {
                throw FileError(file: path, .cannotWrite(String(cString: strerror(errno))))
            }
        }
        defer { if descriptor > STDERR_FILENO { close(descriptor) } }
        if descriptor == STDOUT_FILENO { fflush(stdout) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw FileError(file: path, .cannotWrite(String(cString: strerror(errno))))
                }
                offset += written
            }
        }
    }

    /// `path` with every symbolic link along it resolved; a dangling link resolves to the
    /// file it names (which writing then creates). Loops end after 40 links, as in the kernel.
    static func followingLinks(_ path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, Int(PATH_MAX))
            guard length > 0 else { break }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/")
                ? URL(fileURLWithPath: target).standardizedFileURL.path
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(target).standardizedFileURL.path
        }
        return current
    }

    /// fsync of a file or folder by path; false when it cannot be opened or synced.
    @discardableResult
    public static func sync(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 || errno == EINVAL  // EINVAL: a file system without fsync
    }
}
