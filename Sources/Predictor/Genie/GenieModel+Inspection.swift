import Foundation
import Core
import Checkpoints

extension GenieModel {
    /// What `inspect` says of a GENIE checkpoint directory: its config and what the weights file holds.
    public static func inspectionReport(directory url: URL) throws -> Report {
        let config = try GenieModel.readConfig(url.appendingPathComponent("config.json"))
        var report = CheckpointInspection.report(of: try Checkpoint.open(path: url.appendingPathComponent("model.safetensors").path))
        report.add("architecture", "GENIE (STMaskGIT): \(config.numLayers) layers, d \(config.dModel), \(config.numHeads) heads, "
                   + "T \(config.T), S \(config.S), qk_norm \(config.qkNorm), use_mup \(config.useMup)",
                   key: "architecture", json: ["num_layers": config.numLayers, "d_model": config.dModel, "num_heads": config.numHeads,
                                               "T": config.T, "S": config.S, "qk_norm": config.qkNorm, "use_mup": config.useMup])
        return report
    }

}
