import ArgumentParser
import Foundation
import Predictor
import Core
import TokenData

/// `tokentool generate`: sample future frames of a dataset window.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample future frames from a prompt window and write a generated-sample directory.",
        discussion: """
        Takes window --example of --data (frames --stride apart), keeps its first --prompt-frames \
        frames as the prompt, and samples --frames more, one frame at a time with MaskGIT. When \
        prompt plus generated frames exceed the model's context (GENIE: T = 16), the context slides.
        Sampling differs from the reference: the reference's temperature only switches between \
        greedy and sampling from the model's distribution (it renormalizes probs / T); here the \
        temperature divides the logits, softmax(logits / T), and --top-k / --top-p restrict the classes.
        --example counts windows as the reference's --example_ind does: every start whose window \
        stays inside one segment, overlapping windows included, so --example 20 starts at frame 20 \
        of a one-segment dataset; --filter-overlaps counts only windows that do not overlap earlier \
        ones. --reference-window is the reference's 8 prompt + 8 generated frames.
        Render the result with `tokentool compare <dir> -o out.gif`.
        Example: tokentool generate --data data/val_v1.1 --model GENIE_35M --example 3 -o samples/3
        With a Cosmos-Predict1 `model.pt` (or its folder) and v2.0 data: latent 2 of --clip is generated \
        after its latents 0-1 with the KV cache (greedy at --temperature 0; top-p as the reference), and \
        the sample directory is a v2.0 dataset of [prompt + generated] and the ground-truth clip.
        Example: tokentool generate --model Cosmos-Predict1-4B --data data/val_v2.0 --clip 0 --top-p 0.8 --temperature 1.0 -o samples/0
        """)

    @Option(help: "1X v1.1 dataset directory holding the prompt (and the ground truth), or a Hugging Face dataset id in the local cache (ORG/NAME/folder).",
            completion: .directory)
    var data: String

    @Option(help: PredictorChoice.help, completion: .file())
    var model: String

    @Option(help: "Which window (0-based), numbered as the reference's --example_ind.")
    var example = 0

    @Flag(name: .customLong("filter-overlaps"), help: "Number only windows that do not overlap earlier ones.")
    var filterOverlaps = false

    @Flag(name: .customLong("reference-window"), help: "The reference's window: 8 prompt + 8 generated frames (overrides --prompt-frames and --frames).")
    var referenceWindow = false

    @Option(help: "Cosmos AR on v2.0 data: which stored 17-frame clip (0-based; default --example).")
    var clip: Int?

    @Option(name: .customLong("prompt-frames"), help: "Prompt frames given to the model.")
    var promptFrames = 9

    @Option(help: "Frames to generate after the prompt.")
    var frames = 8

    @Option(help: "Dataset frames between window frames (15: 30 Hz data at 2 Hz).")
    var stride = 15

    @OptionGroup var sampling: SamplingOptions

    @Option(name: .shortAndLong, help: "Generated-sample directory to write (replaced if it exists).", completion: .directory)
    var output: String

    func validate() throws {
        guard promptFrames >= 1 else { throw ValidationError("--prompt-frames must be >= 1") }
        guard frames >= 1 else { throw ValidationError("--frames must be >= 1") }
        guard stride >= 1 else { throw ValidationError("--stride must be >= 1") }
        try OptionLimits.check(frames, "--frames", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(promptFrames, "--prompt-frames", atMost: OptionLimits.maxWindow)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
    }

    func run() throws {
        let data = try HubPath.dataset(self.data)
        ProtectedInputs.register([data, model])
        if let cosmos = try? HubPath.resolve(model, types: [.model]), CosmosARModel.looksLikeCheckpoint(cosmos) {
            var resolved = self
            resolved.data = data
            resolved.model = cosmos
            return try CosmosARRun.generate(resolved)
        }
        let promptFrames = referenceWindow ? 8 : self.promptFrames
        let frames = referenceWindow ? 8 : self.frames
        let dataset = try TokenDataset(path: data)
        let window = try SampleWindow.load(dataset: dataset, path: data, example: example,
                                           length: promptFrames + frames, stride: stride, filterOverlaps: filterOverlaps)
        let predictor = try PredictorChoice.load(model)
        note("generating \(frames) frames after \(promptFrames) prompt frames with \(predictor.name)")
        let progress = Progress("generate", total: frames)
        let generator = FrameGenerator(maskgit: sampling.settings.maskgit, seed: sampling.seed)
        let start = Date()
        let predicted = try generator.generate(prompt: Array(window.prefix(promptFrames)), count: frames, with: predictor) {
            progress.update(done: $0)
        }
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        let sample = try GeneratedSample(prompt: Array(window.prefix(promptFrames)), predicted: predicted, groundTruth: Array(window.dropFirst(promptFrames)))
        try sample.write(to: URL(fileURLWithPath: output), hz: dataset.metadata.hz ?? 30,
                         tokenizerCheckpoint: dataset.metadata.tokenizerCheckpoint ?? "")
        print("wrote \(output) (\(promptFrames) prompt + \(frames) generated + \(frames) ground-truth frames, "
              + String(format: "%.3f s per generated frame)", seconds / Double(frames)))
    }
}

/// One window of a dataset, for generation and rendering.
enum SampleWindow {
    /// Windows are numbered as the reference's `--example_ind` (overlaps kept) unless `filterOverlaps`.
    static func load(dataset: TokenDataset, path: String, example: Int, length: Int, stride: Int,
                     filterOverlaps: Bool = false) throws -> [FrameTokens] {
        let spec = try WindowSpec(length: length, stride: stride)
        let windows = WindowSet(dataset: dataset, spec: spec, filterInterrupts: true, filterOverlaps: filterOverlaps)
        guard example >= 0, example < windows.count else {
            let kind = filterOverlaps ? "non-overlapping windows" : "windows"
            throw ValidationErrorText("\(path): --example \(example) is out of range: the dataset has \(windows.count) \(kind) of \(length) frames at stride \(stride)")
        }
        return windows.frames(example, in: dataset)
    }
}
