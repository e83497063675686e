import ArgumentParser
import Foundation
import MagvitCodec
import Predictor
import TokenData
import Media
import Core
import Pipelines

/// `tokentool demo`: the whole pipeline on the embedded sample, no network, no arguments.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline on the shipped sample clip: tokenize, predict, compare.",
        discussion: """
        Tokenizes Samples/\(SampleFiles.clipName) with the shipped codec (or --ckpt), takes a window of \
        --prompt-frames + --frames frames, predicts the last --frames with the shipped context model \
        (the best predictor that needs no neural weights), scores it against `copy`, and writes the \
        comparison as GIF, MP4 and comic PNG.
        """)

    @Option(name: .shortAndLong, help: "Directory for the demo's outputs.", completion: .directory)
    var output = "tokentool-demo"

    @OptionGroup var codecOptions: CodecOptions

    @Option(help: "Frames per second sampled from the clip.")
    var fps: Double = 30

    @Option(help: "Clip frames between window frames.")
    var stride = 3

    @Option(name: .customLong("prompt-frames"), help: "Prompt frames.")
    var promptFrames = 9

    @Option(help: "Frames to predict.")
    var frames = 8

    @Option(help: "Context-model file (default: the shipped Samples/\(SampleFiles.contextModelName)).")
    var model: String?

    @Option(help: "Input video (default: the shipped Samples/\(SampleFiles.clipName)).")
    var clip: String?

    func validate() throws {
        guard fps > 0, stride >= 1, promptFrames >= 1, frames >= 1 else {
            throw ValidationError("--fps, --stride, --prompt-frames and --frames must be positive")
        }
        try OptionLimits.check(fps: fps)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
        try OptionLimits.check(promptFrames, "--prompt-frames", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(frames, "--frames", atMost: OptionLimits.maxWindow)
    }

    func run() throws {
        let started = Date()
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        guard let clipPath = clip ?? SampleFiles.path(SampleFiles.clipName) else {
            throw ValidationErrorText("the shipped sample clip Samples/\(SampleFiles.clipName) was not found (set TOKENTOOL_SAMPLES)")
        }
        guard let modelPath = model ?? SampleFiles.path(SampleFiles.contextModelName) else {
            throw ValidationErrorText("the shipped context model Samples/\(SampleFiles.contextModelName) was not found (set TOKENTOOL_SAMPLES)")
        }
        let (codec, checkpoint) = try codecOptions.loadCodec(parts: [.encoder, .decoder])
        let tokenizer: VideoTokenizer = codec

        // 1. Video -> tokens.
        let tokensDir = out.appendingPathComponent("tokens")
        let writer = try TokenDatasetWriter.create(at: tokensDir, hz: fps, tokenizerCheckpoint: checkpoint,
                                                   replaceExisting: true)
        var tokenizeProgress: Progress?
        try TokenizePipeline(tokenizer: tokenizer, options: VideoReadOptions(fps: fps), batch: 8)
            .run([.video(clipPath)], into: writer) { event in
                switch event {
                case .videoOpened(_, _, let estimate): tokenizeProgress = Progress("tokenize", total: estimate)
                case .encoded(let frames, _, _): tokenizeProgress?.advance(by: frames)
                }
            }
        try writer.commit()
        tokenizeProgress?.finish()

        // 2. One window: prompt + future, scored teacher-forced, then sampled.
        let dataset = try TokenDataset(directory: tokensDir)
        let window = try SampleWindow.load(dataset: dataset, path: tokensDir.path, example: 0,
                                           length: promptFrames + frames, stride: stride)
        let context = try ContextModel.load(from: URL(fileURLWithPath: modelPath))
        let copy = CopyPredictor.fit(dataset: dataset, windows: WindowSet(spec: try WindowSpec(length: window.count, stride: stride), starts: [0]))
        let settings = EvaluationSettings(maskgitSteps: 1, temperature: 0)
        // Score only the predicted frames: the prompt is given, as in generation.
        var scores: [(String, EvaluationReport)] = []
        for predictor in [context as FramePredictor, copy] {
            scores.append((predictor === context ? "context" : "copy",
                           try DemoScoring.score(predictor, window: window, promptFrames: promptFrames, settings: settings)))
        }
        let generator = FrameGenerator(maskgit: settings.maskgit, seed: 0)
        let predicted = try generator.generate(prompt: Array(window.prefix(promptFrames)), count: frames, with: context)

        // 3. Tokens -> pictures.
        let sampleDir = out.appendingPathComponent("generated")
        let sample = try GeneratedSample(prompt: Array(window.prefix(promptFrames)), predicted: predicted, groundTruth: Array(window.dropFirst(promptFrames)))
        try sample.write(to: sampleDir, hz: fps, tokenizerCheckpoint: checkpoint)
        let decodeProgress = Progress("decode", total: window.count + frames)
        let truthImages = try tokenizer.decode(clips: window)
        decodeProgress.advance(by: window.count)
        let predictedImages = try tokenizer.decode(clips: predicted)
        decodeProgress.advance(by: frames)
        decodeProgress.finish()
        let renderer = ComparisonRenderer()
        let promptImages = Array(truthImages.prefix(promptFrames))
        var written: [String] = []
        for name in ["comparison.gif", "comparison.mp4", "comparison.png"] {
            let url = out.appendingPathComponent(name)
            try renderer.write(prompt: promptImages, generated: predictedImages, groundTruth: truthImages, to: url, fps: 2,
                               title: "Context model: \(frames) predicted frames (top) vs. ground truth (bottom)")
            written.append(url.path)
        }

        print("tokens       \(tokensDir.path) (\(dataset.frameCount) frames at \(fps) fps)")
        print("sample       \(sampleDir.path)")
        for path in written { print("wrote        \(path)") }
        print("window       frames 0..<\(window.count) at stride \(stride): \(promptFrames) prompt + \(frames) predicted")
        for (name, report) in scores {
            print(String(format: "%-12@ ce %.3f  accuracy %.4f  (%.4f s/frame)", name as NSString, report.ce, report.accuracy, report.secondsPerFrame))
        }
        print(String(format: "total        %.1f s", Date().timeIntervalSince(started)))
    }
}

enum DemoScoring {
    /// Teacher-forced CE and accuracy of the frames after the prompt.
    static func score(_ predictor: FramePredictor, window: [FrameTokens], promptFrames: Int,
                      settings: EvaluationSettings) throws -> EvaluationReport {
        let full = try TeacherForcedEvaluator(settings: settings).evaluate(predictor, windows: [window])
        let predicted = Array(full.perTimestepCE.dropFirst(promptFrames - 1))
        var report = full
        report.ce = predicted.reduce(0, +) / Double(max(1, predicted.count))
        return report
    }
}
