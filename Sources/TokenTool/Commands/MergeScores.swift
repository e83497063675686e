import ArgumentParser
import Foundation
import Predictor
import Core

/// `tokentool merge-scores`: the parts of a split `evaluate` job -> the report one unsplit run prints.
struct MergeScores: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-scores",
        abstract: "Combine the partial sums of a split evaluate job (--shard i/N --json part.json) into its report.",
        discussion: """
        Checks that the parts are every part of one job (same data, model, windows, settings), \
        then sums every window's per-frame scores in window order, so CE, accuracy, per-timestep \
        CE and LPIPS are exactly what one unsplit evaluate prints. Seconds per frame is the parts' \
        generation time summed over all predicted frames.
        Example: tokentool merge-scores scores/part-*.json --json scores.json
        """)

    @Argument(help: "Part files written by evaluate --shard --json (any order).")
    var parts: [String]

    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    func validate() throws {
        guard !parts.isEmpty else { throw ValidationError("give the part files to combine") }
    }

    func run() throws {
        let loaded = try parts.map { try EvaluationPart.read(from: URL(fileURLWithPath: $0)) }
        let report = try ScoreShards.combine(loaded, names: parts)
        print(EvaluationTable.render(report))
        if let json { try AtomicOutput.write(try EvaluationTable.json(report), to: json) }
    }
}
