// libFuzzer target: the restricted pickle machine, as `torch.save` zip files drive it
// (persistent ids become storages), then the state-dict walk over what it built.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzInput.file(data, count, named: "data.pkl")
    guard let file = try? MappedFile(path: path) else { return 0 }
    let loaded = try? PickleMachine.load(file, from: 0, to: file.count) { id in
        .storage(StorageRef(key: id.asSequence?.first?.asString ?? "0", dtype: .f32, elementCount: 1))
    }
    if let value = loaded?.value {
        _ = try? TorchCheckpoint.namedTensors(in: value, file: file)
        value.dismantle()
    }
    return 0
}
