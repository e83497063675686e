import ArgumentParser
import Foundation
import MagvitCodec
import Core
import TokenData
import Media

/// `tokentool decode`: a token dataset -> frames (raw rgb24, PNGs, GIF or MP4).
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a token dataset back to frames.",
        discussion: """
        The output's name picks the format: `.rgb` raw rgb24 frames back to back (256x256x3 bytes \
        each, as ffmpeg's rawvideo), `.gif` (per-clip 256-colour palette), `.mp4` (H.264, yuv420p), \
        or a directory: one PNG per frame (frame_000000.png, ...). Outputs appear whole or not at all.
        Example: tokentool decode data/clip -o clip.gif --stride 15
        """)

    @Argument(help: "1X v1.1 dataset directory (metadata.json, video.bin, segment_ids.bin).", completion: .directory)
    var dataset: String

    @Option(name: .shortAndLong, help: "Output: file.rgb, file.gif, file.mp4, or a directory for PNGs.", completion: .file())
    var output: String

    @OptionGroup var codecOptions: CodecOptions
    @OptionGroup var selection: FrameSelection

    @Option(help: ArgumentHelp("Frame rate of a GIF or MP4.",
        discussion: "Default for .gif: 2, the rate the 1X reference visualizer shows clips at (30 Hz data every 15th frame; pair it with --stride 15 for real time); for .mp4: the dataset's hz / --stride, so the video plays in real time (hz 2.5 plays at 2.5 fps)."))
    var fps: Double?

    @Flag(help: "Caption each frame with its index in a 36 px band above it (makes frames 256x292).")
    var captions = false

    @OptionGroup var compute: ComputeOptions

    @Option(help: "1X v2.0 datasets: the clips to decode, e.g. 3, 0-4 or 0,2,5-7 (default all).")
    var clip: String?

    func validate() throws {
        if let fps, fps <= 0 { throw ValidationError("--fps must be > 0") }
        try OptionLimits.check(fps: fps)
    }

    func run() throws {
        ProtectedInputs.register([dataset] + [codecOptions.checkpoint].compactMap { $0 })
        if CosmosCLI.isV2Dataset(dataset) { return try CosmosCLI.decode(self, clips: clip) }
        let data = try TokenDataset(path: dataset)
        let indices = try selection.indices(in: data.frameCount, path: dataset)
        let height = Codec.imageSize + (captions ? 36 : 0)
        let sink = try FrameSink(output: output, fps: fps ?? defaultFPS(data), width: Codec.imageSize, height: height)
        let tokenizer: VideoTokenizer = try codecOptions.loadCodec(parts: [.decoder]).codec
        let progress = Progress("decode", total: indices.count)
        for start in Swift.stride(from: 0, to: indices.count, by: compute.batch) {
            let chunk = indices[start..<min(start + compute.batch, indices.count)]
            let tokens = chunk.map { data.frame($0) }
            let images = try tokenizer.decode(clips: tokens)
            for (index, image) in zip(chunk, images) {
                try sink.append(captions ? image.captioned("frame \(index)") : image)
            }
            progress.advance(by: chunk.count)
        }
        try sink.finish()
        progress.finish()
        print("wrote \(indices.count) frames to \(output)")
    }

    private func defaultFPS(_ data: TokenDataset) -> Double {
        if output.lowercased().hasSuffix(".gif") { return 2 }
        return (data.metadata.hz ?? 30) / Double(selection.stride)
    }
}
