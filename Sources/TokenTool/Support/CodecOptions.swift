import ArgumentParser
import Foundation
import MagvitCodec
import Checkpoints
import Core

/// `--ckpt` and `--ema`, shared by every command that runs the codec.
struct CodecOptions: ParsableArguments {
    @Option(name: .customLong("ckpt"), help: ArgumentHelp(
        "MAGVIT2 checkpoint (magvit2.ckpt layout, PyTorch zip or legacy, or safetensors), or a Hugging Face id (ORG/NAME[@rev][/file]) in the local cache.",
        discussion: "Defaults to the small demo checkpoint shipped in Samples/ (\(SampleFiles.checkpointName)) when none is given."),
            completion: .file())
    var checkpoint: String?

    @Flag(name: .customLong("ema"), help: "Use the model_ema.* shadow weights instead of encoder.*/decoder.*.")
    var useEMA = false

    /// The checkpoint path actually used: the one given (a path, or a Hugging Face id resolved in
    /// the local cache), else the shipped sample, with a note that it is the small demo codec.
    func checkpointPath() throws -> String {
        if let checkpoint { return try HubCheckpoint.file(checkpoint) }
        guard let sample = SampleFiles.path(SampleFiles.checkpointName) else {
            throw ValidationError("no --ckpt given and the shipped sample checkpoint Samples/\(SampleFiles.checkpointName) was not found (set TOKENTOOL_SAMPLES to the Samples folder)")
        }
        note(DemoCodec.note)
        return sample
    }

    /// `opened`: the checkpoint as `TokenizerCheckpoint.detect` opened it, used when it is this file.
    func loadCodec(parts: Set<Codec.Part>, opened: TensorStore? = nil) throws -> (codec: Codec, path: String) {
        let path = try checkpointPath()
        return (try Codec.load(path: path, opened: opened, weights: useEMA ? .ema : .plain, parts: parts), path)
    }
}

/// Which frames of a dataset a command reads.
struct FrameSelection: ParsableArguments {
    @Option(help: "First frame to read.")
    var offset = 0

    @Option(help: "Read every n-th frame.")
    var stride = 1

    @Option(name: .customLong("max-frames"), help: "Read at most this many frames.")
    var maxFrames: Int?

    func validate() throws {
        guard offset >= 0 else { throw ValidationError("--offset must be >= 0") }
        guard stride >= 1 else { throw ValidationError("--stride must be >= 1") }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be >= 1") }
        try OptionLimits.check(offset, "--offset", atMost: OptionLimits.maxCount)
        try OptionLimits.check(stride, "--stride", atMost: OptionLimits.maxCount)
        try OptionLimits.check(maxFrames, "--max-frames", atMost: OptionLimits.maxCount)
    }

    /// Frame indices selected from a dataset of `count` frames.
    func indices(in count: Int, path: String) throws -> [Int] {
        guard offset < count else {
            throw ValidationError("--offset \(offset) is past the end of \(path) (\(count) frames)")
        }
        var result = Array(Swift.stride(from: offset, to: count, by: stride))
        if let maxFrames, result.count > maxFrames { result = Array(result.prefix(maxFrames)) }
        return result
    }
}

/// `--batch` and `--threads` for commands that run the codec over many frames (`main` applies
/// `--threads` through the runtime policy).
struct ComputeOptions: ParsableArguments {
    @Option(help: "Frames run through the codec together.")
    var batch = 8

    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be >= 1") }
        try OptionLimits.check(batch, "--batch", atMost: OptionLimits.maxBatch)
    }
}
