// libFuzzer target: legacy (pre-1.6) `torch.save` files: five pickles, then raw storages.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLegacy(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzInput.file(data, count, named: "legacy.pth")
    guard let file = try? MappedFile(path: path), let store = try? TorchCheckpoint.openLegacy(file) else { return 0 }
    for name in store.tensorNames { _ = try? store.floatTensor(name) }
    return 0
}
