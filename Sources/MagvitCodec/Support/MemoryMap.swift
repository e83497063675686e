#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory: pages are read only when touched, so a 1 GB
/// checkpoint or an 11 GB token file costs nothing until its bytes are used. The mapping
/// lives exactly as long as this object. Callers turn `Failure` into their own error type,
/// which names the file and the kind of file it should have been.
public final class MemoryMap: @unchecked Sendable {
    public enum Failure: Error, Equatable {
        case missing
        case notRegularFile
        case system(String)
    }

    public let path: String
    public let byteCount: Int
    /// `nil` for an empty file (there is nothing to map).
    public let bytes: UnsafeRawPointer?

    public init(path: String) throws(Failure) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            throw code == ENOENT ? .missing : .system(String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile }
        byteCount = Int(info.st_size)
        guard byteCount > 0 else {
            bytes = nil
            return
        }
        let mapped = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .system("mmap failed: \(String(cString: strerror(errno)))") }
        bytes = UnsafeRawPointer(mapped)
    }

    deinit {
        if let bytes { munmap(UnsafeMutableRawPointer(mutating: bytes), byteCount) }
    }
}
