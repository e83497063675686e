import ArgumentParser

/// Upper bounds on numeric options. Every count, size and rate a user types sizes a loop or
/// an allocation somewhere, so each is capped (far above any real use) where it is parsed:
/// `--window 4294967296` or `--fps 1e300` get a clear error instead of a hang or a crash.
enum OptionLimits {
    /// Frames in one model window (GENIE's T cap).
    static let maxWindow = 1024
    /// Strides, offsets, frame and example counts.
    static let maxCount = 1 << 30
    static let maxFPS = 1000.0
    static let maxBatch = 4096
    static let maxThreads = 1024

    static func check(_ value: Int?, _ flag: String, atMost cap: Int) throws {
        if let value, value > cap { throw ValidationError("\(flag) \(value) is above the cap of \(cap)") }
    }

    static func check(fps: Double?, _ flag: String = "--fps") throws {
        if let fps, !(fps.isFinite && fps <= maxFPS) {
            throw ValidationError("\(flag) \(fps) is above the cap of \(Int(maxFPS)) frames per second")
        }
    }
}
