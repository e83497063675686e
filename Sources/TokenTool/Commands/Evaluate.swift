import ArgumentParser
import Foundation
import MagvitCodec
import Predictor

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
        """)

    @Option(help: "1X v1.1 dataset directory, or a Hugging Face dataset id in the local cache (ORG/NAME/folder).", completion: .directory)
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

    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    func validate() throws {
        guard window >= 2 else { throw ValidationError("--window must be >= 2") }
        guard stride >= 1 else { throw ValidationError("--stride must be >= 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be >= 1") }
        if let maxExamples, maxExamples < 1 { throw ValidationError("--max-examples must be >= 1") }
    }

    func run() throws {
        let data = try HubPath.dataset(self.data)
        let dataset = try TokenDataset(path: data)
        let spec = try WindowSpec(length: window, stride: stride)
        let windows = WindowSet(dataset: dataset, spec: spec, filterInterrupts: true, filterOverlaps: !allowOverlaps)
        let count = min(windows.count, maxExamples ?? windows.count)
        guard count > 0 else {
            throw ValidationErrorText("\(data): no valid windows of \(window) frames at stride \(stride) (\(dataset.frameCount) frames, \(dataset.segments().count) segments)")
        }
        let predictor = try PredictorChoice.load(model, fittingCopyOn: dataset, windows: windows)
        note("scoring \(predictor.name) on \(count) windows of \(data)")
        var settings = sampling.settings
        settings.batchSize = batch
        let perceptual = lpips ? try PerceptualScorer(codec: codecOptions, lpips: lpipsOptions) : nil
        let progress = Progress("evaluate", total: count, unit: "windows")
        var scoringError: Error?
        var report = try TeacherForcedEvaluator(settings: settings).evaluate(
            predictor, windows: (0..<count).lazy.map { windows.frames($0, in: dataset) },
            progress: { batch in
                progress.update(done: batch.examplesDone)
                guard let perceptual, scoringError == nil else { return }
                do { try perceptual.add(windows: batch.windows, predictions: batch.predictions) } catch { scoringError = error }
            })
        progress.finish()
        if let scoringError { throw scoringError }
        report.lpips = perceptual?.mean
        print(EvaluationTable.render(report))
        if let json { try AtomicFile.write(try EvaluationTable.json(report), to: json) }
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
