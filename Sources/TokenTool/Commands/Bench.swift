import ArgumentParser
import Foundation
import MagvitCodec
import Predictor
import Core

/// `tokentool bench`: how fast the codec and a GENIE_35M-size predictor run on this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time MAGVIT2 decode/encode and GENIE_35M-size scoring per frame on this machine.",
        discussion: """
        Without --ckpt the codec is the 1X size (base 128, multipliers 1,1,2,2,4) with seeded \
        random weights, which runs exactly the same arithmetic as the real one. Times are warm \
        medians over --frames runs of one frame each. GENIE is timed teacher-forced on a \
        16-frame window of random tokens, divided by the 15 predicted frames: the median of \
        --frames runs of the window.
        Example: tokentool bench --frames 3 --json bench.json
        """)

    @Option(help: "A MAGVIT2 checkpoint (or Hugging Face id in the local cache) to time instead of random weights.", completion: .file())
    var ckpt: String?

    @Option(help: "Timed runs of each measurement (after one warm-up for the codec); the median is reported.")
    var frames = 3

    @Option(help: "Also write the results to this JSON file.")
    var json: String?

    @OptionGroup var threads: ThreadsOption

    @Option(help: "Time only this model: magvit2, genie, cosmos-tokenizer or cosmos-ar (default: every model but cosmos-ar, whose 4B-width layers take minutes and gigabytes; --ckpt then names its model.pt); or gemm: the GEMM micro-kernel paths (best of --frames).")
    var only: String?

    @Option(help: "cosmos-ar: layers of the random-weight model at the 4B width (the real 4B has 16).")
    var layers = 2

    @Option(help: "cosmos-ar: prompt codes prefilled before the 32 decode steps (the fork's: 2048).")
    var prompt = 2048

    @Flag(name: .customLong("skip-score"), help: "cosmos-ar: skip the teacher-forced scoring of a whole clip.")
    var skipScore = false

    @Flag(help: "Skip the GENIE measurement.")
    var skipGenie = false

    @Flag(help: "Time the codec without Winograd convolutions (the shifted-GEMM path everywhere), for A/B comparisons.")
    var noWinograd = false

    func validate() throws {
        guard frames >= 1 else { throw ValidationError("--frames must be >= 1") }
        guard layers >= 1 else { throw ValidationError("--layers must be >= 1") }
        guard (1...3040).contains(prompt) else { throw ValidationError("--prompt must be in 1...3040 (32 decode steps follow it in the 3072-code grid)") }
        try OptionLimits.check(frames, "--frames", atMost: OptionLimits.maxCount)
        if let only, !["magvit2", "genie", "cosmos-tokenizer", "cosmos-ar", "gemm"].contains(only) {
            throw ValidationError("--only must be magvit2, genie, cosmos-tokenizer, cosmos-ar or gemm")
        }
    }

    private func runs(_ model: String) -> Bool { only == nil || only == model }

    func run() throws {
        if only == "cosmos-ar" { return try CosmosARBench.run(ckpt: ckpt, layers: layers, prompt: prompt, score: !skipScore, json: json) }
        if only == "gemm" { return try GEMMBench.run(runs: frames, json: json) }
        let cpu = Runtime.cpu
        note("cpu: \(cpu)")

        var results: [(String, Any)] = []
        if (runs("magvit2") || runs("genie")) && !CosmosCLI.isCosmos(checkpoint: ckpt) { results = try benchMagvitAndGenie(cpu: cpu) }
        if runs("cosmos-tokenizer") {
            let cosmosCkpt = CosmosCLI.isCosmos(checkpoint: ckpt) ? ckpt : nil
            results += try CosmosCLI.bench(ckpt: cosmosCkpt, runs: frames) { label, body in try median(label, body) }
            if only != nil { results += [("threads", Kernels.threadCount), ("cpu", "\(cpu.modelName) (\(cpu.kernelSummary))")] }
        }

        for (key, value) in results {
            if let v = value as? Double { print("\(key): \(String(format: "%.4g", v))") } else { print("\(key): \(value)") }
        }
        if let json {
            let object = Dictionary(results, uniquingKeysWith: { a, _ in a })
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try AtomicOutput.write(data, to: json)
        }
    }

    private func benchMagvitAndGenie(cpu: CPUFeatures) throws -> [(String, Any)] {
        // Decoder and encoder are loaded one after the other, as `tokentool` uses them, so the
        // peak RSS after the decoder is what decoding alone costs.
        note("loading the decoder (\(ckpt ?? "random 1X-size weights"))")
        var codec = try loadCodec(parts: [.decoder])
        let tokens = randomTokens(count: 256, bits: codec.config.zChannels, seed: 1)
        let decodeSeconds = try median("decode") { _ = try codec.decode(tokens: [tokens]) }
        let decodeRSS = ProcessUsage.peakRSSMegabytes()
        let image = try codec.decodeImages(tokens: [tokens])[0]
        let decodeFLOPs = codec.flopsPerFrame(.decoder)

        note("loading the encoder")
        codec = try loadCodec(parts: [.encoder])
        let encodeSeconds = try median("encode") { _ = try codec.encode(images: [image]) }
        let encodeFLOPs = codec.flopsPerFrame(.encoder)

        var genieSeconds: Double?
        if !skipGenie && runs("genie") {
            note("building GENIE_35M-size with random weights")
            let genie = try GenieModel(config: .genie35M, seed: 1)
            let window = (0..<GenieConfig.genie35M.T).map {
                randomTokens(count: GenieConfig.genie35M.S, bits: 18, seed: 100 + UInt64($0))
            }
            // No warm-up run: one window is long enough (seconds) that first touches vanish.
            let windowSeconds = try median("genie window", warmUp: false) { _ = try genie.teacherForced(windows: [window]) }
            genieSeconds = windowSeconds / Double(window.count - 1)
            note(String(format: "genie: %.3f s per predicted frame", genieSeconds!))
        }

        var results: [(String, Any)] = [
            ("decode_seconds_per_frame", decodeSeconds),
            ("encode_seconds_per_frame", encodeSeconds),
            ("decode_gflops_per_second", decodeFLOPs / decodeSeconds / 1e9),
            ("encode_gflops_per_second", encodeFLOPs / encodeSeconds / 1e9),
            ("decode_gflop_per_frame", decodeFLOPs / 1e9),
            ("encode_gflop_per_frame", encodeFLOPs / 1e9),
            ("peak_rss_mb_after_decode", decodeRSS),
            ("peak_rss_mb", ProcessUsage.peakRSSMegabytes()),
            ("threads", Kernels.threadCount),
            ("cpu", "\(cpu.modelName) (\(cpu.kernelSummary))"),
            ("frames", frames),
            ("weights", ckpt ?? "random"),
            ("winograd", !noWinograd),
        ]
        if let genieSeconds { results.insert(("genie_seconds_per_frame", genieSeconds), at: 2) }
        return results
    }

    private func loadCodec(parts: Set<Codec.Part>) throws -> Codec {
        if let ckpt { return try Codec(path: try HubCheckpoint.file(ckpt), parts: parts) }
        return Codec(config: .magvit2, seed: 1, parts: parts)
    }

    /// Median of `frames` timed runs, after one warm-up run (first touches of every buffer)
    /// unless `warmUp` is false.
    private func median(_ label: String, warmUp: Bool = true, _ body: () throws -> Void) throws -> Double {
        if warmUp { try body() }
        var times: [Double] = []
        for i in 0..<frames {
            let start = Date()
            try body()
            times.append(Date().timeIntervalSince(start))
            note(String(format: "%@ %d/%d: %.3f s", label, i + 1, frames, times.last!))
        }
        return times.sorted()[times.count / 2]
    }

    private func randomTokens(count: Int, bits: Int, seed: UInt64) -> [UInt32] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next() >> 32) & ((1 << UInt32(bits)) - 1) }
    }
}
