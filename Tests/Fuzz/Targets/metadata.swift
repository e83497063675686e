import Foundation

// libFuzzer target: a v1.1 dataset's `metadata.json`, opened as a dataset whose other files
// are small, so sizes claimed by the metadata meet files that do not hold them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let directory = FuzzInput.folder + "/dataset"
    let fileManager = FileManager.default
    if !fileManager.fileExists(atPath: directory + "/actions") {
        try? fileManager.createDirectory(atPath: directory + "/actions", withIntermediateDirectories: true)
        _ = fileManager.createFile(atPath: directory + "/video.bin", contents: Data(count: 1024))
        _ = fileManager.createFile(atPath: directory + "/segment_ids.bin", contents: Data(count: 4))
        _ = fileManager.createFile(atPath: directory + "/actions/joints.bin", contents: Data(count: 4))
    }
    let path = directory + "/metadata.json"
    let bytes = data.map { Data(bytes: $0, count: count) } ?? Data()
    _ = fileManager.createFile(atPath: path, contents: bytes)
    if let dataset = try? TokenDataset(path: directory, checkTokenRange: true) {
        _ = dataset.segments()
        for track in dataset.actions { _ = track.valueRange() }
        if dataset.frameCount > 0 { _ = dataset.frame(0) }
    }
    return 0
}
