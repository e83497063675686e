import ArgumentParser
import Foundation
import CosmosTokenizer
import MagvitCodec
import Predictor
import TokenData
import Media
import Core

/// `tokentool compare`: prompt, prediction and ground truth side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a generated sample as [prompt | generated] beside the ground truth.",
        discussion: """
        Reads a generated-sample directory (video.bin = prompt | predicted | ground-truth frames; \
        metadata.json has num_prompt_frames and window_size) as `tokentool generate` writes it. \
        `.gif` / `.mp4`: left the prompt then the generated frames, right the ground truth of the \
        same instants, captioned. `.png`: the comic strip, prediction above, ground truth below.
        With --pair, renders a dataset window instead, the ground truth standing in on both sides \
        (windows numbered as the reference's --example_ind; --filter-overlaps for non-overlapping ones).
        --reference-names writes both files under the reference visualizer's names into the folder \
        -o: generated_offset{N}.gif and generated_comic_offset{N}.png (N: --offset, or --example with --pair).
        Examples: tokentool compare generated/ -o cmp.gif
                  tokentool compare --pair data/clip --example 0 -o cmp.png
        """)

    @Argument(help: "Generated-sample directory (omit with --pair).", completion: .directory)
    var sample: String?

    @Option(name: .shortAndLong, help: "Output: .gif, .mp4 or .png (comic strip); a folder with --reference-names.",
            completion: .file(extensions: ["gif", "mp4", "png"]))
    var output: String

    @Flag(name: .customLong("reference-names"), help: "Write generated_offset{N}.gif and generated_comic_offset{N}.png into the folder -o, as the reference visualizer names them.")
    var referenceNames = false

    @Option(help: "N in the reference names (the reference visualizer's --offset); default --example with --pair, else 0.")
    var offset: Int?

    @Flag(name: .customLong("filter-overlaps"), help: "With --pair: number only windows that do not overlap earlier ones.")
    var filterOverlaps = false

    @Flag(name: .customLong("reference-window"), help: "With --pair: the reference's window, 8 prompt + 8 generated frames (16).")
    var referenceWindow = false

    @Option(help: "Render a window of this 1X dataset instead of a generated sample.")
    var pair: String?

    @Option(help: "With --pair: which valid window (0-based).")
    var example = 0

    @Option(name: .customLong("prompt-frames"), help: "With --pair: prompt frames in the window.")
    var promptFrames = 9

    @Option(help: "With --pair: frames in the window (prompt + generated).")
    var window = 17

    @Option(help: "With --pair: dataset frames between window frames (15: 30 Hz data seen at 2 Hz).")
    var stride = 15

    @Option(help: "Frames per second of a GIF or MP4 (default 2; 30 for --layout sequential).")
    var fps: Double?

    @Option(help: "1X v2.0 with --pair: which clip (0-based).")
    var clip = 0

    @Option(help: "1X v2.0: side-by-side, or sequential (the 17 generated-side frames, then the 17 true ones, as the seed pipeline writes them).")
    var layout: CosmosCLI.Layout = .sideBySide

    @OptionGroup var codecOptions: CodecOptions

    func validate() throws {
        guard (sample == nil) != (pair == nil) else {
            throw ValidationError("give either a generated-sample directory or --pair <dataset>")
        }
        guard promptFrames >= 1, window > promptFrames else {
            throw ValidationError("--window must exceed --prompt-frames (both >= 1)")
        }
        if let fps, fps <= 0 { throw ValidationError("--fps must be > 0") }
        try OptionLimits.check(fps: fps)
        try OptionLimits.check(window, "--window", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
        if !referenceNames { _ = try VideoFileFormat(url: URL(fileURLWithPath: output)) }
    }

    func run() throws {
        if let pair, CosmosCLI.isV2Dataset(pair) { return try CosmosCLI.compare(self, clip: clip, layout: layout) }
        if let sample, CosmosGeneratedSample.isSample(URL(fileURLWithPath: sample)) {
            return try CosmosCLI.compare(self, clip: clip, layout: layout)
        }
        let tokens = try loadTokens()
        let tokenizer: VideoTokenizer = try codecOptions.loadCodec(parts: [.decoder]).codec
        let progress = Progress("decode", total: tokens.prompt.count + tokens.predicted.count + tokens.groundTruth.count)
        func decode(_ frames: [[UInt32]]) throws -> [RGBImage] {
            defer { progress.advance(by: frames.count) }
            return try tokenizer.decode(clips: frames)
        }
        let prompt = try decode(tokens.prompt)
        let generated = try decode(tokens.predicted)
        let truth = try decode(tokens.groundTruth)
        progress.finish()
        for target in try targets() {
            try ComparisonRenderer().write(prompt: prompt, generated: generated, groundTruth: truth,
                                           to: target, fps: fps ?? 2, title: tokens.title)
            print("wrote \(target.path)")
        }
    }

    /// -o itself, or the reference visualizer's two files inside the folder -o.
    private func targets() throws -> [URL] {
        guard referenceNames else { return [URL(fileURLWithPath: output)] }
        let folder = URL(fileURLWithPath: output)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ValidationErrorText("\(output): cannot create the output folder (\(error.localizedDescription))")
        }
        let n = offset ?? (pair != nil ? example : 0)
        return [folder.appendingPathComponent("generated_offset\(n).gif"), folder.appendingPathComponent("generated_comic_offset\(n).png")]
    }

    private func loadTokens() throws -> (prompt: [[UInt32]], predicted: [[UInt32]], groundTruth: [[UInt32]], title: String) {
        if let sample {
            let s = try GeneratedSample.read(from: URL(fileURLWithPath: sample))
            return (s.prompt, s.predicted, s.groundTruth,
                    "\(s.prompt.count) prompt + \(s.predicted.count) generated frames: generated (top) vs. ground truth (bottom)")
        }
        let path = try HubPath.dataset(pair!)
        let (promptFrames, window) = referenceWindow ? (8, 16) : (self.promptFrames, self.window)
        let frames = try SampleWindow.load(dataset: TokenDataset(path: path), path: path, example: example,
                                           length: window, stride: stride, filterOverlaps: filterOverlaps)
        return (Array(frames.prefix(promptFrames)), Array(frames.dropFirst(promptFrames)), frames,
                "Ground truth as prediction: window \(example) of \(URL(fileURLWithPath: path).lastPathComponent)")
    }
}
