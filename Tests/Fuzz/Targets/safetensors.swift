// libFuzzer target: a safetensors file opened through the format sniffing, every tensor read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzInput.file(data, count, named: "model.safetensors")
    guard let file = try? MappedFile(path: path), let store = try? SafeTensorsFile.open(file) else { return 0 }
    for name in store.tensorNames { _ = try? store.floatTensor(name) }
    return 0
}
