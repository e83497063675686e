import Core
import Checkpoints

extension CosmosTokenizer {
    /// Adds what `inspect` says of a Cosmos tokenizer file: the inferred architecture, the
    /// non-persistent buffers set aside and, for a TorchScript archive, every tensor.
    public static func addArchitecture(of store: TensorStore, to report: inout Report) throws {
        guard isCosmos(store) else { return }
        let config = try CosmosConfig(inferringFrom: store)
        report.add("architecture", config.description, key: "architecture", json: [
            "name": "Cosmos DV8x8x8", "channels": config.channels, "level_channels": config.levelChannels,
            "res_blocks": config.resBlocks, "z_channels": config.zChannels, "fsq_levels": FSQ.levels,
        ])
        let buffers = store.tensorNames.filter(nonPersistentBuffers.contains)
        if !buffers.isEmpty { report.add("set aside", "\(buffers.count) non-persistent buffers (\(buffers.joined(separator: ", ")))") }
        if store.isTorchScript {
            for name in store.tensorNames {
                guard let info = store.info(name) else { continue }
                report.lines.append("  \(name) \(info.dtype.rawValue) \(info.shape)")
            }
        }
    }
}
