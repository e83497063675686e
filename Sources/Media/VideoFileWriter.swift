import Foundation
import Core

/// A writer that takes frames one at a time; nothing appears at its URL until `finish()`
/// succeeds, and a writer dropped without `finish()` leaves nothing behind.
public protocol VideoFileWriter: AnyObject {
    var url: URL { get }
    func append(_ image: RGBImage) throws
    func finish() throws
}

/// The output formats chosen by file extension.
public enum VideoFileFormat: String, Sendable, CaseIterable {
    case mp4, gif, png

    /// Throws `unsupportedOutputFormat` for anything but .mp4, .gif and .png (any case).
    public init(url: URL) throws {
        let ext = url.pathExtension.lowercased()
        guard let format = VideoFileFormat(rawValue: ext) else {
            throw MediaError.unsupportedOutputFormat(path: url.path, fileExtension: url.pathExtension)
        }
        self = format
    }
}

/// Opens the streaming writer for `url`'s extension (.mp4 or .gif).
public func makeVideoWriter(url: URL, width: Int, height: Int, fps: Double) throws -> VideoFileWriter {
    switch try VideoFileFormat(url: url) {
    case .mp4: return try MP4Writer(url: url, width: width, height: height, fps: fps)
    case .gif: return try GIFWriter(url: url, width: width, height: height, fps: fps)
    case .png:
        throw MediaError.invalidFrames(path: url.path, reason: "a .png holds one image, not a video (use .mp4 or .gif)")
    }
}

/// Writes `frames` to `url`, choosing the format by extension: .mp4 and .gif take any number
/// of equally sized frames at `fps`; .png takes exactly one frame (`fps` is ignored).
public func writeVideo(frames: [RGBImage], to url: URL, fps: Double) throws {
    let format = try VideoFileFormat(url: url)
    guard let first = frames.first else {
        throw MediaError.invalidFrames(path: url.path, reason: "no frames to write")
    }
    if format == .png {
        guard frames.count == 1 else {
            throw MediaError.invalidFrames(path: url.path, reason: "a .png holds one image, got \(frames.count) frames (use .mp4 or .gif)")
        }
        return try PNGCodec.write(first, to: url)
    }
    let writer = try makeVideoWriter(url: url, width: first.width, height: first.height, fps: fps)
    for frame in frames { try writer.append(frame) }
    try writer.finish()
}

/// What every video writer checks before it opens anything.
func checkWriterParameters(url: URL, width: Int, height: Int, fps: Double) throws {
    guard width > 0, height > 0 else {
        throw MediaError.invalidFrames(path: url.path, reason: "cannot write \(width)x\(height) frames")
    }
    guard fps > 0, fps.isFinite else {
        throw MediaError.invalidFrames(path: url.path, reason: "frame rate must be positive, got \(fps)")
    }
}
