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
