import ArgumentParser
import Foundation
import MagvitCodec
import Core
import TokenData
import Media
import Pipelines

/// `tokentool tokenize`: images and videos -> a 1X v1.1 token dataset.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn images and videos into MAGVIT2 tokens, written as a 1X v1.1 dataset.",
        discussion: """
        Each video becomes one segment. Images (any type FFmpeg or libpng reads) form image \
        sequences: consecutive image arguments, a folder of images, or a printf pattern \
        (img_%03d.png) is one segment, in number-aware sorted order; --segment-per-file makes \
        each image its own segment.
        Every video goes through one libavfilter graph, as ffmpeg would: turned upright by its \
        rotation metadata (--no-autorotate keeps it as stored), frames chosen as `ffmpeg -vf fps=F` \
        chooses them (--fps, --fps-round; --fps source keeps every frame), center-cropped to the \
        largest square of the displayed picture (display pixels, so anamorphic video is not \
        squeezed), scaled to --size with an area filter (bicubic when enlarging). A 256x256 RGB PNG \
        passes through untouched. hz in metadata.json is the rate exactly (2.5 stays 2.5); \
        --append refuses a different rate, tokenizer or checkpoint than the dataset's. Writing is \
        atomic: an interrupted run, or a failed --append, leaves an existing dataset as it was.
        Example: tokentool tokenize clip.mp4 -o data/clip --fps 30
        """)

    @Argument(help: ArgumentHelp("Videos and images (any format FFmpeg reads), image folders, or printf patterns (img_%03d.png).",
                                 valueName: "input"), completion: .file())
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Dataset directory to write.", completion: .directory)
    var output: String

    @OptionGroup var codecOptions: CodecOptions

    @OptionGroup var intake: IntakeOptions

    @Option(help: "Side of the square frames fed to the codec.")
    var size = 256

    @Option(name: .customLong("max-frames"), help: "Read at most this many frames from each video.")
    var maxFrames: Int?

    @Flag(name: .customLong("segment-per-file"), help: "Make every image its own segment instead of one image sequence.")
    var segmentPerFile = false

    @Flag(help: "Add the inputs as new segments of an existing dataset.")
    var append = false

    @Flag(help: "Replace an existing output dataset.")
    var force = false

    @Flag(name: .customLong("wait-lock"), help: "With --append: wait for another process writing the dataset instead of failing.")
    var waitLock = false

    @OptionGroup var compute: ComputeOptions

    @OptionGroup var shardOptions: ShardOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one video or image to tokenize") }
        guard size == Codec.imageSize else { throw ValidationError("--size must be \(Codec.imageSize): the MAGVIT2 codec takes 256x256 frames") }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be >= 1") }
        try OptionLimits.check(fps: intake.fps?.rate)
        try OptionLimits.check(maxFrames, "--max-frames", atMost: OptionLimits.maxCount)
        if append && force { throw ValidationError("--append and --force exclude each other") }
        if append && shardOptions.isRequested { throw ValidationError("--append and --shard exclude each other (merge the parts instead)") }
    }

    func run() throws {
        ProtectedInputs.register(inputs + [codecOptions.checkpoint].compactMap { $0 })
        if let shard = try shardOptions.resolve() { return try runShard(shard) }
        let detected = CosmosCLI.detect(codecOptions.checkpoint)
        if let detected, detected.isCosmos { return try CosmosCLI.tokenize(self, checkpoint: detected) }
        let segments = try InputGrouping.segments(inputs, segmentPerFile: segmentPerFile)
        let options = intake.readOptions(defaultFPS: 30, size: size, maxFrames: maxFrames)
        guard let hz = try TokenizePipeline.datasetRate(segments, options: options) else {
            throw ValidationError("--fps source needs a video that states its frame rate; give --fps <rate>")
        }
        let (codec, checkpointPath) = try codecOptions.loadCodec(parts: [.encoder], opened: detected?.openedStore)
        let tokenizer = try TokenizerIdentity.magvit2(checkpoint: checkpointPath)
        let target = URL(fileURLWithPath: output)
        let writer: TokenDatasetWriter
        if append {
            try tokenizer.checkAppend(to: output, hz: hz)
            writer = try TokenDatasetWriter.append(to: target, waitForLock: waitLock)
        } else {
            writer = try TokenDatasetWriter.create(at: target, hz: hz, tokenizerCheckpoint: checkpointPath,
                                                   extraMetadata: tokenizer.metadata, replaceExisting: force)
        }
        // The total grows as each video's length becomes known.
        var expected = segments.reduce(0) { total, segment in
            if case .images(let files) = segment { return total + files.count } else { return total }
        }
        let progress = Progress("tokenize", total: expected)
        try TokenizePipeline(tokenizer: codec, options: options, batch: compute.batch).run(segments, into: writer) { event in
            switch event {
            case .videoOpened(let input, let filter, let estimate):
                if Verbosity.isVerbose { note("\(input): -vf \(filter)") }
                expected += estimate ?? 0
                progress.update(done: progress.done, total: expected)
            case .encoded(let frames, _, _):
                progress.advance(by: frames)
            }
        }
        try writer.commit()
        progress.finish()
        print("wrote \(writer.addedFrameCount) frames to \(output)")
    }
}

extension CropMode: ExpressibleByArgument {}
