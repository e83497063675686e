
/// Windows over a 1X v2.0 (Cosmos) dataset, whose unit is the 17-frame clip (3 latent frames):
/// a window is `length` consecutive clips of one shard whose frames all come from one segment.
/// Segment ids are non-decreasing, so the first and last frame of the span decide, as with
/// the v1.1 interrupt filter.
public struct ClipWindow: Equatable, Sendable {
    public var shard: Int
    public var firstClip: Int

    public init(shard: Int, firstClip: Int) {
        self.shard = shard
        self.firstClip = firstClip
    }
}

public enum ClipWindows {
    public static func starts(in data: ShardedTokenDatasetV2, length: Int) -> [ClipWindow] {
        guard length >= 1 else { return [] }
        let perClip = ShardedTokenDatasetV2.framesPerClip
        var result: [ClipWindow] = []
        for (s, shard) in data.shards.enumerated() where shard.frameCount > 0 {
            let clips = min(shard.clipCount, (shard.frameCount + perClip - 1) / perClip)
            guard clips >= length else { continue }
            for c in 0...(clips - length) {
                let first = c * perClip
                let last = min((c + length) * perClip, shard.frameCount) - 1
                if shard.segmentIndices.int32LE(at: 4 * first) == shard.segmentIndices.int32LE(at: 4 * last) {
                    result.append(ClipWindow(shard: s, firstClip: c))
                }
            }
        }
        return result
    }
}
