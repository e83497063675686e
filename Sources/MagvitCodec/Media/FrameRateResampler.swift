/// Resamples a stream of timestamped frames to a fixed rate by time, not by count.
///
/// Output instant k is `t0 + k / fps`, where t0 is the first frame's time. It shows the frame
/// on screen at that instant: the latest frame whose time is <= the instant. Frames are
/// therefore dropped (several between two instants) or repeated (one spanning several).
/// Feed frames in presentation order with `push`, then call `finish` with how long the last
/// frame stays on screen.
struct FrameRateResampler<Frame> {
    let fps: Double
    let limit: Int?
    private(set) var emitted = 0
    private var start: Double?
    private var pending: (frame: Frame, time: Double)?

    /// Timestamps within this many seconds count as equal (rounding in time bases).
    private let tolerance = 1e-6

    init(fps: Double, limit: Int? = nil) {
        self.fps = fps
        self.limit = limit
    }

    var isDone: Bool { limit.map { emitted >= $0 } ?? false }

    private func instant(_ k: Int) -> Double { (start ?? 0) + Double(k) / fps }

    mutating func push(_ frame: Frame, at time: Double, emit: (Frame, Int, Double) throws -> Void) rethrows {
        guard let current = pending else {
            start = time
            pending = (frame, time)
            return
        }
        // A timestamp that goes backwards cannot be placed; the frame replaces the pending one.
        let time = max(time, current.time)
        try emitPending(until: time, emit: emit)
        pending = (frame, time)
    }

    mutating func finish(lastFrameDuration: Double, emit: (Frame, Int, Double) throws -> Void) rethrows {
        guard let current = pending else { return }
        try emitPending(until: current.time + max(lastFrameDuration, 0), emit: emit)
        // A frame shorter than one output interval still appears once if nothing has been shown.
        if emitted == 0, !isDone {
            try emit(current.frame, 0, instant(0))
            emitted = 1
        }
        pending = nil
    }

    /// Shows the pending frame at every instant before `end`.
    private mutating func emitPending(until end: Double, emit: (Frame, Int, Double) throws -> Void) rethrows {
        guard let current = pending else { return }
        while !isDone, instant(emitted) < end - tolerance {
            try emit(current.frame, emitted, instant(emitted))
            emitted += 1
        }
    }
}
