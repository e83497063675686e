/// PyTorch `torch.save` files: the zip format (since 1.6) and the legacy format before it.
/// Both hold one pickle describing the tensors and the storages' raw bytes elsewhere.
enum TorchCheckpoint {
    /// `<prefix>/data.pkl` with storages in `<prefix>/data/<key>`.
    static func openZip(_ file: MappedFile) throws -> MappedTensorStore {
        let archive = try ZipArchive(file: file)
        let pickles = archive.entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
        guard let pickleEntry = pickles.min(by: { $0.name.count < $1.name.count }) else {
            throw file.error(.malformed("ZIP archive has no data.pkl entry, so it is not a PyTorch checkpoint"))
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let byteOrder = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: try archive.data(of: byteOrder), as: UTF8.self)
            guard text.trimmingSpace == "little" else {
                throw file.error(.malformed("byte order is '\(text)'; only little-endian checkpoints are supported"))
            }
        }

        let torchScript = TorchScriptArchive.isTorchScript(archive, prefix: prefix)
        let pickleRange = try archive.dataRange(of: pickleEntry)
        let (top, _) = try PickleMachine.load(file, from: pickleRange.offset, to: pickleRange.offset + pickleRange.count,
                                              persistentLoad: { .storage(try storageRef(from: $0, fields: 5, file: file)) },
                                              moduleRecords: torchScript)

        var storageStarts: [String: Int] = [:]
        func storageStart(_ storage: StorageRef) throws -> Int {
            if let start = storageStarts[storage.key] { return start }
            let name = prefix + "data/" + storage.key
            guard let entry = archive.entry(named: name) else {
                throw file.error(.malformed("storage '\(storage.key)' has no ZIP entry '\(name)'"))
            }
            let range = try archive.dataRange(of: entry)
            let needed = storage.elementCount * storage.dtype.byteSize
            guard range.count >= needed else {
                throw file.error(.truncated("ZIP entry '\(name)' holds \(range.count) bytes, its storage needs \(needed)"))
            }
            storageStarts[storage.key] = range.offset
            return range.offset
        }

        defer { top.dismantle() }
        var tensors: [String: StoredTensor] = [:]
        for (name, ref) in try namedTensors(in: top, file: file) {
            tensors[name] = stored(name, ref, storageByteOffset: try storageStart(ref.storage))
        }
        return try MappedTensorStore(formatName: torchScript ? TorchScriptArchive.formatName : "PyTorch zip", file: file,
                                     tensors: tensors)
    }

    /// The first bytes of a legacy file: PROTO 2, LONG1 of 10 bytes, then the magic number.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Five pickles back to back (magic number, protocol 1001, system info, the object,
    /// storage keys), then each storage as an int64 element count and its raw bytes.
    static func openLegacy(_ file: MappedFile) throws -> MappedTensorStore {
        var offset = 0
        func nextPickle(_ what: String, persistentLoad: PickleMachine.PersistentLoader? = nil) throws -> PickleValue {
            let (value, end) = try PickleMachine.load(file, from: offset, to: file.count, persistentLoad: persistentLoad)
            offset = end
            return value
        }
        guard case .bigInt(let magic) = try nextPickle("magic number"), magic == legacyMagic else {
            throw file.error(.notACheckpoint(firstBytes: Checkpoint.hexPrefix(of: file)))
        }
        guard try nextPickle("protocol version").asInt == 1001 else {
            throw file.error(.malformed("legacy protocol version is not 1001"))
        }
        if case .dict(let info) = try nextPickle("system info"), case .bool(false)? = info["little_endian"] {
            throw file.error(.malformed("written on a big-endian machine; only little-endian checkpoints are supported"))
        }

        var storageTypes: [String: DType] = [:]
        let top = try nextPickle("checkpoint") { id in
            let ref = try storageRef(from: id, fields: 6, file: file)
            storageTypes[ref.key] = ref.dtype
            return .storage(ref)
        }
        defer { top.dismantle() }
        guard let keys = try nextPickle("storage keys").asSequence?.map({ $0.asString ?? "" }) else {
            throw file.error(.malformed("legacy storage key list is not a list"))
        }

        // Storages follow in key order; find each one's bytes without reading them.
        var storageStarts: [String: Int] = [:]
        for key in keys {
            guard let dtype = storageTypes[key] else {
                throw file.error(.malformed("legacy storage '\(key)' is listed but no tensor uses it"))
            }
            let count = try file.u64(at: offset, "element count of legacy storage '\(key)'")
            let (bytes, overflow) = Int(clamping: count).multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, count <= UInt64(Int.max) else {
                throw file.error(.truncated("legacy storage '\(key)' claims \(count) elements"))
            }
            try file.checkRange(offset + 8, bytes, "legacy storage '\(key)'")
            storageStarts[key] = offset + 8
            offset += 8 + bytes
        }

        var tensors: [String: StoredTensor] = [:]
        for (name, ref) in try namedTensors(in: top, file: file) {
            guard let start = storageStarts[ref.storage.key] else {
                throw file.error(.malformed("tensor '\(name)' uses storage '\(ref.storage.key)', which is not in the file"))
            }
            tensors[name] = stored(name, ref, storageByteOffset: start)
        }
        return try MappedTensorStore(formatName: "PyTorch legacy", file: file, tensors: tensors)
    }

    /// ("storage", StorageType, key, location, numel) in zip files; legacy files add view
    /// metadata (view_key, offset, size). The location ("cpu", "cuda:0") is only a label.
    private static func storageRef(from id: PickleValue, fields: Int, file: MappedFile) throws -> StorageRef {
        guard let parts = id.asSequence, parts.count == fields, parts[0].asString == "storage",
              case .global(.storageType(let dtype)) = parts[1],
              let key = parts[2].asString ?? parts[2].asInt.map(String.init),
              let numel = parts[4].asInt, numel >= 0
        else {
            throw file.error(.malformed("unexpected persistent id \(id.kindName) (expected a \(fields)-field storage tuple)"))
        }
        // Bounds every later size computation by the file's size.
        guard numel <= file.count / dtype.byteSize else {
            throw file.error(.truncated("storage '\(key)' claims \(numel) elements, more than the file's \(file.count) bytes hold"))
        }
        var ref = StorageRef(key: key, dtype: dtype, elementCount: numel)
        if fields == 6, let view = parts[5].asSequence {
            guard view.count == 3, let offset = view[1].asInt, let size = view[2].asInt,
                  offset >= 0, size >= 0, offset + size <= numel
            else {
                throw file.error(.malformed("bad storage view metadata for storage '\(key)'"))
            }
            ref.elementOffset = offset
            ref.elementCount = size
        }
        return ref
    }

    private static func stored(_ name: String, _ ref: TensorRef, storageByteOffset: Int) -> StoredTensor {
        let dtype = ref.storage.dtype
        return StoredTensor(
            info: TensorInfo(name: name, dtype: dtype, shape: ref.shape),
            strides: ref.strides,
            storageOffset: ref.storageOffset,
            storageByteOffset: storageByteOffset + ref.storage.elementOffset * dtype.byteSize,
            storageElementCount: ref.storage.elementCount)
    }

    /// The tensors of the checkpoint's state dict: the top-level `"state_dict"` dict when
    /// there is one (Lightning-style checkpoints), else the top-level dict. Nested dicts are
    /// flattened with dots; values that are not tensors (epochs, names, ...) are skipped.
    static func namedTensors(in top: PickleValue, file: MappedFile) throws -> [(String, TensorRef)] {
        guard case .dict(let root) = top else {
            throw file.error(.malformed("top-level object is a \(top.kindName), not a dict of tensors"))
        }
        var dict = root
        if case .dict(let stateDict)? = root["state_dict"] { dict = stateDict }
        var result: [(String, TensorRef)] = []
        // A dict may appear under many keys (pickle shares memoised objects), so a few
        // kilobytes can describe exponentially many paths: cap the entries walked.
        let maxEntries = 1 << 17
        var visited = 0
        func collect(_ dict: PickleDict, prefix: String, depth: Int) throws {
            guard depth < 32 else { return }
            for (key, value) in dict.entries {
                visited += 1
                guard visited <= maxEntries else {
                    throw file.error(.malformed("state dict has more than \(maxEntries) entries (nested dicts shared too often?)"))
                }
                guard let name = key.asString ?? key.asInt.map(String.init) else { continue }
                switch value {
                case .tensor(let ref): result.append((prefix + name, ref))
                case .dict(let inner): try collect(inner, prefix: prefix + name + ".", depth: depth + 1)
                default: continue
                }
            }
        }
        try collect(dict, prefix: "", depth: 0)
        return result
    }
}

extension String {
    var trimmingSpace: String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
