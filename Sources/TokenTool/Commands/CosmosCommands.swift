import ArgumentParser
import CosmosTokenizer
import Foundation
import Checkpoints
import TokenData
import Media
import Core

/// The Cosmos DV8x8x8 (1X v2.0) side of `tokenize`, `decode`, `compare`, `inspect` and `bench`.
/// Each command keeps its MAGVIT2 path unchanged and hands over here when `--ckpt` names a
/// Cosmos tokenizer (a `.jit` file or a folder of them) or the dataset is a v2.0 one.
enum CosmosCLI {
    /// Whether `--ckpt` names a Cosmos tokenizer: a folder (encoder.jit / decoder.jit /
    /// autoencoder.jit), or a file whose tensors have Cosmos keys. Told from the contents, not the name.
    static func isCosmos(checkpoint spec: String?) -> Bool {
        guard let spec else { return false }
        let path = (try? HubPath.resolve(spec, types: [.model])) ?? spec
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue {
            return ["encoder.jit", "decoder.jit", "autoencoder.jit"].contains {
                FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent($0).path)
            }
        }
        guard let store = try? Checkpoint.open(path: path) else { return false }
        return CosmosTokenizer.isCosmos(store)
    }

    /// Whether a dataset directory is 1X v2.0 (its metadata.json counts shards).
    static func isV2Dataset(_ path: String) -> Bool {
        let url = URL(fileURLWithPath: path).appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["num_shards"] != nil
    }

    static func load(_ spec: String?, parts: Set<CosmosTokenizer.Part>) throws -> CosmosTokenizer {
        guard let spec else {
            throw ValidationErrorText("a 1X v2.0 dataset needs the Cosmos DV8x8x8 tokenizer: pass --ckpt with decoder.jit, "
                + "encoder.jit, autoencoder.jit or their folder (huggingface-cli download nvidia/Cosmos-Tokenizer-DV8x8x8)")
        }
        let path = try HubPath.resolve(spec, types: [.model])
        note("loading Cosmos \(parts.map(\.rawValue).sorted().joined(separator: " + ")) from \(path)")
        do {
            return try CosmosTokenizer(path: path, parts: parts)
        } catch let error as CustomStringConvertible where !error.description.contains(path) {
            throw ValidationErrorText("\(path): \(error.description)")
        }
    }

    // MARK: tokenize

    /// Videos (each one shard and one segment) and runs of PNGs -> a 1X v2.0 dataset.
    static func tokenize(_ command: Tokenize) throws {
        let segments = try InputGrouping.segments(command.inputs, segmentPerFile: command.segmentPerFile)
        let options = command.intake.readOptions(defaultFPS: 30, size: command.size, maxFrames: command.maxFrames)
        guard options.fps == 30 else {
            throw ValidationError("--fps must be 30 for a 1X v2.0 dataset: its clips are 17 frames at 30 Hz")
        }
        let tokenizer = try load(command.codecOptions.checkpoint, parts: [.encoder])
        let target = URL(fileURLWithPath: command.output)
        let writer = command.append
            ? try TokenDatasetV2Writer.append(to: target)
            : try TokenDatasetV2Writer.create(at: target, hz: 30, replaceExisting: command.force)
        let progress = Progress("tokenize", total: nil)
        var clipsDone = 0
        let started = Date()

        for segment in segments {
            var clips: [[Int32]] = []
            var buffer: [RGBImage] = []
            var frames = 0
            func encodeClip() throws {
                // A short last clip repeats its last frame up to 17; the shard records the real count.
                while buffer.count < CosmosTokenizer.framesPerClip { buffer.append(buffer[buffer.count - 1]) }
                clips.append(try tokenizer.encode(clip: buffer).tokens)
                buffer.removeAll(keepingCapacity: true)
                clipsDone += 1
                progress.update(done: frames)
            }
            func add(_ frame: RGBImage) throws {
                buffer.append(frame)
                frames += 1
                if buffer.count == CosmosTokenizer.framesPerClip { try encodeClip() }
            }
            switch segment {
            case .images(let files):
                for path in files { try add(try FrameSource.frames(of: path, options: options)[0]) }
            case .video(let path):
                let reader = try VideoReader(url: URL(fileURLWithPath: path), options: options)
                if let estimate = reader.estimatedFrameCount { progress.update(done: frames, total: estimate) }
                let read = try reader.forEachFrame { frame, _, _ in try add(frame) }
                if read == 0 { throw MediaError.noDecodableFrames(path: path) }
            }
            if !buffer.isEmpty { try encodeClip() }
            try writer.addShard(clips: clips, frameCount: frames)
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

    /// (shard, clip in shard, real frames in the clip) for a global clip index.
    static func locate(_ clip: Int, in data: ShardedTokenDatasetV2) -> (shard: Int, clip: Int, frames: Int) {
        var remaining = clip
        for shard in data.shards {
            if remaining < shard.clipCount {
                let frames = min(CosmosTokenizer.framesPerClip, shard.frameCount - remaining * CosmosTokenizer.framesPerClip)
                return (shard.index, remaining, frames)
            }
            remaining -= shard.clipCount
        }
        preconditionFailure("clip \(clip) past the end")
    }

    static func openV2(_ path: String) throws -> ShardedTokenDatasetV2 {
        let data = try ShardedTokenDatasetV2(path: path)
        let metadata = URL(fileURLWithPath: path).appendingPathComponent("metadata.json").path
        if let declared = data.metadata["num_images"]?.intValue, declared != data.frameCount {
            throw DatasetError(metadata, "num_images is \(declared) but the shards' shard_num_frames add up to \(data.frameCount)")
        }
        return data
    }

    static func decode(_ command: Decode, clips clipText: String?) throws {
        let data = try openV2(command.dataset)
        let clips = try parseClips(clipText, count: data.clipCount, path: command.dataset)
        let captionHeight = command.captions ? 36 : 0
        let fps = command.fps ?? (data.hz ?? 30)
        let sink = try FrameSink(output: command.output, fps: fps, width: 256, height: 256 + captionHeight)
        let tokenizer = try load(command.codecOptions.checkpoint, parts: [.decoder])
        let progress = Progress("decode", total: clips.count, unit: "clips")
        var written = 0
        for clip in clips {
            let (shard, index, frames) = locate(clip, in: data)
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
            let data = try openV2(pair)
            guard clip >= 0, clip < data.clipCount else {
                throw ValidationError("--clip \(clip) is past the end of \(pair) (\(data.clipCount) clips)")
            }
            let (shard, index, _) = locate(clip, in: data)
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

    // MARK: inspect

    static func addArchitecture(of store: TensorStore, to report: inout Report) throws {
        let config = try CosmosConfig(inferringFrom: store)
        report.add("architecture", config.description, key: "architecture", json: [
            "name": "Cosmos DV8x8x8", "channels": config.channels, "level_channels": config.levelChannels,
            "res_blocks": config.resBlocks, "z_channels": config.zChannels, "fsq_levels": FSQ.levels,
        ])
        let buffers = store.tensorNames.filter(CosmosTokenizer.nonPersistentBuffers.contains)
        if !buffers.isEmpty { report.add("set aside", "\(buffers.count) non-persistent buffers (\(buffers.joined(separator: ", ")))") }
        if store.isTorchScript {
            for name in store.tensorNames {
                guard let info = store.info(name) else { continue }
                report.lines.append("  \(name) \(info.dtype.rawValue) \(info.shape)")
            }
        }
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
        var state: UInt64 = 7
        let tokens = (0..<(3 * 32 * 32)).map { _ -> Int32 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32((state >> 33) % UInt64(FSQ.codebookSize))
        }
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
