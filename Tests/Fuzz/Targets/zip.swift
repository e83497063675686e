// libFuzzer target: the ZIP central directory and local headers of PyTorch checkpoints.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZip(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzInput.file(data, count, named: "input.zip")
    guard let file = try? MappedFile(path: path), let archive = try? ZipArchive(file: file) else { return 0 }
    for entry in archive.entries {
        _ = archive.entry(named: entry.name)
        if let bytes = try? archive.data(of: entry) { _ = bytes.reduce(0, &+) }
    }
    return 0
}
