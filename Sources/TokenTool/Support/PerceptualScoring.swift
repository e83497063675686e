import ArgumentParser
import Foundation
import MagvitCodec
import Predictor
import TokenData

/// `--alexnet` and `--lpips-weights`, shared by `evaluate --lpips` and `lpips`.
struct LPIPSOptions: ParsableArguments {
    @Option(help: "torchvision AlexNet state dict (.pth), the LPIPS backbone (torchvision's `alexnet` ImageNet weights).")
    var alexnet: String?

    @Option(name: .customLong("lpips-weights"), help: ArgumentHelp(
        "LPIPS v0.1 linear weights for AlexNet (legacy torch format).",
        discussion: "Defaults to the copy shipped in Samples/ (from the lpips package, BSD-2-Clause)."))
    var lpipsWeights: String?

    func load() throws -> LPIPS {
        guard let alexnet else {
            throw ValidationError("LPIPS needs --alexnet <torchvision alexnet .pth> (e.g. alexnet-owt-7be5be79.pth from torchvision)")
        }
        guard let linear = lpipsWeights ?? SampleFiles.path(SampleFiles.lpipsWeightsName) else {
            throw ValidationError("LPIPS needs --lpips-weights (the lpips package's weights/v0.1/alex.pth); the shipped copy was not found")
        }
        return try LPIPS(alexNetPath: alexnet, linearPath: linear)
    }
}

/// Accumulates LPIPS between decoded predictions and decoded truth, frame by frame, as the
/// evaluator hands over each batch of windows.
final class PerceptualScorer {
    private let codec: Codec
    private let lpips: LPIPS
    private var sum = 0.0
    private var count = 0
    /// Every frame's distance in order, for a part of a split evaluation.
    private(set) var distances: [Double] = []

    init(codec options: CodecOptions, lpips lpipsOptions: LPIPSOptions) throws {
        lpips = try lpipsOptions.load()
        codec = try options.loadCodec(parts: [.decoder]).codec
    }

    /// `predictions[w]` holds the predicted frames 1..<window of window `w`.
    func add(windows: [[FrameTokens]], predictions: [[FrameTokens]]) throws {
        for (window, predicted) in zip(windows, predictions) {
            let truth = try codec.decodeImages(tokens: Array(window.dropFirst()))
            let guess = try codec.decodeImages(tokens: predicted)
            for d in try lpips.distances(guess, truth) {
                sum += Double(d)
                count += 1
                distances.append(Double(d))
            }
        }
    }

    var mean: Double? { count > 0 ? sum / Double(count) : nil }
}
