import ArgumentParser
import Foundation
import Predictor
import Core
import TokenData

/// `tokentool fit`: learn the weight-free context model from a token dataset.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the bit-context predictor on a 1X token dataset (no neural weights; seconds to minutes).",
        discussion: """
        Counts, for each of the 18 bits of a token, how often it is set in each context made of \
        the same and neighbouring positions' bits in the previous two frames (`--stride` frames \
        apart) and the higher bits already decided. It never looks up training sequences.
        Example: tokentool fit data/train_v1.1 -o context.model
        """)

    @Argument(help: "1X v1.1 dataset directory to learn from.", completion: .directory)
    var dataset: String

    @Option(name: .shortAndLong, help: "Model file to write.", completion: .file())
    var output: String

    @Option(help: "Frames between the frames the model sees (15: 30 Hz data at 2 Hz, as the challenge windows).")
    var stride = 15

    @Option(name: .customLong("skip-segments"), parsing: .upToNextOption,
            help: "Segment ids to leave out (held out for evaluation).")
    var skipSegments: [Int32] = []

    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        guard stride >= 1 else { throw ValidationError("--stride must be >= 1") }
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
    }

    func run() throws {
        ProtectedInputs.register([dataset])
        let data = try TokenDataset(path: dataset)
        let skipped = Set(skipSegments)
        let start = Date()
        note("fitting on \(data.frameCount) frames of \(dataset) (stride \(stride))")
        let model = try ContextModel.fit(dataset: data, stride: stride, includeSegment: { !skipped.contains($0) },
                                         threads: Runtime.threadCount)
        try model.save(to: URL(fileURLWithPath: output))
        print("wrote \(output) (\(model.trainingFrames) training frames, \(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
    }
}
