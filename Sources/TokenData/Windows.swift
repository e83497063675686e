/// An example for teacher-forced evaluation and training: `length` frames spaced `stride`
/// frames apart (the challenge uses 16 frames, stride 15: 30 Hz data seen at 2 Hz).
public struct WindowSpec: Sendable, Equatable, CustomStringConvertible {
    public var length: Int
    public var stride: Int

    public static let challenge = WindowSpec(checkedLength: 16, stride: 15)

    /// Throws when `length` or `stride` is below 1 (they usually come from the command line).
    public init(length: Int, stride: Int) throws {
        guard length >= 1, stride >= 1 else { throw WindowSpecError(length: length, stride: stride) }
        self.init(checkedLength: length, stride: stride)
    }

    private init(checkedLength length: Int, stride: Int) {
        self.length = length
        self.stride = stride
    }

    /// Frames from a window's first frame to its last: `(length - 1) * stride`.
    public var span: Int { (length - 1) * stride }

    /// Dataset frame indices of the window starting at `start`.
    public func frameIndices(start: Int) -> [Int] { (0..<length).map { start + $0 * stride } }

    public var description: String { "window \(length), stride \(stride)" }
}

public struct WindowSpecError: Error, CustomStringConvertible, Equatable {
    public var length: Int
    public var stride: Int
    public var description: String { "window length \(length) and stride \(stride) must both be at least 1" }
}

/// Choosing window start indices over a dataset's segment ids, as the 1X reference does.
public enum WindowStarts {
    /// Start indices in increasing order.
    ///
    /// - `filterInterrupts`: keep a start `i` only when `segmentIDs[i] == segmentIDs[i + span]`,
    ///   i.e. the window does not cross into another clip (ids are non-decreasing, so equal ends
    ///   mean one segment throughout).
    /// - `filterOverlaps`: walk the remaining starts in order and keep `i` only if none of
    ///   `i - k*stride` (k = 1 ..< length) was kept. Like the reference, this only looks at
    ///   starts on the same stride lattice; windows of other phases may still share frames.
    public static func compute(segmentIDs: [Int32], spec: WindowSpec, filterInterrupts: Bool = true,
                               filterOverlaps: Bool = false) -> [Int] {
        let count = segmentIDs.count - spec.span
        guard count > 0 else { return [] }
        var starts = (0..<count).filter { !filterInterrupts || segmentIDs[$0] == segmentIDs[$0 + spec.span] }
        if filterOverlaps {
            var kept = [Bool](repeating: false, count: count)
            starts = starts.filter { i in
                let blocked = (1..<spec.length).contains { k in
                    let earlier = i - k * spec.stride
                    return earlier >= 0 && kept[earlier]
                }
                if !blocked { kept[i] = true }
                return !blocked
            }
        }
        return starts
    }
}

/// The windows of one dataset: a spec and the chosen start indices.
public struct WindowSet: Sendable {
    public var spec: WindowSpec
    public var starts: [Int]

    public init(spec: WindowSpec, starts: [Int]) {
        self.spec = spec
        self.starts = starts
    }

    /// Windows over `dataset`, optionally restricted to segments `includeSegment` accepts
    /// (for train / held-out splits by clip).
    public init(dataset: TokenDataset, spec: WindowSpec, filterInterrupts: Bool = true, filterOverlaps: Bool = false,
                includeSegment: (Int32) -> Bool = { _ in true }) {
        let starts = WindowStarts.compute(segmentIDs: dataset.segmentIDs, spec: spec, filterInterrupts: filterInterrupts,
                                          filterOverlaps: filterOverlaps)
        self.init(spec: spec, starts: starts.filter { includeSegment(dataset.segmentIDs[$0]) })
    }

    public var count: Int { starts.count }

    /// The frames of window `index`.
    public func frames(_ index: Int, in dataset: TokenDataset) -> [FrameTokens] {
        spec.frameIndices(start: starts[index]).map(dataset.frame)
    }
}

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
