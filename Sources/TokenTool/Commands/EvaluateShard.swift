import ArgumentParser
import Foundation
import Predictor
import Core
import TokenData

/// `evaluate --shard i/N --json part.json`: one task scores its share of the windows, cut at
/// multiples of --batch so its batches are the unsplit run's, with the random streams the
/// unsplit run gives them, and writes every window's per-frame scores; `merge-scores` redoes
/// the sums in window order.
extension Evaluate {
    /// Everything that decides which windows exist and what they score; parts of one job agree on it.
    func jobDescription(windowCount: Int, dataset: TokenDataset) -> [String: JSONValue] {
        [
            "data": .string(data),
            "data_frames": .int(dataset.frameCount),
            "model": .string(model),
            "window": .int(window),
            "stride": .int(stride),
            "allow_overlaps": .bool(allowOverlaps),
            "max_examples": maxExamples.map { .int($0) } ?? .null,
            "windows": .int(windowCount),
            "lpips": .bool(lpips),
        ]
    }

    /// True when --json already holds this finished part of this job (a re-run array skips it).
    func isFinished(_ shard: ShardSpec, covering part: Range<Int>, of windowCount: Int, dataset: TokenDataset) -> Bool {
        guard let json, FileManager.default.fileExists(atPath: json),
              let found = try? EvaluationPart.read(from: URL(fileURLWithPath: json)) else { return false }
        var settings = sampling.settings
        settings.batchSize = batch
        let planned = EvaluationPart(toolVersion: ShardOptions.toolVersion, shard: shard, job: jobDescription(windowCount: windowCount, dataset: dataset),
                                     predictor: found.predictor, settings: settings, firstWindow: part.lowerBound,
                                     totalWindows: windowCount, windows: found.windows, seconds: found.seconds, lpips: found.lpips)
        guard found == planned, found.windows.count == part.count else { return false }
        note("part \(shard) is already complete in \(json); skipping it")
        print("part \(shard) already complete in \(json)")
        return true
    }

    func writePart(_ shard: ShardSpec, covering part: Range<Int>, of windowCount: Int, dataset: TokenDataset, predictor: String, settings: EvaluationSettings,
                   windows: [WindowScore], seconds: Double, lpips: [Double]?) throws {
        let part = EvaluationPart(toolVersion: ShardOptions.toolVersion, shard: shard, job: jobDescription(windowCount: windowCount, dataset: dataset),
                                  predictor: predictor, settings: settings, firstWindow: part.lowerBound,
                                  totalWindows: windowCount, windows: windows, seconds: seconds, lpips: lpips)
        try AtomicOutput.write(try part.jsonData(), to: json!)
        print("wrote part \(shard) (\(windows.count) of \(windowCount) windows) to \(json!)")
    }
}
