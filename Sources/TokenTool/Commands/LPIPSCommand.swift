import ArgumentParser
import Foundation
import Predictor
import Core
import Pipelines

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

    func validate() throws {
        try OptionLimits.check(fps: intake.fps?.rate)
    }

    func run() throws {
        ProtectedInputs.register([a, b])
        let lpips = try weights.load()
        // Both inputs stream side by side: memory stays a few frames, however long the videos.
        let options = intake.readOptions(defaultFPS: nil)
        let first = try FrameStream(path: a, options: options)
        let second = try FrameStream(path: b, options: options)
        var values: [Float] = []
        while true {
            let (x, y) = (try first.next(), try second.next())
            guard let x, let y else {
                if x == nil && y == nil { break }
                // One input ended first: count the rest of the other for the message.
                var longer = values.count + 1
                let rest = x == nil ? second : first
                while try rest.next() != nil { longer += 1 }
                let (countA, countB) = x == nil ? (values.count, longer) : (longer, values.count)
                throw ValidationErrorText("\(a) has \(countA) frames but \(b) has \(countB); LPIPS compares equal-length inputs")
            }
            let value = try lpips.distance(x, y)
            print(String(format: "%d %.6f", values.count, value))
            values.append(value)
        }
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
        print(String(format: "mean %.6f", mean))
        if let json {
            let object: [String: Any] = ["lpips": values.map(Double.init), "mean": Double(mean)]
            try AtomicOutput.write(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }
}
