import ArgumentParser
import Foundation
import MagvitCodec

/// `tokentool tokenize`: images and videos -> a 1X v1.1 token dataset.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn images and videos into MAGVIT2 tokens, written as a 1X v1.1 dataset.",
        discussion: """
        Each video becomes one segment; consecutive image files form one segment (an image \
        sequence). Frames are center-cropped to a square and scaled to --size with an area filter \
        (bicubic when enlarging); a 256x256 RGB PNG passes through untouched. Writing is atomic: \
        an interrupted run, or a failed --append, leaves an existing dataset exactly as it was.
        Example: tokentool tokenize clip.mp4 -o data/clip --fps 30
        """)

    @Argument(help: "Video files (any format FFmpeg reads) and PNG images.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Dataset directory to write.")
    var output: String

    @OptionGroup var codecOptions: CodecOptions

    @Option(help: "Frames per second sampled from videos (the 1X rate is 30; written to metadata as hz).")
    var fps: Double = 30

    @Option(help: "Side of the square frames fed to the codec.")
    var size = 256

    @Option(help: "How frames become square: center (crop) or none (squeeze).")
    var crop: CropMode = .center

    @Option(name: .customLong("max-frames"), help: "Read at most this many frames from each video.")
    var maxFrames: Int?

    @Flag(help: "Add the inputs as new segments of an existing dataset.")
    var append = false

    @Flag(help: "Replace an existing output dataset.")
    var force = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one video or image to tokenize") }
        guard fps > 0 else { throw ValidationError("--fps must be > 0") }
        guard size == Codec.imageSize else { throw ValidationError("--size must be \(Codec.imageSize): the MAGVIT2 codec takes 256x256 frames") }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be >= 1") }
        if append && force { throw ValidationError("--append and --force exclude each other") }
    }

    func run() throws {
        if CosmosCLI.isCosmos(checkpoint: codecOptions.checkpoint) { return try CosmosCLI.tokenize(self) }
        compute.apply()
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            throw ValidationErrorText("\(input): no such file")
        }
        let (codec, checkpointPath) = try codecOptions.loadCodec(parts: [.encoder])
        let target = URL(fileURLWithPath: output)
        let writer = append
            ? try TokenDatasetWriter.append(to: target)
            : try TokenDatasetWriter.create(at: target, hz: Int(fps.rounded()), tokenizerCheckpoint: checkpointPath,
                                            replaceExisting: force)
        // The total grows as each video's length becomes known.
        var expected = inputs.filter(Self.isImage).count
        let progress = Progress("tokenize", total: expected)
        var pending: [RGBImage] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            let (_, tokens) = try codec.encode(images: pending)
            for frame in tokens { try writer.add(frame: frame) }
            progress.advance(by: pending.count)
            pending.removeAll(keepingCapacity: true)
        }
        var previousWasImage = false
        for input in inputs {
            let isImage = Self.isImage(input)
            if !(isImage && previousWasImage) {
                try flush()
                writer.beginSegment()
            }
            previousWasImage = isImage
            if isImage {
                pending.append(try squareImage(at: input))
                if pending.count >= compute.batch { try flush() }
            } else {
                let options = VideoReadOptions(fps: fps, size: size, crop: crop, maxFrames: maxFrames)
                let reader = try VideoReader(url: URL(fileURLWithPath: input), options: options)
                expected += reader.estimatedFrameCount ?? 0
                progress.update(done: progress.done, total: expected)
                let frames = try reader.forEachFrame { frame, _, _ in
                    pending.append(frame)
                    if pending.count >= compute.batch { try flush() }
                }
                if frames == 0 { throw MediaError.noDecodableFrames(path: input) }
            }
        }
        try flush()
        try writer.commit()
        progress.finish()
        print("wrote \(writer.addedFrameCount) frames to \(output)")
    }

    static func isImage(_ path: String) -> Bool {
        ["png"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// A PNG already at the codec's size is used byte for byte; any other size goes through the
    /// same crop and scale as video frames.
    private func squareImage(at path: String) throws -> RGBImage {
        try FrameSource.frames(of: path, size: size, crop: crop, maxFrames: 1)[0]
    }
}

extension CropMode: ExpressibleByArgument {}
