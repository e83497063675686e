import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory, so multi-gigabyte token files are paged in on demand
/// rather than read whole. The mapping lives exactly as long as this object.
public final class MappedDataFile: @unchecked Sendable {
    public let path: String
    public let byteCount: Int
    /// `nil` for an empty file (nothing to map).
    public let bytes: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DatasetError(path, "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DatasetError(path, "cannot stat (\(String(cString: strerror(errno))))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DatasetError(path, "not a regular file") }
        byteCount = Int(info.st_size)
        if byteCount == 0 {
            bytes = nil
            return
        }
        guard let mapped = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw DatasetError(path, "cannot memory-map (\(String(cString: strerror(errno))))")
        }
        bytes = UnsafeRawPointer(mapped)
    }

    deinit {
        if let bytes { munmap(UnsafeMutableRawPointer(mutating: bytes), byteCount) }
    }

    @inlinable public func uint32LE(at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes!.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable public func int32LE(at offset: Int) -> Int32 {
        Int32(littleEndian: bytes!.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    @inlinable public func float32LE(at offset: Int) -> Float {
        Float(bitPattern: uint32LE(at: offset))
    }

    /// All of a file of little-endian int32 values, copied out.
    public func int32Array() -> [Int32] {
        let n = byteCount / 4
        return [Int32](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n { buffer[i] = int32LE(at: 4 * i) }
            count = n
        }
    }
}
