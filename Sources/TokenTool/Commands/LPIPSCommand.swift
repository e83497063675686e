import ArgumentParser
import Foundation
import MagvitCodec
import Predictor

/// `tokentool lpips`: the challenge's perceptual distance between two images or videos.
struct LPIPSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lpips",
        abstract: "LPIPS (AlexNet, v0.1) between two images or two equal-length videos.",
        discussion: """
        Frames are center-cropped and scaled to 256x256 as in `tokenize` (a 256x256 PNG is used as is). \
        Prints one value per frame pair and the mean; --json writes {"lpips": [...], "mean": m}.
        Example: tokentool lpips predicted.mp4 truth.mp4 --alexnet alexnet-owt-7be5be79.pth
        """)

    @Argument(help: "First image or video.", completion: .file())
    var a: String

    @Argument(help: "Second image or video.", completion: .file())
    var b: String

    @OptionGroup var weights: LPIPSOptions

    @OptionGroup var intake: IntakeOptions

    @Option(help: "Also write the values as JSON to this file.")
    var json: String?

    func run() throws {
        let lpips = try weights.load()
        let options = intake.readOptions(defaultFPS: nil)
        let first = try FrameSource.frames(of: a, options: options)
        let second = try FrameSource.frames(of: b, options: options)
        guard first.count == second.count else {
            throw ValidationErrorText("\(a) has \(first.count) frames but \(b) has \(second.count); LPIPS compares equal-length inputs")
        }
        let values = try lpips.distances(first, second)
        for (i, v) in values.enumerated() { print(String(format: "%d %.6f", i, v)) }
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
        print(String(format: "mean %.6f", mean))
        if let json {
            let object: [String: Any] = ["lpips": values.map(Double.init), "mean": Double(mean)]
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }
}
