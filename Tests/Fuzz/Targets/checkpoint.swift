// libFuzzer target: any checkpoint through `Checkpoint.open` (zip, legacy or safetensors by
// its first bytes), every tensor read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzInput.file(data, count, named: "checkpoint.bin")
    guard let store = try? Checkpoint.open(path: path) else { return 0 }
    for name in store.tensorNames { _ = try? store.floatTensor(name) }
    return 0
}
