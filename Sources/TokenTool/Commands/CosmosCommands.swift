import ArgumentParser
import CosmosTokenizer
import Foundation
import Checkpoints
import TokenData
import Media
import Core
import Pipelines

/// The Cosmos DV8x8x8 (1X v2.0) side of `tokenize`, `decode`, `compare`, `inspect` and `bench`.
/// Each command keeps its MAGVIT2 path unchanged and hands over here when `--ckpt` names a
/// Cosmos tokenizer (a `.jit` file or a folder of them) or the dataset is a v2.0 one.
enum CosmosCLI {
    /// What `--ckpt` names, told from its contents once (a folder of .jit files, or a file whose
    /// tensors have Cosmos keys); nil `--ckpt` is the shipped MAGVIT2 sample.
    static func detect(_ spec: String?) -> TokenizerCheckpoint? {
        guard let spec else { return nil }
        return TokenizerCheckpoint.detect(path: (try? HubPath.resolve(spec, types: [.model])) ?? spec)
    }

    /// Whether `--ckpt` names a Cosmos tokenizer.
    static func isCosmos(checkpoint spec: String?) -> Bool {
        detect(spec)?.isCosmos ?? false
    }

    /// Whether a dataset directory is 1X v2.0 (its metadata.json counts shards).
    static func isV2Dataset(_ path: String) -> Bool {
        ShardedTokenDatasetV2.isV2(directory: path)
    }

    static func load(_ spec: String?, parts: Set<CosmosTokenizer.Part>) throws -> CosmosTokenizer {
        guard let spec else {
            throw ValidationErrorText("a 1X v2.0 dataset needs the Cosmos DV8x8x8 tokenizer: pass --ckpt with decoder.jit, "
                + "encoder.jit, autoencoder.jit or their folder (huggingface-cli download nvidia/Cosmos-Tokenizer-DV8x8x8)")
        }
        let path = try HubPath.resolve(spec, types: [.model])
        return try load(.other(path), parts: parts)
    }

    /// Loads from what `detect` found, without opening a detected file again.
    static func load(_ checkpoint: TokenizerCheckpoint, parts: Set<CosmosTokenizer.Part>) throws -> CosmosTokenizer {
        note("loading Cosmos \(parts.map(\.rawValue).sorted().joined(separator: " + ")) from \(checkpoint.path)")
        return try checkpoint.loadCosmos(parts: parts)
    }

    // MARK: tokenize

    /// Videos (each one shard and one segment) and runs of PNGs -> a 1X v2.0 dataset.
    static func tokenize(_ command: Tokenize, checkpoint: TokenizerCheckpoint) throws {
        let segments = try InputGrouping.segments(command.inputs, segmentPerFile: command.segmentPerFile)
        let options = command.intake.readOptions(defaultFPS: 30, size: command.size, maxFrames: command.maxFrames)
        guard options.fps == 30 else {
            throw ValidationError("--fps must be 30 for a 1X v2.0 dataset: its clips are 17 frames at 30 Hz")
        }
        let tokenizer: VideoTokenizer = try load(checkpoint, parts: [.encoder])
        let target = URL(fileURLWithPath: command.output)
        let writer = command.append
            ? try TokenDatasetV2Writer.append(to: target)
            : try TokenDatasetV2Writer.create(at: target, hz: 30, replaceExisting: command.force)
        let progress = Progress("tokenize", total: nil)
        var clipsDone = 0
        let started = Date()
        // One clip at a time, as the encoder's activations for 17 frames are large.
        try TokenizePipeline(tokenizer: tokenizer, options: options, batch: 1).run(segments, into: ShardPerSegmentWriter(writer)) { event in
            switch event {
            case .videoOpened(_, _, let estimate):
                if let estimate { progress.update(done: 0, total: estimate) }
            case .encoded(_, let clips, let segmentFrames):
                clipsDone += clips
                progress.update(done: segmentFrames)
            }
        }
        try writer.commit()
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        note(String(format: "%d clips in %.1f s (%.2f s per clip)", clipsDone, seconds, seconds / Double(max(1, clipsDone))))
        print("wrote \(writer.addedFrameCount) frames (\(writer.addedClipCount) clips of 17 at 30 Hz) to \(command.output)")
    }

    // MARK: decode

    /// A clip selection: "3", "0-4", "0,2,5-7" (0-based, inclusive ranges), over the dataset's
    /// clips counted across shards in order; nil selects every clip. `decode`, `compare`,
    /// `evaluate` and `generate` all read `--clip` through this.
    static func parseClips(_ text: String?, count: Int, path: String) throws -> [Int] {
        guard let text else { return Array(0..<count) }
        var result: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds.last!, low >= 0, low <= high else {
                throw ValidationError("--clip '\(text)': expected clip numbers and ranges like 0,3,5-7")
            }
            guard high < count else {
                throw ValidationError("--clip \(high) is past the end of \(path) (\(count) clips)")
            }
            result += Array(low...high)
        }
        return result
    }

    static func decode(_ command: Decode, clips clipText: String?) throws {
        let data = try ShardedTokenDatasetV2.openChecked(path: command.dataset)
        let clips = try parseClips(clipText, count: data.clipCount, path: command.dataset)
        let captionHeight = command.captions ? 36 : 0
        let fps = command.fps ?? (data.hz ?? 30)
        let sink = try FrameSink(output: command.output, fps: fps, width: 256, height: 256 + captionHeight)
        let tokenizer = try load(command.codecOptions.checkpoint, parts: [.decoder])
        let progress = Progress("decode", total: clips.count, unit: "clips")
        var written = 0
        for clip in clips {
            let (shard, index, frames) = data.locate(clip: clip)
            let tokens = data.clip(index, ofShard: shard)
            try CosmosTokenizer.checkRange(tokens, clip: clip)
            let images = try tokenizer.decode(tokens: tokens)
            for (j, image) in images.prefix(frames).enumerated() {
                try sink.append(command.captions ? image.captioned("clip \(clip) frame \(j)") : image)
            }
            written += frames
            progress.advance()
        }
        try sink.finish()
        progress.finish()
        print("wrote \(written) frames of \(clips.count) clips to \(command.output)")
    }

    // MARK: compare

    enum Layout: String, ExpressibleByArgument, CaseIterable {
        case sideBySide = "side-by-side", sequential
    }

    /// A v2.0 generated sample (clip 0 generated side, clip 1 truth) or, with --pair, a
    /// dataset clip standing in for both.
    static func compare(_ command: Compare, clip: Int, layout: Layout) throws {
        let generated: [Int32], truth: [Int32], promptFrames: Int, title: String
        if let pair = command.pair {
            let data = try ShardedTokenDatasetV2.openChecked(path: pair)
            guard clip >= 0, clip < data.clipCount else {
                throw ValidationError("--clip \(clip) is past the end of \(pair) (\(data.clipCount) clips)")
            }
            let (shard, index, _) = data.locate(clip: clip)
            generated = data.clip(index, ofShard: shard)
            truth = generated
            promptFrames = 9
            title = "Ground truth as prediction: clip \(clip) of \(URL(fileURLWithPath: pair).lastPathComponent)"
        } else {
            let sample = try CosmosGeneratedSample.read(from: URL(fileURLWithPath: command.sample!))
            generated = sample.generated
            truth = sample.groundTruth
            promptFrames = sample.promptFrames
            title = "\(promptFrames) prompt + \(17 - promptFrames) generated frames: generated (top) vs. ground truth (bottom)"
        }
        try CosmosTokenizer.checkRange(generated, clip: 0)
        try CosmosTokenizer.checkRange(truth, clip: 1)
        let tokenizer = try load(command.codecOptions.checkpoint, parts: [.decoder])
        let progress = Progress("decode", total: 2, unit: "clips")
        let generatedFrames = try tokenizer.decode(tokens: generated)
        progress.advance()
        let truthFrames = command.pair != nil ? generatedFrames : try tokenizer.decode(tokens: truth)
        progress.advance()
        progress.finish()
        let url = URL(fileURLWithPath: command.output)
        let prompt = Array(generatedFrames.prefix(promptFrames)), future = Array(generatedFrames.dropFirst(promptFrames))
        if layout == .sequential, try VideoFileFormat(url: url) != .png {
            // As the seed pipeline writes it: the 17 generated-side frames, then the 17 true ones.
            let frames = prompt.map { $0.captioned("Prompt") } + future.map { $0.captioned("Generated") }
                + truthFrames.map { $0.captioned("Ground truth") }
            try writeVideo(frames: frames, to: url, fps: command.fps ?? 30)
        } else {
            try ComparisonRenderer().write(prompt: prompt, generated: future, groundTruth: truthFrames, to: url,
                                           fps: command.fps ?? 2, title: title)
        }
        print("wrote \(command.output)")
    }

    // MARK: bench

    /// decode and encode seconds for one 17 x 256 x 256 clip, full-size random weights unless `ckpt`.
    static func bench(ckpt: String?, runs: Int, median: (String, () throws -> Void) throws -> Double) throws -> [(String, Any)] {
        func tokenizer(_ part: CosmosTokenizer.Part) throws -> CosmosTokenizer {
            if let ckpt { return try CosmosTokenizer(path: ckpt, parts: [part]) }
            return CosmosTokenizer(randomWeights: .dv8x8x8, parts: [part], seed: 1)
        }
        note("loading the Cosmos decoder (\(ckpt ?? "random full-size weights"))")
        var model: CosmosTokenizer? = try tokenizer(.decoder)
        var rng = SplitMix64(seed: 7)
        let tokens = (0..<(3 * 32 * 32)).map { _ in Int32(rng.next() % UInt64(FSQ.codebookSize)) }
        var frames: [RGBImage] = []
        // CPU seconds of all threads too (what PyTorch's `time` reports beside wall time): on a
        // shared machine wall time mostly measures the other tenants.
        var cpu: [Double] = []
        func measured(_ body: () throws -> Void) rethrows {
            let start = ProcessUsage.cpuSeconds()
            try body()
            cpu.append(ProcessUsage.cpuSeconds() - start)
        }
        func cpuMedian() -> Double {
            let timed = cpu.count > runs ? Array(cpu.dropFirst()) : cpu  // the first was the warm-up
            defer { cpu = [] }
            return timed.sorted()[timed.count / 2]
        }
        let decodeSeconds = try median("cosmos decode") { try measured { frames = try model!.decode(tokens: tokens) } }
        let decodeCPU = cpuMedian()
        let decodeRSS = ProcessUsage.peakRSSMegabytes()
        model = nil
        note("loading the Cosmos encoder")
        model = try tokenizer(.encoder)
        let encodeSeconds = try median("cosmos encode") { try measured { _ = try model!.encode(clip: frames) } }
        let encodeCPU = cpuMedian()
        return [
            ("cosmos_tokenizer.decode_seconds_per_clip", decodeSeconds),
            ("cosmos_tokenizer.encode_seconds_per_clip", encodeSeconds),
            ("cosmos_tokenizer.decode_cpu_seconds_per_clip", decodeCPU),
            ("cosmos_tokenizer.encode_cpu_seconds_per_clip", encodeCPU),
            ("cosmos_tokenizer.peak_rss_mb_after_decode", decodeRSS),
            ("cosmos_tokenizer.peak_rss_mb", ProcessUsage.peakRSSMegabytes()),
            ("cosmos_tokenizer.clip", "17x256x256"),
            ("cosmos_tokenizer.weights", ckpt ?? "random DV8x8x8 full size"),
            ("cosmos_tokenizer.runs", runs),
        ]
    }
}
