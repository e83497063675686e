import Foundation
import Core

/// What `inspect` says of a token dataset: layout, frames, segments, windows, token ranges.
public enum DatasetInspection {
    public static func v1Report(_ data: TokenDataset, window: Int, stride: Int) throws -> Report {
        var report = Report()
        report.add("dataset", data.directory.path, key: "path")
        report.add("format", "1X v1.1 (MAGVIT2 tokens)", key: "format", json: "1x-v1.1")
        report.add("frames", data.frameCount, key: "frames")
        let segments = data.segments()
        report.add("segments", segments.count, key: "segments")
        if let spec = try? WindowSpec(length: window, stride: stride) {
            let valid = WindowStarts.compute(segmentIDs: data.segmentIDs, spec: spec, filterInterrupts: true)
            let separate = WindowStarts.compute(segmentIDs: data.segmentIDs, spec: spec, filterInterrupts: true, filterOverlaps: true)
            report.add("windows", "\(valid.count) valid (\(spec)), \(separate.count) without overlaps",
                       key: "windows", json: ["window": window, "stride": stride, "valid": valid.count, "without_overlaps": separate.count])
        }
        if let hz = data.metadata.hz { report.add("hz", hz, key: "hz") }
        report.add("token grid", "\(data.metadata.height)x\(data.metadata.width) \(data.metadata.tokenDType.rawValue)")
        if let ckpt = data.metadata.tokenizerCheckpoint { report.add("tokenizer_ckpt", ckpt, key: "tokenizer_ckpt") }
        let scan = data.scanTokens()
        if let lo = scan.minimum, let hi = scan.maximum {
            report.add("token range", "\(lo) ... \(hi)", key: "token_range", json: [lo, hi])
        }
        report.add("tokens >= vocab", scan.invalidCount, key: "tokens_out_of_range")
        if let ids = data.segmentIDs.first.map({ [$0, data.segmentIDs.last!] }) {
            report.add("segment ids", "\(ids[0]) ... \(ids[1])", key: "segment_id_range", json: ids)
        }
        for track in data.actions {
            let range = track.valueRange().map { "\($0.lowerBound) ... \($0.upperBound)" } ?? "empty"
            report.add("action \(track.name)", "width \(track.width), values \(range)")
        }
        return report
    }

    public static func v2Report(_ data: ShardedTokenDatasetV2, window: Int) throws -> Report {
        var report = Report()
        let summary = data.summary()
        report.add("dataset", data.directory.path, key: "path")
        report.add("format", "1X v2.0 (Cosmos tokens, \(data.layout.rawValue) layout)", key: "format", json: "1x-v2.0")
        report.add("shards", summary.shardCount, key: "shards")
        report.add("frames", summary.frameCount, key: "frames")
        report.add("clips", "\(summary.clipCount) (17 frames -> 3x32x32 Cosmos tokens each)", key: "clips", json: summary.clipCount)
        report.add("segments", summary.segmentCount, key: "segments")
        if let hz = data.hz { report.add("hz", hz, key: "hz") }
        if let lo = summary.tokenMinimum, let hi = summary.tokenMaximum {
            report.add("token range", "\(lo) ... \(hi)", key: "token_range", json: [lo, hi])
        }
        report.add("tokens outside codebook", summary.tokensOutOfRange, key: "tokens_out_of_range")
        if let lo = summary.stateMinimum, let hi = summary.stateMaximum {
            report.add("state range", "\(lo) ... \(hi)", key: "state_range", json: [lo, hi])
        }
        let clipWindows = ClipWindows.starts(in: data, length: window)
        report.add("windows", "\(clipWindows.count) of \(window) consecutive clips within one segment",
                   key: "windows", json: ["clips": window, "valid": clipWindows.count])
        return report
    }
}
