import Core
import Checkpoints

extension Codec {
    /// Adds what `inspect` says of a MAGVIT2 checkpoint (one with `encoder.conv_in.weight`):
    /// the inferred architecture, parameter counts and which weight set is used.
    public static func addArchitecture(of store: TensorStore, useEMA: Bool, to report: inout Report) throws {
        guard store.info("encoder.conv_in.weight") != nil else { return }
        let config = try CodecConfig(inferringFrom: store)
        report.add("architecture", "MAGVIT2 \(config)", key: "architecture", json: [
            "base_channels": config.baseChannels, "channel_multipliers": config.channelMultipliers,
            "blocks_per_level": config.blocksPerLevel, "z_channels": config.zChannels,
        ])
        let encoder = CheckpointInspection.parameters(of: store, family: "encoder") ?? 0
        let decoder = CheckpointInspection.parameters(of: store, family: "decoder") ?? 0
        report.add("encoder parameters", Report.formatCount(encoder), key: "encoder_parameters", json: encoder)
        report.add("decoder parameters", Report.formatCount(decoder), key: "decoder_parameters", json: decoder)
        let hasEMA = store.info(Codec.emaKey("encoder.conv_in.weight")) != nil
        let used: String
        if useEMA {
            used = hasEMA ? "model_ema.* (EMA shadow copy, --ema)" : "model_ema.* requested but this file has no EMA copy"
        } else {
            used = "encoder.* / decoder.* (plain weights, as the reference decoding path)" + (hasEMA ? "; --ema selects model_ema.*" : "")
        }
        report.add("weights used", used, key: "weights_used", json: useEMA ? "ema" : "plain")
        if CheckpointInspection.parameters(of: store, family: "loss") != nil { report.add("ignored", "loss.* (training-only discriminator)") }
    }
}
