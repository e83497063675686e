import Foundation
import TokenData

/// GENIE as a `FramePredictor`.
///
/// Context beyond the model's T: to predict a frame from more than T-1 earlier frames, the
/// context slides: only the last T-1 frames are used, at positions 0 ..< T-1 (positions restart
/// at 0 with the oldest kept frame, since the model has no embedding past T-1), and the
/// predicted frame sits at position T-1.
extension GenieModel: FramePredictor {
    public var name: String { "genie (\(config.numLayers) layers, d \(config.dModel))" }
    public var maxFrames: Int? { config.T }
    public var vocabulary: Vocabulary { config.vocabulary }

    public func predict(context: [FrameTokens], known: KnownTokens?) throws -> FrameLogits {
        let kept = try context.suffix(config.T - 1).map { try checked($0) }
        let job = Job(window: 0, stream: kept, queries: [(t: 0, position: kept.count, tokens: try maskedFrame(known))])
        return try run([job], windowCount: 1)[0][0]
    }

    public func teacherForced(windows: [[FrameTokens]]) throws -> [[FrameLogits]] {
        try teacherForced(windows: windows, known: windows.map { [KnownTokens?](repeating: nil, count: max(0, $0.count - 1)) })
    }

    /// Scores every frame t >= 1 of each window from the true frames before it, sharing work:
    /// the true frames 0 ..< min(n, T) - 1 run once as a causal stream, and every predicted
    /// frame t < T runs as a query that attends to the stream's first t frames (their keys and
    /// values at each layer) and to itself. A frame t >= T needs its own slid context.
    public func teacherForced(windows: [[FrameTokens]], known: [[KnownTokens?]]) throws -> [[FrameLogits]] {
        guard known.count == windows.count else {
            throw GenieError.knownListsMismatch(lists: known.count, windows: windows.count)
        }
        var jobs: [Job] = []
        for (w, window) in windows.enumerated() {
            guard known[w].count == max(0, window.count - 1) else {
                throw GenieError.knownListsPerWindow(window: w, lists: known[w].count, predicted: window.count - 1)
            }
            let frames = try window.map { try checked($0) }
            let shared = min(frames.count, config.T)
            if shared >= 2 {
                let queries = try (1 ..< shared).map { t in (t: t, position: t, tokens: try maskedFrame(known[w][t - 1])) }
                jobs.append(Job(window: w, stream: Array(frames[..<(shared - 1)]), queries: queries))
            }
            for t in config.T ..< max(config.T, frames.count) {
                let query = (t: t, position: config.T - 1, tokens: try maskedFrame(known[w][t - 1]))
                jobs.append(Job(window: w, stream: Array(frames[(t - config.T + 1) ..< t]), queries: [query]))
            }
        }
        return try run(jobs, windowCount: windows.count)
    }

    /// The reference evaluator's way to get frame t's logits: the whole window with frames >= t
    /// replaced by the mask token, run causally in time. T frame-passes per predicted frame
    /// instead of about two; kept to check the shared-context path against.
    public func logitsMaskingFrames(from t: Int, of window: [FrameTokens]) throws -> FrameLogits {
        guard window.count <= config.T, (0 ..< window.count).contains(t) else {
            throw GenieError.frameOutsideWindow(frame: t, windowLength: window.count, T: config.T)
        }
        let masked = try window.enumerated().map { i, frame in
            i < t ? try checked(frame) : [UInt32](repeating: config.maskTokenID, count: config.S)
        }
        var plan = FramePlan(tokensPerFrame: config.S)
        plan.addStream(masked)
        return run(plan, readout: [t])[0]
    }

    // MARK: - Plans

    /// Frames predicted from one stream of true frames.
    struct Job {
        var window: Int
        var stream: [[UInt32]]
        /// t: frame index in the window (where the logits go); position: where it sits in time.
        var queries: [(t: Int, position: Int, tokens: [UInt32])]
        var frameCount: Int { stream.count + queries.count }
    }

    /// Packs jobs into passes of at most `framesPerPass` frames and returns, per window, the
    /// logits of its predicted frames in order of t.
    private func run(_ jobs: [Job], windowCount: Int) throws -> [[FrameLogits]] {
        var results = [[Int: FrameLogits]](repeating: [:], count: windowCount)
        var start = 0
        while start < jobs.count {
            var end = start + 1, frames = jobs[start].frameCount
            while end < jobs.count, frames + jobs[end].frameCount <= framesPerPass {
                frames += jobs[end].frameCount
                end += 1
            }
            var plan = FramePlan(tokensPerFrame: config.S)
            var readout: [Int] = [], destinations: [(window: Int, t: Int)] = []
            for job in jobs[start ..< end] {
                let stream = plan.addStream(job.stream)
                for query in job.queries {
                    readout.append(plan.addQuery(query.tokens, position: query.position, stream: stream))
                    destinations.append((job.window, query.t))
                }
            }
            for (logits, destination) in zip(run(plan, readout: readout), destinations) {
                results[destination.window][destination.t] = logits
            }
            start = end
        }
        return results.map { byFrame in byFrame.keys.sorted().compactMap { byFrame[$0] } }
    }

    private func checked(_ frame: FrameTokens) throws -> [UInt32] {
        guard frame.count == config.S else {
            throw GenieError.wrongTokenCount(count: frame.count, expected: config.S)
        }
        if let bad = frame.first(where: { $0 > config.maskTokenID }) {
            throw GenieError.tokenOutOfRange(token: bad, maskID: config.maskTokenID)
        }
        return frame
    }

    private func maskedFrame(_ known: KnownTokens?) throws -> [UInt32] {
        guard let known else { return [UInt32](repeating: config.maskTokenID, count: config.S) }
        return try checked(known.map { $0 ?? config.maskTokenID })
    }
}
