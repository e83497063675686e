import ArgumentParser
import Foundation
import MagvitCodec
import Media
import Core

/// `--fps`: a rate (`2`, `2.5`, `30000/1001`) or `source` (every decoded frame).
enum FrameRateChoice: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case source
    case rate(Double)

    init?(argument: String) {
        if argument.lowercased() == "source" { self = .source; return }
        let parts = argument.split(separator: "/", maxSplits: 1)
        let value: Double?
        if parts.count == 2, let num = Double(parts[0]), let den = Double(parts[1]), den != 0 { value = num / den } else { value = Double(argument) }
        guard let value, value > 0, value.isFinite else { return nil }
        self = .rate(value)
    }

    var rate: Double? { if case .rate(let value) = self { return value } else { return nil } }
    var description: String { rate.map { String($0) } ?? "source" }
}

extension FrameRateRounding: ExpressibleByArgument {}

/// How every command that reads video takes its frames: one libavfilter graph, upright, frame
/// choice as `ffmpeg -vf fps=F`, display-square crop, scale.
struct IntakeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Frames per second taken from videos, or `source` for every decoded frame.",
        discussion: "Frames are chosen exactly as `ffmpeg -vf fps=F` chooses them (each output instant shows the last source frame whose timestamp rounds to it, rounding --fps-round), so `--fps 2` on a 4.004 s 29.97 fps clip gives the same 8 frames as ffmpeg. Default: 30 (the 1X rate) for tokenize, source for lpips.",
        valueName: "rate|source"))
    var fps: FrameRateChoice?

    @Option(name: .customLong("fps-round"), help: "How --fps rounds timestamps onto its clock (ffmpeg's fps filter: near, up, down, zero, inf).")
    var fpsRound: FrameRateRounding = .near

    @Flag(name: .customLong("no-autorotate"), help: "Keep frames as stored instead of turning them upright by the video's rotation metadata (ffmpeg's -noautorotate).")
    var noAutorotate = false

    @Option(help: "How frames become square: center (the largest centred square of the displayed picture, in display pixels for anamorphic video) or none (squeeze).")
    var crop: CropMode = .center

    func readOptions(defaultFPS: Double?, size: Int = Codec.imageSize, maxFrames: Int? = nil) -> VideoReadOptions {
        let rate: Double? = fps.map { $0.rate } ?? defaultFPS
        return VideoReadOptions(fps: rate, size: size, crop: crop, maxFrames: maxFrames, autorotate: !noAutorotate,
                                fpsRounding: fpsRound)
    }
}
