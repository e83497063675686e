import Foundation

// libFuzzer target: a GENIE `config.json`, decoded and checked as the loader does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGenieConfig(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = data.map { Data(bytes: $0, count: count) } ?? Data()
    if let config = try? GenieConfig.decode(bytes, path: "config.json") {
        // What the model derives from an accepted config must be computable.
        _ = (config.headDim, config.mlpHidden, config.maskTokenID, config.minimumParameterCount, config.T * config.S)
    }
    return 0
}
