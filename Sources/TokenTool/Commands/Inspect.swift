import ArgumentParser
import Foundation
import CosmosTokenizer
import MagvitCodec
import Core
import Checkpoints
import Media
import Predictor
import TokenData

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
            report = try CosmosTokenizer.files(at: path).map { try checkpointReport(path: $0) }.reduce(Report()) { $0.appending($1) }
        } else if isDirectory.boolValue {
            report = try datasetReport(path: path)
        } else {
            report = try checkpointReport(path: path)
        }
        print(report.text)
        if let json { try report.writeJSON(to: json) }
    }

    /// A checkpoint file: what it holds, and the architecture a model reads off it.
    private func checkpointReport(path: String) throws -> Report {
        let store = try Checkpoint.open(path: path)
        var report = CheckpointInspection.report(of: store)
        try CosmosTokenizer.addArchitecture(of: store, to: &report)
        try Codec.addArchitecture(of: store, useEMA: useEMA, to: &report)
        return report
    }

    /// A 1X v1.1 dataset (it has video.bin), a GENIE checkpoint directory (config.json), else 1X v2.0.
    private func datasetReport(path: String) throws -> Report {
        let url = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: url.appendingPathComponent(TokenDataset.videoFile).path) {
            return try DatasetInspection.v1Report(TokenDataset(directory: url), window: window, stride: stride)
        }
        if fileManager.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            return try GenieModel.inspectionReport(directory: url)
        }
        return try DatasetInspection.v2Report(ShardedTokenDatasetV2(directory: url), window: window)
    }
}
