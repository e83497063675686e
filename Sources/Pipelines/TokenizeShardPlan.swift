import Foundation
import Media
import TokenData

/// How `tokenize --shard i/N` splits a job: inputs into the units one unsplit run makes one
/// segment of, units into N runs of about equal frame count, and whether an existing part is
/// already this task's finished work.
public enum TokenizeShardPlan {
    /// Ranges of inputs that one unsplit run makes one segment of: each video (or folder, or
    /// pattern) alone, and each run of consecutive image arguments together unless
    /// `--segment-per-file`.
    public static func segmentUnits(_ inputs: [String], segmentPerFile: Bool = false) -> [Range<Int>] {
        var units: [Range<Int>] = []
        for i in inputs.indices {
            if !segmentPerFile, InputGrouping.isImage(inputs[i]), !InputGrouping.isPattern(inputs[i]), i > 0,
               InputGrouping.isImage(inputs[i - 1]), !InputGrouping.isPattern(inputs[i - 1]), let last = units.popLast() {
                units.append(last.lowerBound ..< i + 1)
            } else {
                units.append(i ..< i + 1)
            }
        }
        return units
    }

    /// Unknown durations count as the mean of the known ones (1 if none is known).
    public static func knownCosts(_ costs: [Int]) -> [Int] {
        let known = costs.filter { $0 >= 0 }
        let fallback = known.isEmpty ? 1 : max(1, known.reduce(0, +) / known.count)
        return costs.map { $0 >= 0 ? $0 : fallback }
    }

    /// Nil when `part` is a finished, intact part made with exactly `planned`'s job, inputs and
    /// settings; otherwise what differs.
    public static func differenceFromFinished(part: URL, planned: PartManifest) -> String? {
        let found: PartManifest
        do { found = try DatasetParts.open(part).manifest } catch { return "\(error)" }
        let checks: [(String, Bool)] = [
            ("its dataset format differs", found.datasetFormat == planned.datasetFormat),
            ("its tool version differs", found.toolVersion == planned.toolVersion),
            ("its shard differs", found.shard == planned.shard),
            ("its job input list differs", found.jobInputsSHA256 == planned.jobInputsSHA256 && found.jobInputCount == planned.jobInputCount),
            ("its inputs differ", found.inputs.map(\.index) == planned.inputs.map(\.index) && found.inputs.map(\.path) == planned.inputs.map(\.path)),
            ("its settings differ", found.settings == planned.settings),
            ("its checkpoint differs", found.checkpoint.sha256 == planned.checkpoint.sha256),
        ]
        return checks.first { !$0.1 }?.0
    }
}
