import ArgumentParser
import Foundation
import CosmosTokenizer
import MagvitCodec
import Core
import Checkpoints
import Media

/// `tokentool inspect <file|dir>`: what a checkpoint or token dataset holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint (format, tensors, inferred architecture) or a 1X token dataset.",
        discussion: """
        A file is read as a checkpoint (PyTorch zip or legacy format, or safetensors); a directory as a \
        1X v1.1 dataset (metadata.json, video.bin, segment_ids.bin), a 1X v2.0 sharded dataset, or a \
        GENIE checkpoint directory (config.json + model.safetensors).
        Example: tokentool inspect magvit2.ckpt
        """)

    @Argument(help: "Checkpoint file or dataset directory (or a Hugging Face id in the local cache: ORG/NAME/file).", completion: .file())
    var path: String

    @Flag(name: .customLong("ema"), help: "Report the model_ema.* weight set as the one used.")
    var useEMA = false

    @Option(help: "Window length used to count valid windows of a dataset (frames; clips for a v2.0 dataset).")
    var window = 16

    @Option(help: "Frame stride used to count valid windows of a dataset.")
    var stride = 15

    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    func validate() throws {
        guard window >= 1, stride >= 1 else { throw ValidationError("--window and --stride must be >= 1") }
        try OptionLimits.check(window, "--window", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
    }

    func run() throws {
        let path = try HubPath.resolve(self.path, types: [.model, .dataset])
        ProtectedInputs.register([path])
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(path): no such file or directory")
        }
        let report: Report
        if isDirectory.boolValue, CosmosCLI.isCosmos(checkpoint: path), !CosmosCLI.isV2Dataset(path) {
            report = try CosmosTokenizer.files(at: path).map { try CheckpointInspection.report(path: $0, useEMA: useEMA) }
                .reduce(Report()) { Report(lines: $0.lines + $1.lines, fields: $0.fields.merging($1.fields) { a, _ in a }) }
        } else if isDirectory.boolValue {
            report = try DatasetInspection.report(path: path, window: window, stride: stride)
        } else {
            report = try CheckpointInspection.report(path: path, useEMA: useEMA)
        }
        print(report.text)
        if let json { try report.writeJSON(to: json) }
    }
}

/// A report as lines for people and a dictionary for `--json`.
struct Report {
    var lines: [String] = []
    var fields: [String: Any] = [:]

    var text: String { lines.joined(separator: "\n") }

    mutating func add(_ label: String, _ value: Any, key: String? = nil, json: Any? = nil) {
        lines.append(label.padding(toLength: max(label.count, 22), withPad: " ", startingAt: 0) + " \(value)")
        if let key { fields[key] = json ?? value }
    }

    func writeJSON(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys])
        try AtomicOutput.write(data, to: path)
    }
}

enum CheckpointInspection {
    static func report(path: String, useEMA: Bool) throws -> Report {
        let store = try Checkpoint.open(path: path)
        var report = Report()
        report.add("file", path, key: "path")
        report.add("format", store.formatName, key: "format")
        let names = store.tensorNames
        report.add("tensors", names.count, key: "tensor_count")

        var dtypeCounts: [String: Int] = [:]
        var families: [String: (tensors: Int, parameters: Int)] = [:]
        for name in names {
            guard let info = store.info(name) else { continue }
            dtypeCounts[info.dtype.rawValue, default: 0] += 1
            let family = name.split(separator: ".").first.map(String.init) ?? name
            families[family, default: (0, 0)].tensors += 1
            families[family, default: (0, 0)].parameters += info.elementCount
        }
        report.add("dtypes", dtypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "),
                   key: "dtypes", json: dtypeCounts)
        var familyJSON: [String: Any] = [:]
        for (family, stats) in families.sorted(by: { $0.key < $1.key }) {
            report.add("  \(family).*", "\(stats.tensors) tensors, \(formatCount(stats.parameters)) values")
            familyJSON[family] = ["tensors": stats.tensors, "values": stats.parameters]
        }
        report.fields["families"] = familyJSON

        if CosmosTokenizer.isCosmos(store) { try CosmosCLI.addArchitecture(of: store, to: &report) }
        if store.info("encoder.conv_in.weight") != nil {
            let config = try CodecConfig(inferringFrom: store)
            report.add("architecture", "MAGVIT2 \(config)", key: "architecture", json: [
                "base_channels": config.baseChannels, "channel_multipliers": config.channelMultipliers,
                "blocks_per_level": config.blocksPerLevel, "z_channels": config.zChannels,
            ])
            let encoder = families["encoder"]?.parameters ?? 0
            let decoder = families["decoder"]?.parameters ?? 0
            report.add("encoder parameters", formatCount(encoder), key: "encoder_parameters", json: encoder)
            report.add("decoder parameters", formatCount(decoder), key: "decoder_parameters", json: decoder)
            let hasEMA = store.info(Codec.emaKey("encoder.conv_in.weight")) != nil
            let used: String
            if useEMA {
                used = hasEMA ? "model_ema.* (EMA shadow copy, --ema)" : "model_ema.* requested but this file has no EMA copy"
            } else {
                used = "encoder.* / decoder.* (plain weights, as the reference decoding path)" + (hasEMA ? "; --ema selects model_ema.*" : "")
            }
            report.add("weights used", used, key: "weights_used", json: useEMA ? "ema" : "plain")
            if families["loss"] != nil { report.add("ignored", "loss.* (training-only discriminator)") }
        }
        return report
    }
}

func formatCount(_ n: Int) -> String {
    switch n {
    case 1_000_000_000...: return String(format: "%.2f G", Double(n) / 1e9)
    case 1_000_000...: return String(format: "%.2f M", Double(n) / 1e6)
    case 10_000...: return String(format: "%.1f k", Double(n) / 1e3)
    default: return "\(n)"
    }
}
