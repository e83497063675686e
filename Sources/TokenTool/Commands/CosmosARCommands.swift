import ArgumentParser
import Foundation
import Predictor
import Core
import TokenData

// `evaluate` and `generate` when `--model` is a Cosmos-Predict1 autoregressive `model.pt` (or a
// folder holding one) and `--data` a 1X v2.0 dataset. Windows are the seed fork's: each stored
// 17-frame clip is one example, latents 0-1 (2,048 codes, frames 0-8) the prompt and latent 2
// (1,024 codes, frames 9-16) the target.
enum CosmosARRun {
    static let promptTokens = 2048, clipTokens = 3072

    static func loadModel(_ path: String) throws -> CosmosARModel {
        note("loading \(CosmosARModel.checkpointPath(path)) (bf16, memory-mapped)")
        let model = try CosmosARModel(path: path)
        let c = model.config
        note("cosmos ar: \(c.layers) layers, dim \(c.dim), \(c.heads) heads over \(c.kvHeads) kv heads of \(c.headDim), "
             + "ffn \(c.ffnHidden), vocab \(c.vocabSize), \(String(format: "%.2f", Double(c.parameterCount) / 1e9)) B parameters")
        return model
    }

    /// Clip k of the dataset, counting through the shards in order.
    static func clip(_ k: Int, of dataset: ShardedTokenDatasetV2, path: String) throws -> [Int32] {
        var index = k
        for shard in dataset.shards {
            if index < shard.clipCount { return dataset.clip(index, ofShard: shard.index) }
            index -= shard.clipCount
        }
        throw CosmosARError(file: path, .clipOutOfRange(clip: k, clips: dataset.clipCount))
    }

    /// "0-9,20,30-31" -> [0, ..., 9, 20, 30, 31] (inclusive ranges, as `--clip` takes them).
    static func sampler(_ options: SamplingOptions) -> TokenSampler {
        TokenSampler.cosmos(temperature: options.temperature, topK: options.topK, topP: options.topP)
    }

    static func evaluate(_ command: Evaluate) throws {
        let dataset = try ShardedTokenDatasetV2(path: command.data)
        let model = try loadModel(command.model)
        var clips = try CosmosCLI.parseClips(command.clip, count: dataset.clipCount, path: command.data)
        if let maxExamples = command.maxExamples { clips = Array(clips.prefix(maxExamples)) }
        guard !clips.isEmpty else { throw ValidationErrorText("\(command.data): no clips to score") }
        let sampler = sampler(command.sampling)
        let targets = promptTokens..<clipTokens
        note("scoring \(clips.count) clips of \(command.data): teacher-forced CE of latent 2"
             + (command.freeRunning ? ", and the fork's free-running CE (\(describe(sampler)), seed \(command.sampling.seed))" : ""))
        let perClipUnits = command.freeRunning ? targets.count : 1
        let progress = Progress("evaluate", total: clips.count * perClipUnits, unit: command.freeRunning ? "codes" : "clips")
        var rows: [(clip: Int, score: CosmosARClipScore)] = []
        var scoringSeconds = 0.0, generationSeconds = 0.0
        for (done, k) in clips.enumerated() {
            let tokens = try clip(k, of: dataset, path: command.data)
            let label = "\(command.data) clip \(k)"
            var start = Date()
            let teacher = try model.teacherForced(clip: tokens, targets: targets, file: label)
            scoringSeconds += Date().timeIntervalSince(start)
            var score = CosmosARClipScore(ce: teacher.ce, accuracy: teacher.accuracy)
            if command.freeRunning {
                // The fork seeds once per generate call: the same seed for every clip.
                var rng = Xoshiro256(seed: command.sampling.seed)
                start = Date()
                let result = try model.generate(prompt: Array(tokens[..<promptTokens]), count: targets.count, sampler: sampler,
                                                using: &rng, truth: Array(tokens[promptTokens...]), file: label) {
                    progress.update(done: done * perClipUnits + $0)
                }
                let seconds = Date().timeIntervalSince(start)
                generationSeconds += seconds
                score.freeRunningCE = result.freeRunningCE
                score.freeRunningAccuracy = Double(zip(result.codes, tokens[promptTokens...]).filter { $0 == $1 }.count) / Double(targets.count)
                score.generationSeconds = seconds
            }
            rows.append((k, score))
            progress.update(done: (done + 1) * perClipUnits)
        }
        progress.finish()

        let n = Double(rows.count), framesPerClip = 8.0  // latent 2 = frames 9-16
        var report: [String: Any] = [
            "predictor": "cosmos-ar",
            "model": model.source,
            "data": command.data,
            "examples": rows.count,
            "ce": rows.map(\.score.ce).reduce(0, +) / n,
            "accuracy": rows.map(\.score.accuracy).reduce(0, +) / n,
            "teacher_forced_seconds_per_frame": scoringSeconds / (n * framesPerClip),
            "target": "latent 2 (codes 2048..<3072, frames 9-16) given latents 0-1",
            "clips": rows.map { row -> [String: Any] in
                var object: [String: Any] = ["clip": row.clip, "ce": row.score.ce, "accuracy": row.score.accuracy]
                if let ce = row.score.freeRunningCE { object["free_running_ce"] = ce }
                if let accuracy = row.score.freeRunningAccuracy { object["free_running_accuracy"] = accuracy }
                if let seconds = row.score.generationSeconds { object["generation_seconds"] = seconds }
                return object
            },
        ]
        var lines = [
            "predictor            cosmos-ar (\(model.config.layers) layers, dim \(model.config.dim))",
            "examples             \(rows.count) clips (latent 2 = frames 9-16 from latents 0-1)",
            "ce                   " + String(format: "%.4f", report["ce"] as! Double) + "  (teacher-forced, nats, 64,000-way)",
            "accuracy             " + String(format: "%.4f", report["accuracy"] as! Double),
        ]
        if command.freeRunning {
            let freeCE = rows.compactMap(\.score.freeRunningCE).reduce(0, +) / n
            let freeAccuracy = rows.compactMap(\.score.freeRunningAccuracy).reduce(0, +) / n
            report["free_running_ce"] = freeCE
            report["free_running_accuracy"] = freeAccuracy
            report["seconds_per_frame"] = generationSeconds / (n * framesPerClip)
            report["sampling"] = ["temperature": decimal(sampler.temperature), "top_p": sampler.topP.map { decimal($0) } as Any,
                                  "top_k": sampler.topK as Any, "seed": command.sampling.seed]
            lines += [
                "free_running_ce      " + String(format: "%.4f", freeCE) + "  (the 1X fork's loss: \(describe(sampler)))",
                "free_running_acc     " + String(format: "%.4f", freeAccuracy),
                "seconds_per_frame    " + String(format: "%.3f", generationSeconds / (n * framesPerClip)) + "  (generation)",
            ]
        } else {
            report["seconds_per_frame"] = scoringSeconds / (n * framesPerClip)
            lines.append("seconds_per_frame    " + String(format: "%.3f", scoringSeconds / (n * framesPerClip)) + "  (teacher-forced scoring)")
        }
        lines.append("per clip             clip  ce" + (command.freeRunning ? "       free_running_ce" : ""))
        for row in rows {
            lines.append(String(format: "                     %-5d %.4f", row.clip, row.score.ce)
                         + (row.score.freeRunningCE.map { String(format: "   %.4f", $0) } ?? ""))
        }
        print(lines.joined(separator: "\n"))
        if let json = command.json {
            try AtomicOutput.write(try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }

    /// 0.8 as 0.8 in JSON, not as the float's 0.800000011920929.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    static func describe(_ sampler: TokenSampler) -> String {
        if sampler.isGreedy { return "greedy" }
        var text = "temperature \(sampler.temperature)"
        if let k = sampler.topK { text += ", top-k \(k)" }
        if let p = sampler.topP { text += ", top-p \(p)" }
        return text
    }

    static func generate(_ command: Generate) throws {
        let dataset = try ShardedTokenDatasetV2(path: command.data)
        let k = command.clip ?? command.example
        let tokens = try clip(k, of: dataset, path: command.data)
        let model = try loadModel(command.model)
        let sampler = sampler(command.sampling)
        note("generating latent 2 (frames 9-16) of clip \(k) after latents 0-1, \(describe(sampler)), seed \(command.sampling.seed)")
        let progress = Progress("generate", total: clipTokens - promptTokens, unit: "codes")
        var rng = Xoshiro256(seed: command.sampling.seed)
        let start = Date()
        let result = try model.generate(prompt: Array(tokens[..<promptTokens]), count: clipTokens - promptTokens, sampler: sampler,
                                        using: &rng, truth: Array(tokens[promptTokens...]), file: "\(command.data) clip \(k)") {
            progress.update(done: $0)
        }
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        let sample = try CosmosGeneratedSample(generated: Array(tokens[..<promptTokens]) + result.codes, groundTruth: tokens)
        var provenance: [String: JSONValue] = [
            "model": .string(model.source), "source_dataset": .string(command.data), "clip": .int(k),
            "temperature": .double(decimal(sampler.temperature)), "seed": .int(Int(command.sampling.seed)),
            "top_p": sampler.topP.map { .double(decimal($0)) } ?? .null, "top_k": sampler.topK.map { .int($0) } ?? .null,
            "seconds_per_generated_frame": .double(seconds / 8),
        ]
        if let ce = result.freeRunningCE { provenance["free_running_ce"] = .double(ce) }
        try sample.write(to: URL(fileURLWithPath: command.output), provenance: provenance)
        print("wrote \(command.output) (clip \(k): 9 prompt frames + 8 generated frames, and the 17 ground-truth frames; "
              + String(format: "free-running CE %.4f, %.3f s per generated frame)", result.freeRunningCE ?? .nan, seconds / 8))
    }
}
