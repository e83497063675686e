import Foundation
import Predictor
import Core

/// `tokentool bench --only cosmos-ar`: the Cosmos-Predict1 AR model at the 4B width (random bf16
/// weights with --layers layers, generated here) or a real `model.pt` (--ckpt): teacher-forced
/// scoring of one 3072-code clip, prefill of the 2048-code prompt, and the median of 32 KV-cache
/// decode steps, beside this machine's FMA peak and memory read bandwidth, so that the GEMM-bound
/// parts read as GFLOP/s against the peak and a decode step as bytes against the bandwidth.
enum CosmosARBench {
    static func run(ckpt: String?, layers: Int, prompt: Int, score runScore: Bool, json: String?) throws {
        let model: CosmosARModel
        if let ckpt {
            model = try CosmosARRun.loadModel(ckpt)
        } else {
            var config = CosmosARConfig.cosmos4B
            config.layers = layers
            note("building the 4B width with \(layers) layers and random bf16 weights")
            model = CosmosARModel(randomWeightsFor: config, seed: 1)
        }
        let config = model.config
        let rssWeights = ProcessUsage.currentRSSMegabytes()
        var rng = Xoshiro256(seed: 2)
        let clip = (0..<3072).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        // Warm-up: first touches of every weight page and buffer.
        _ = model.hidden(Array(clip[..<64]), start: 0, cache: model.makeCache())

        var start = Date()
        var cpuStart = ProcessUsage.cpuSeconds()
        var scoreSeconds = Double.nan, scoreCPU = Double.nan
        if runScore {
            let score = try model.teacherForced(clip: clip, targets: 2048..<3072, file: "bench")
            scoreSeconds = Date().timeIntervalSince(start)
            scoreCPU = ProcessUsage.cpuSeconds() - cpuStart
            note(String(format: "score: %.2f s per 3072-code clip (CE %.3f)", scoreSeconds, score.ce))
        }

        let cache = model.makeCache()
        start = Date()
        cpuStart = ProcessUsage.cpuSeconds()
        let prefillHidden = model.hidden(Array(clip[..<prompt]), start: 0, cache: cache)
        var logits = model.logits(prefillHidden, rows: (prompt - 1)..<prompt)
        let prefillSeconds = Date().timeIntervalSince(start)
        let prefillCPU = ProcessUsage.cpuSeconds() - cpuStart
        cpuStart = ProcessUsage.cpuSeconds()
        note(String(format: "prefill: %.2f s for %d codes", prefillSeconds, prompt))

        var steps: [Double] = []
        for p in prompt..<(prompt + 32) {
            let stepStart = Date()
            let code = logits.withUnsafeBufferPointer { TokenSampler.argmax($0) }
            logits = model.logits(model.hidden([Int32(code)], start: p, cache: cache), rows: 0..<1)
            steps.append(Date().timeIntervalSince(stepStart))
        }
        let decodeSeconds = steps.sorted()[steps.count / 2]
        let decodeCPU = (ProcessUsage.cpuSeconds() - cpuStart) / Double(steps.count)
        note(String(format: "decode: %.3f s per token (median of 32 steps)", decodeSeconds))

        let bandwidth = Kernels.memoryReadBandwidth()
        // The widest FMA the kernels run (AVX-512 where there is one). On the AMX path the linear
        // layers run on bf16 tiles and can pass it: the GFLOP/s below count float32 work.
        let peak = Kernels.fmaPeakAVX512() ?? Kernels.fmaPeak()
        // FLOPs as the PyTorch rebuild counts them: layers over all positions; the head on the
        // 1024 rows that predict latent 2 (scoring) or the last row (prefill).
        let headFLOPs = 2.0 * Double(config.dim * config.vocabSize)
        let scoreFLOPs = Double(config.layers) * config.layerFLOPs(tokens: 3071) + 1024 * headFLOPs
        let prefillFLOPs = Double(config.layers) * config.layerFLOPs(tokens: prompt) + headFLOPs
        let kvBytes = Double(config.layers * 2 * config.kvHeads * config.headDim * (prompt + 16) * 4)
        let decodeBytes = Double(config.decodeWeightBytes) + kvBytes
        let full = CosmosARConfig.cosmos4B
        let fullDecodeBytes = Double(full.decodeWeightBytes) + Double(full.layers * 2 * full.kvHeads * full.headDim * 2560 * 4)
        // The full 16 layers: scoring and prefill scale with FLOPs, a decode step with bytes read.
        let fullScoreFLOPs = 16 * full.layerFLOPs(tokens: 3071) + 1024 * headFLOPs
        let fullPrefillFLOPs = 16 * full.layerFLOPs(tokens: prompt) + headFLOPs
        var results: [(String, Any)] = [
            ("cosmos_ar.score_seconds_per_clip", scoreSeconds),
            ("cosmos_ar.prefill_seconds", prefillSeconds),
            ("cosmos_ar.prefill_codes", prompt),
            ("cosmos_ar.decode_seconds_per_token", decodeSeconds),
            ("cosmos_ar.score_gflops_per_second", scoreFLOPs / scoreSeconds / 1e9),
            ("cosmos_ar.prefill_gflops_per_second", prefillFLOPs / prefillSeconds / 1e9),
            // On a shared machine wall time follows the CPU share; CPU seconds (all threads) do not.
            ("cosmos_ar.score_cpu_seconds", scoreCPU),
            ("cosmos_ar.prefill_cpu_seconds", prefillCPU),
            ("cosmos_ar.decode_cpu_seconds_per_token", decodeCPU),
            ("cosmos_ar.score_gflop_per_cpu_second", scoreFLOPs / scoreCPU / 1e9),
            ("cosmos_ar.prefill_gflop_per_cpu_second", prefillFLOPs / prefillCPU / 1e9),
            ("cosmos_ar.fma_peak_gflops_per_second", peak),
            ("cosmos_ar.gemm_path", GEMMPath.best.rawValue),
            ("cosmos_ar.memory_read_gb_per_second", bandwidth),
            ("cosmos_ar.decode_bytes_per_token", decodeBytes),
            ("cosmos_ar.decode_seconds_at_bandwidth", decodeBytes / (bandwidth * 1e9)),
            ("cosmos_ar.decode_fraction_of_bandwidth", decodeBytes / (bandwidth * 1e9) / decodeSeconds),
            ("cosmos_ar.full_4b_decode_seconds_at_bandwidth", fullDecodeBytes / (bandwidth * 1e9)),
            ("cosmos_ar.full_4b_score_seconds_per_clip_estimate", scoreSeconds * fullScoreFLOPs / scoreFLOPs),
            ("cosmos_ar.full_4b_prefill_seconds_estimate", prefillSeconds * fullPrefillFLOPs / prefillFLOPs),
            ("cosmos_ar.full_4b_decode_seconds_per_token_estimate", decodeSeconds * fullDecodeBytes / decodeBytes),
            ("cosmos_ar.layers", config.layers),
            ("cosmos_ar.dim", config.dim),
            ("cosmos_ar.weights", ckpt ?? "random"),
            ("cosmos_ar.rss_mb_after_weights", rssWeights),
            ("cosmos_ar.peak_rss_mb", ProcessUsage.peakRSSMegabytes()),
            ("threads", Kernels.threadCount),
            ("cpu", "\(CPUFeatures.current.modelName) (\(CPUFeatures.current.kernelSummary))"),
            ("loadavg_1min", ProcessUsage.loadAverage()),
        ]
        results.removeAll { ($0.1 as? Double)?.isNaN == true }  // the scoring figures under --skip-score
        for (key, value) in results {
            if let v = value as? Double { print("\(key): \(String(format: "%.4g", v))") } else { print("\(key): \(value)") }
        }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: results), options: [.prettyPrinted, .sortedKeys])
            try AtomicOutput.write(data, to: json)
        }
    }
}
