/// The central directory of a ZIP archive, read from a mapped file. Only stored
/// (uncompressed) entries can be read, which is what PyTorch writes; ZIP64 records and
/// extra fields are honoured so multi-gigabyte checkpoints work.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: Int
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let file: MappedFile
    /// In central-directory order.
    let entries: [Entry]
    private let indexByName: [String: Int]

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50
    private static let zip64ExtraID: UInt16 = 0x0001
    private static let max32: UInt64 = 0xFFFF_FFFF

    init(file: MappedFile) throws {
        self.file = file
        let end = try Self.findEndRecord(file)
        var entryCount = UInt64(try file.u16(at: end + 10, "ZIP end record"))
        var directorySize = UInt64(try file.u32(at: end + 12, "ZIP end record"))
        var directoryOffset = UInt64(try file.u32(at: end + 16, "ZIP end record"))

        // A ZIP64 locator sits just before the classic end record when the archive needs it.
        if end >= 20, try file.u32(at: end - 20, "ZIP64 locator") == Self.zip64LocatorSignature {
            let recordOffset = try Self.checkedInt(file.u64(at: end - 12, "ZIP64 locator"), file, "ZIP64 end record offset")
            guard try file.u32(at: recordOffset, "ZIP64 end record") == Self.zip64EndSignature else {
                throw file.error(.malformed("ZIP64 locator points at byte \(recordOffset), which holds no ZIP64 end record"))
            }
            entryCount = try file.u64(at: recordOffset + 32, "ZIP64 end record")
            directorySize = try file.u64(at: recordOffset + 40, "ZIP64 end record")
            directoryOffset = try file.u64(at: recordOffset + 48, "ZIP64 end record")
        }

        var entries: [Entry] = []
        var offset = try Self.checkedInt(directoryOffset, file, "central directory offset")
        let directoryEnd = try Self.checkedInt(directoryOffset &+ directorySize, file, "central directory size")
        try file.checkRange(offset, directoryEnd - offset, "ZIP central directory")
        for index in 0 ..< entryCount {
            guard try file.u32(at: offset, "ZIP central directory entry \(index)") == Self.centralSignature else {
                throw file.error(.malformed("ZIP central directory entry \(index) at byte \(offset) has a bad signature"))
            }
            let method = Int(try file.u16(at: offset + 10, "ZIP central directory entry"))
            var compressed = UInt64(try file.u32(at: offset + 20, "ZIP central directory entry"))
            var uncompressed = UInt64(try file.u32(at: offset + 24, "ZIP central directory entry"))
            let nameLength = Int(try file.u16(at: offset + 28, "ZIP central directory entry"))
            let extraLength = Int(try file.u16(at: offset + 30, "ZIP central directory entry"))
            let commentLength = Int(try file.u16(at: offset + 32, "ZIP central directory entry"))
            var localOffset = UInt64(try file.u32(at: offset + 42, "ZIP central directory entry"))
            let nameBytes = try file.bytes(at: offset + 46, count: nameLength, "ZIP entry name")
            let name = String(decoding: nameBytes, as: UTF8.self)

            // The ZIP64 extra field holds, in this order, only those values whose
            // 32-bit slot is saturated.
            let extra = try file.bytes(at: offset + 46 + nameLength, count: extraLength, "ZIP extra field of '\(name)'")
            if let zip64 = Self.zip64Field(in: extra) {
                var cursor = 0
                func next() throws -> UInt64 {
                    guard cursor + 8 <= zip64.count else {
                        throw file.error(.malformed("ZIP64 extra field of '\(name)' is too short"))
                    }
                    defer { cursor += 8 }
                    return zip64.littleEndianUInt(at: cursor, count: 8)
                }
                if uncompressed == Self.max32 { uncompressed = try next() }
                if compressed == Self.max32 { compressed = try next() }
                if localOffset == Self.max32 { localOffset = try next() }
            }
            entries.append(Entry(
                name: name, method: method,
                compressedSize: try Self.checkedInt(compressed, file, "size of '\(name)'"),
                uncompressedSize: try Self.checkedInt(uncompressed, file, "size of '\(name)'"),
                localHeaderOffset: try Self.checkedInt(localOffset, file, "offset of '\(name)'")))
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() { index[entry.name] = i }
        indexByName = index
    }

    func entry(named name: String) -> Entry? {
        indexByName[name].map { entries[$0] }
    }

    /// Where the entry's bytes start in the file and how many there are. The local header
    /// is read for its own name and extra lengths, which may differ from the central ones
    /// (PyTorch pads the local extra field to align tensor data).
    func dataRange(of entry: Entry) throws -> (offset: Int, count: Int) {
        guard entry.method == 0 else {
            throw file.error(.compressedEntry(name: entry.name, method: entry.method))
        }
        let header = entry.localHeaderOffset
        guard try file.u32(at: header, "local header of '\(entry.name)'") == Self.localSignature else {
            throw file.error(.malformed("local header of '\(entry.name)' at byte \(header) has a bad signature"))
        }
        let nameLength = Int(try file.u16(at: header + 26, "local header of '\(entry.name)'"))
        let extraLength = Int(try file.u16(at: header + 28, "local header of '\(entry.name)'"))
        let start = header + 30 + nameLength + extraLength
        try file.checkRange(start, entry.compressedSize, "data of ZIP entry '\(entry.name)'")
        return (start, entry.compressedSize)
    }

    func data(of entry: Entry) throws -> UnsafeRawBufferPointer {
        let range = try dataRange(of: entry)
        return try file.bytes(at: range.offset, count: range.count, "data of ZIP entry '\(entry.name)'")
    }

    private static func zip64Field(in extra: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var cursor = 0
        while cursor + 4 <= extra.count {
            let id = UInt16(extra.littleEndianUInt(at: cursor, count: 2))
            let size = Int(extra.littleEndianUInt(at: cursor + 2, count: 2))
            let body = cursor + 4
            guard body + size <= extra.count else { return nil }
            if id == zip64ExtraID {
                return UnsafeRawBufferPointer(rebasing: extra[body ..< body + size])
            }
            cursor = body + size
        }
        return nil
    }

    /// Scans back from the end for the end-of-central-directory record (it may be followed
    /// by a comment of up to 64 KiB).
    private static func findEndRecord(_ file: MappedFile) throws -> Int {
        let minimum = 22
        guard file.count >= minimum else {
            throw file.error(.truncated("ZIP archive too short to hold an end-of-central-directory record"))
        }
        let lowest = max(0, file.count - minimum - 0xFFFF)
        var offset = file.count - minimum
        while offset >= lowest {
            if try file.u32(at: offset, "ZIP end record") == endSignature {
                let commentLength = Int(try file.u16(at: offset + 20, "ZIP end record"))
                if offset + minimum + commentLength == file.count { return offset }
            }
            offset -= 1
        }
        throw file.error(.truncated("ZIP end-of-central-directory record not found (archive cut short or damaged)"))
    }

    private static func checkedInt(_ value: UInt64, _ file: MappedFile, _ what: String) throws -> Int {
        guard value <= UInt64(file.count) else {
            throw file.error(.truncated("\(what) (\(value)) lies beyond the end of the file (\(file.count) bytes)"))
        }
        return Int(value)
    }
}
