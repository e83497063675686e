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

    /// Tells the kernel this process is done with bytes offset ..< offset + count for now, so
    /// their pages stop counting towards its resident memory (whole pages inside the range
    /// only). Reading them again is still correct: the pages come back from the file.
    public func dropPages(offset: Int, count: Int) {
        guard let bytes, offset >= 0, count > 0, offset + count <= byteCount else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page, end = (offset + count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: bytes + start), end - start, MADV_DONTNEED)
    }

    deinit {
        if let bytes { munmap(UnsafeMutableRawPointer(mutating: bytes), byteCount) }
    }
}
