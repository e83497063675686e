import ArgumentParser
import Foundation
import Predictor
import Core
import TokenData

/// `tokentool evaluate`: the challenge's temporally teacher-forced metrics.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a predictor on a 1X dataset: teacher-forced CE, token accuracy, LPIPS, seconds per frame.",
        discussion: """
        For each window and each t in 1..<window, frames before t are the truth and the model \
        predicts frame t. CE is CE(vocabulary 0) + CE(vocabulary 1) in nats from the first MaskGIT \
        step's logits (so it does not depend on --maskgit-steps); accuracy compares the sampled \
        frame with the truth; seconds per frame counts generation only, as the leaderboard.
        Example: tokentool evaluate --data data/val_v1.1 --model GENIE_35M --max-examples 100 --json out.json
        With a Cosmos-Predict1 `model.pt` (or its folder) and v2.0 data, each stored 17-frame clip is one \
        example: teacher-forced CE and accuracy of latent 2 (frames 9-16) given latents 0-1 from one causal \
        pass, and with --free-running the fork's generate-then-score loss.
        Example: tokentool evaluate --model Cosmos-Predict1-4B --data data/val_v2.0 --clip 0-9 --free-running --json out.json
        """)

    @Option(help: "1X v1.1 dataset directory (or a v2.0 one for a Cosmos `model.pt`), or a Hugging Face dataset id in the local cache (ORG/NAME/folder).", completion: .directory)
    var data: String

    @Option(help: PredictorChoice.help, completion: .file())
    var model: String

    @Option(help: "Frames per window.")
    var window = 16

    @Option(help: "Dataset frames between window frames (15: 30 Hz data at 2 Hz).")
    var stride = 15

    @Option(name: .customLong("max-examples"), help: "Score at most this many windows.")
    var maxExamples: Int?

    @Flag(name: .customLong("allow-overlaps"), help: "Keep windows that overlap earlier ones (the reference filters them).")
    var allowOverlaps = false

    @Option(help: "Windows scored together.")
    var batch = 4

    @OptionGroup var sampling: SamplingOptions

    @Flag(help: "Also compute LPIPS between decoded predicted and decoded true frames (needs --alexnet; decodes with --ckpt).")
    var lpips = false

    @OptionGroup var lpipsOptions: LPIPSOptions

    @OptionGroup var codecOptions: CodecOptions

    @Option(help: "Also write the report as JSON to this file (with --shard: this part's partial sums, for merge-scores).")
    var json: String?

    @OptionGroup var shardOptions: ShardOptions

    @Option(help: "Cosmos AR on v2.0 data: clips to score, e.g. 0-9,20 (default: all).")
    var clip: String?

    @Flag(name: .customLong("free-running"), help: "Cosmos AR: also the 1X fork's loss, CE of the true latent 2 against the logits met while generating it (with --temperature/--top-p/--top-k/--seed; greedy by default).")
    var freeRunning = false

    func validate() throws {
        guard window >= 2 else { throw ValidationError("--window must be >= 2") }
        guard stride >= 1 else { throw ValidationError("--stride must be >= 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be >= 1") }
        if let maxExamples, maxExamples < 1 { throw ValidationError("--max-examples must be >= 1") }
        try OptionLimits.check(window, "--window", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
        try OptionLimits.check(batch, "--batch", atMost: OptionLimits.maxBatch)
        try OptionLimits.check(maxExamples, "--max-examples", atMost: OptionLimits.maxCount)
        if shardOptions.isRequested && json == nil { throw ValidationError("--shard writes this part's partial sums to --json FILE; give one") }
    }

    func run() throws {
        let data = try HubPath.dataset(self.data)
        ProtectedInputs.register([data, model])
        if let cosmos = try? HubPath.resolve(model, types: [.model]), CosmosARModel.looksLikeCheckpoint(cosmos) {
            guard !shardOptions.isRequested else {
                throw ValidationError("--shard splits v1.1 window scoring; for a Cosmos model split the clips with --clip ranges instead")
            }
            var resolved = self
            resolved.data = data
            resolved.model = cosmos
            return try CosmosARRun.evaluate(resolved)
        }
        let dataset = try TokenDataset(path: data)
        let spec = try WindowSpec(length: window, stride: stride)
        let windows = WindowSet(dataset: dataset, spec: spec, filterInterrupts: true, filterOverlaps: !allowOverlaps)
        let count = min(windows.count, maxExamples ?? windows.count)
        guard count > 0 else {
            throw ValidationErrorText("\(data): no valid windows of \(window) frames at stride \(stride) (\(dataset.frameCount) frames, \(dataset.segments().count) segments)")
        }
        let shard = try shardOptions.resolve()
        let part = shard?.range(of: count, inBlocksOf: batch) ?? 0..<count
        if let shard, isFinished(shard, covering: part, of: count, dataset: dataset) { return }
        let predictor = try PredictorChoice.load(model, fittingCopyOn: dataset, windows: windows)
        note("scoring \(predictor.name) on \(shard == nil ? "" : "windows \(part.lowerBound)..<\(part.upperBound) of ")\(count) windows of \(data)")
        var settings = sampling.settings
        settings.batchSize = batch
        let perceptual = lpips ? try PerceptualScorer(codec: codecOptions, lpips: lpipsOptions) : nil
        let progress = Progress("evaluate", total: part.count, unit: "windows")
        var scoringError: Error?
        let scored = try TeacherForcedEvaluator(settings: settings).scoreWindows(
            predictor, windows: part.lazy.map { windows.frames($0, in: dataset) }, firstExample: part.lowerBound,
            progress: { batch in
                progress.update(done: batch.examplesDone)
                guard let perceptual, scoringError == nil else { return }
                do { try perceptual.add(windows: batch.windows, predictions: batch.predictions) } catch { scoringError = error }
            })
        progress.finish()
        if let scoringError { throw scoringError }
        if let shard {
            return try writePart(shard, covering: part, of: count, dataset: dataset, predictor: predictor.name, settings: settings,
                                 windows: scored.windows, seconds: scored.seconds, lpips: perceptual?.distances)
        }
        var report = try EvaluationReport(predictor: predictor.name, settings: settings, windows: scored.windows, seconds: scored.seconds)
        report.lpips = perceptual?.mean
        print(EvaluationTable.render(report))
        if let json { try AtomicOutput.write(try EvaluationTable.json(report), to: json) }
    }
}

/// The report as a table for people and as JSON with the challenge's key names (and the
/// reference evaluate.py's: loss, acc, pred_lpips, gen_time, perplexity).
enum EvaluationTable {
    static func render(_ report: EvaluationReport) -> String {
        var lines = [
            "predictor            \(report.predictor)",
            "examples             \(report.examples) (\(report.predictedFrames) predicted frames)",
            "ce                   " + String(format: "%.4f", report.ce),
            "accuracy             " + String(format: "%.4f", report.accuracy),
            "lpips                " + (report.lpips.map { String(format: "%.4f", $0) } ?? "not computed"),
            "seconds_per_frame    " + String(format: "%.4f", report.secondsPerFrame),
            "per-timestep ce      t=1..\(report.perTimestepCE.count)",
        ]
        for (i, ce) in report.perTimestepCE.enumerated() {
            lines.append(String(format: "  t=%-3d              %.4f", i + 1, ce))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ report: EvaluationReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // lpips is written as null when not computed rather than left out.
        var object = try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any] ?? [:]
        if object["lpips"] == nil { object["lpips"] = NSNull() }
        // The reference evaluate.py's printed names, beside ours, so its users' scripts keep working.
        object["loss"] = report.ce
        object["acc"] = report.accuracy
        object["pred_lpips"] = report.lpips.map { $0 as Any } ?? NSNull()
        object["gen_time"] = report.secondsPerFrame
        object["perplexity"] = Foundation.exp(report.ce)
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
