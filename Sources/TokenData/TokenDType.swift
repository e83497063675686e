/// The integer type of the token ids in `video.bin`, as `metadata.json` names it (numpy names).
public enum TokenDType: String, Sendable, CaseIterable {
    case uint8, uint16, uint32, int32, int64, uint64

    /// Accepts numpy's names (`uint32`), its short codes (`u4`, `<u4`) and `np.`-prefixed forms.
    public init?(numpyName: String) {
        var name = numpyName.lowercased()
        for prefix in ["np.", "numpy.", "<", "="] where name.hasPrefix(prefix) {
            name.removeFirst(prefix.count)
        }
        switch name {
        case "uint8", "u1": self = .uint8
        case "uint16", "u2": self = .uint16
        case "uint32", "u4": self = .uint32
        case "int32", "i4": self = .int32
        case "int64", "i8": self = .int64
        case "uint64", "u8": self = .uint64
        default: return nil
        }
    }

    public var byteSize: Int {
        switch self {
        case .uint8: return 1
        case .uint16: return 2
        case .uint32, .int32: return 4
        case .int64, .uint64: return 8
        }
    }

    /// The largest token id this type can hold.
    public var maxValue: UInt64 {
        switch self {
        case .uint8: return UInt64(UInt8.max)
        case .uint16: return UInt64(UInt16.max)
        case .uint32: return UInt64(UInt32.max)
        case .int32: return UInt64(Int32.max)
        case .int64: return UInt64(Int64.max)
        case .uint64: return UInt64.max
        }
    }

    /// Reads one little-endian value; negative signed values come back as `nil`.
    @inlinable func load(_ base: UnsafeRawPointer, offset: Int) -> UInt64? {
        switch self {
        case .uint8: return UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
        case .uint16: return UInt64(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .uint32: return UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .int32:
            let value = Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self))
            return value < 0 ? nil : UInt64(value)
        case .int64:
            let value = Int64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            return value < 0 ? nil : UInt64(value)
        case .uint64: return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
    }

    /// Appends one value in little-endian order.
    func append(_ value: UInt32, to bytes: inout [UInt8]) {
        var remaining = UInt64(value)
        for _ in 0..<byteSize {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }
}
