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

extension PerceptualScorer {
    /// LPIPS from the options, then the codec's decoder (in that order, so a missing --alexnet
    /// is reported before the codec loads).
    convenience init(codec options: CodecOptions, lpips lpipsOptions: LPIPSOptions) throws {
        let lpips = try lpipsOptions.load()
        self.init(tokenizer: try options.loadCodec(parts: [.decoder]).codec, lpips: lpips)
    }
}
