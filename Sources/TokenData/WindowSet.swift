
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
