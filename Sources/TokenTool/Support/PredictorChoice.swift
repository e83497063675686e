import ArgumentParser
import Foundation
import Predictor
import TokenData

/// `--model`: a GENIE checkpoint directory, a fitted context-model file, or `copy`
/// (optionally `copy:<eps>`).
enum PredictorChoice {
    static let help = ArgumentHelp(
        "Predictor: a GENIE checkpoint directory (config.json + model.safetensors) or its Hugging Face id in the local cache (1x-technologies/GENIE_35M[@rev]), a context-model file from `tokentool fit`, or `copy` / `copy:<eps>`.",
        discussion: "`copy` without an eps fits its one mixing weight on the windows being scored, so its CE is a slightly optimistic bound.")

    static func load(_ spec: String, fittingCopyOn data: TokenDataset? = nil, windows: WindowSet? = nil) throws -> FramePredictor {
        guard var choice = PredictorRegistry.parse(spec) else {
            throw ValidationError("--model \(spec): expected copy:<eps> with eps a number in (0, 1]")
        }
        if case .path(let path) = choice { choice = .path(try HubPath.resolve(path, types: [.model])) }
        return try PredictorRegistry.load(choice, fittingCopyOn: data, windows: windows)
    }
}

/// The MaskGIT and sampling options shared by `evaluate`, `generate` and `demo`.
struct SamplingOptions: ParsableArguments {
    @Option(name: .customLong("maskgit-steps"), help: "MaskGIT steps per predicted frame.")
    var maskgitSteps = 2

    @Option(help: "Sampling temperature applied to logits (softmax(logits / T)); 0 = greedy.")
    var temperature: Float = 0

    @Option(name: .customLong("top-k"), help: "Sample only among the k most likely classes.")
    var topK: Int?

    @Option(name: .customLong("top-p"), help: "Sample only among the most likely classes whose probabilities reach p.")
    var topP: Float?

    @Option(help: "Which sampled positions MaskGIT masks again: random (reference) or least_confident.")
    var remask: RemaskOrder = .random

    @Option(help: "Random seed; runs with the same seed are identical.")
    var seed: UInt64 = 0

    func validate() throws {
        guard maskgitSteps >= 1 else { throw ValidationError("--maskgit-steps must be >= 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be >= 0") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be >= 1") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
    }

    var settings: EvaluationSettings {
        EvaluationSettings(maskgitSteps: maskgitSteps, temperature: temperature, topK: topK, topP: topP,
                           remaskOrder: remask, seed: seed)
    }
}

extension RemaskOrder: ExpressibleByArgument {}
