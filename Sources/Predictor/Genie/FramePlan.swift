/// The frames one forward pass of GENIE runs, for any number of windows at once, and which
/// earlier frames each one's temporal attention sees.
///
/// GENIE's temporal attention is causal, so a frame's hidden states depend only on frames at
/// or before it. Two kinds of frames follow from that:
/// - a *stream* is a run of consecutive frames (positions 0, 1, ...) that attend causally to
///   each other, exactly as in the full model;
/// - a *query* frame at position `p` attends to the first `p` frames of a stream and to
///   itself. It gets the same result as running the stream's first `p` frames followed by it,
///   so all the frames predicted from one window's true frames share one pass over those
///   frames (about 2T frame-passes per window instead of T(T-1)).
struct FramePlan {
    /// Tokens of every frame (mask ids allowed), frame after frame, S per frame.
    private(set) var tokens: [UInt32] = []
    /// Position of each frame in its window: the row of `pos_embed_TSC` it gets.
    private(set) var positions: [Int] = []
    /// The frames each frame attends to over time, in time order, itself last:
    /// `keys[keyStart[f] ..< keyStart[f + 1]]`.
    private(set) var keys: [Int] = []
    private(set) var keyStart: [Int] = [0]

    let framePositions: Int

    init(tokensPerFrame: Int) { framePositions = tokensPerFrame }

    var frameCount: Int { positions.count }

    /// Appends consecutive frames that attend causally to each other, at positions 0, 1, ...;
    /// returns the index of the first.
    @discardableResult
    mutating func addStream(_ frames: [[UInt32]]) -> Int {
        let first = frameCount
        for (i, frame) in frames.enumerated() {
            append(frame, position: i, keys: Array(first ... first + i))
        }
        return first
    }

    /// Appends a frame at `position` that attends to the first `position` frames of the stream
    /// starting at frame `stream`, and to itself; returns its index.
    @discardableResult
    mutating func addQuery(_ frame: [UInt32], position: Int, stream: Int) -> Int {
        let index = frameCount
        append(frame, position: position, keys: Array(stream ..< stream + position) + [index])
        return index
    }

    private mutating func append(_ frame: [UInt32], position: Int, keys frameKeys: [Int]) {
        precondition(frame.count == framePositions)
        tokens += frame
        positions.append(position)
        keys += frameKeys
        keyStart.append(keys.count)
    }
}
