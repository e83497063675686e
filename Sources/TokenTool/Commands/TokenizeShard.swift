import ArgumentParser
import CosmosTokenizer
import Foundation
import Checkpoints
import TokenData
import Media
import Pipelines

/// `tokenize --shard i/N`: one task's share of a split job, written as a part directory that
/// `tokentool merge` puts back together (byte for byte what one unsplit `tokenize` writes).
///
/// The job's inputs are cut into units that one unsplit run would make one segment of each (a
/// video, or a run of consecutive images), the units into N contiguous runs of about equal
/// frame count (durations probed from the containers, the same in every task), and this task
/// tokenizes its run exactly as the unsplit command would. An existing complete part of the
/// same job is left alone, so re-running a whole array only redoes the parts that failed.
extension Tokenize {
    func runShard(_ shard: ShardSpec) throws {
        _ = try InputGrouping.segments(inputs, segmentPerFile: segmentPerFile)  // says which input is missing
        let units = TokenizeShardPlan.segmentUnits(inputs, segmentPerFile: segmentPerFile)
        let costs = units.map { unit in
            unit.count > 1 || (InputGrouping.isImage(inputs[unit.lowerBound]) && !InputGrouping.isPattern(inputs[unit.lowerBound]))
                ? unit.count : estimatedFrames(inputs[unit.lowerBound])
        }
        let unitRange = ShardSpec.balancedRanges(costs: TokenizeShardPlan.knownCosts(costs), count: shard.count)[shard.index]
        let mine = unitRange.isEmpty ? 0..<0 : units[unitRange.lowerBound].lowerBound ..< units[unitRange.upperBound - 1].upperBound
        let target = URL(fileURLWithPath: output)
        let cosmos = CosmosCLI.isCosmos(checkpoint: codecOptions.checkpoint)
        if cosmos, intake.fps?.rate.map({ $0 != 30 }) ?? (intake.fps != nil) {
            throw ValidationError("--fps must be 30 for a 1X v2.0 dataset: its clips are 17 frames at 30 Hz")
        }
        let checkpointPath = cosmos ? try Self.cosmosEncoderFile(codecOptions.checkpoint!) : try codecOptions.checkpointPath()
        let checkpoint = try PartManifest.Checkpoint.describing(file: checkpointPath)
        let planned = PartManifest(
            datasetFormat: cosmos ? .v2_0 : .v1_1, toolVersion: ShardOptions.toolVersion, shard: shard, jobInputs: inputs,
            inputs: mine.map { PartManifest.Input(index: $0, path: inputs[$0], frames: 0) },
            settings: tokenSettings(cosmos: cosmos), checkpoint: checkpoint, frames: 0, segments: 0)

        if FileManager.default.fileExists(atPath: target.path) {
            let reason = TokenizeShardPlan.differenceFromFinished(part: target, planned: planned)
            if reason == nil {
                note("part \(shard) is already complete at \(output); skipping it")
                print("part \(shard) already complete at \(output)")
                return
            }
            guard force else {
                throw ValidationErrorText("\(output): exists but is not part \(shard) of this job (\(reason!)); --force replaces it")
            }
        }
        DatasetParts.removeStaleStaging(for: target)
        let staging = try DatasetParts.stagingDirectory(for: target)
        note("part \(shard): inputs \(mine.isEmpty ? "none" : "\(mine.lowerBound)..<\(mine.upperBound)") of \(inputs.count), "
            + "about \(unitRange.map { costs[$0] }.reduce(0, +)) of \(costs.reduce(0, +)) frames")
        if mine.isEmpty {
            // More parts than inputs: an empty dataset keeps the part count whole for merge.
            if cosmos {
                try TokenDatasetV2Writer.create(at: staging, hz: 30).commit()
            } else {
                try TokenDatasetWriter.create(at: staging, hz: intake.fps?.rate ?? 30, tokenizerCheckpoint: checkpointPath).commit()
            }
        } else {
            var unsplit = self
            unsplit.inputs = Array(inputs[mine])
            unsplit.output = staging.path
            unsplit.force = false
            unsplit.shardOptions.shard = nil
            unsplit.shardOptions.fromEnvironment = false
            try unsplit.run()
        }

        // A v2.0 dataset is one shard (and one segment) per unit.
        let frameCount: Int, segmentFrames: [Int]
        if cosmos {
            let shards = try ShardedTokenDatasetV2(directory: staging)
            (frameCount, segmentFrames) = (shards.frameCount, shards.shards.map(\.frameCount))
        } else {
            let dataset = try TokenDataset(directory: staging)
            (frameCount, segmentFrames) = (dataset.frameCount, dataset.segments().map(\.frames.count))
        }
        var manifest = planned
        let unitStarts = Set(units.map(\.lowerBound))
        var segment = 0
        for i in manifest.inputs.indices {
            let index = manifest.inputs[i].index
            if unitStarts.contains(index) && i > 0 { segment += 1 }
            let single = InputGrouping.isImage(inputs[index]) && !InputGrouping.isPattern(inputs[index])
            manifest.inputs[i].frames = single ? 1 : segmentFrames[segment]
        }
        manifest.frames = frameCount
        manifest.segments = segmentFrames.count
        try DatasetParts.seal(staging, manifest: manifest, at: target)
        print("wrote part \(shard) (\(mine.count) inputs, \(manifest.frames) frames) to \(output)")
    }

    /// What changes the tokens; parts that differ here are not merged.
    func tokenSettings(cosmos: Bool) -> [String: JSONValue] {
        var settings: [String: JSONValue] = [
            "tokenizer": .string(cosmos ? "cosmos-dv8x8x8" : "magvit2"),
            "fps": intake.fps?.rate.map { .double($0) } ?? (intake.fps == nil ? .double(30) : .string("source")),
            "fps_round": .string(intake.fpsRound.rawValue),
            "autorotate": .bool(!intake.noAutorotate),
            "size": .int(size),
            "crop": .string(intake.crop.rawValue),
            "max_frames": maxFrames.map { .int($0) } ?? .null,
            "ema": .bool(codecOptions.useEMA),
        ]
        if cosmos { settings["ema"] = nil }  // MAGVIT2 only
        return settings
    }

    /// The file whose hash identifies a Cosmos tokenizer's codes: the encoder half that `--ckpt`
    /// names (a folder gives its encoder.jit, else its autoencoder.jit), so a folder and its
    /// encoder.jit count as the same checkpoint.
    static func cosmosEncoderFile(_ spec: String) throws -> String {
        let path = try HubPath.resolve(spec, types: [.model])
        let files = CosmosTokenizer.files(at: path)
        return files.first { !$0.hasSuffix("decoder.jit") } ?? files[0]  // a lone decoder fails when loaded
    }

    /// Frames a video will give, from its container (-1 when it does not say).
    private func estimatedFrames(_ path: String) -> Int {
        let options = intake.readOptions(defaultFPS: 30, size: size, maxFrames: maxFrames)
        return (try? VideoReader(url: URL(fileURLWithPath: path), options: options))?.estimatedFrameCount ?? -1
    }
}
