import Foundation
import Media
import Core

/// The frames of one image or video, prepared as `FrameSource` prepares them, handed out one
/// at a time. A video is decoded on its own thread at most `lookahead` frames ahead of the
/// consumer, so comparing two ten-minute clips holds a few frames, not every frame of both.
public final class FrameStream: @unchecked Sendable {
    public let path: String
    private let condition = NSCondition()
    private var buffered: [RGBImage] = []
    private var ended = false
    private var failure: Error?
    private var cancelled = false
    private let lookahead: Int

    public init(path: String, options: VideoReadOptions, lookahead: Int = 4) throws {
        self.path = path
        self.lookahead = lookahead
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError.fileNotFound(path: path) }
        var options = options
        if path.lowercased().hasSuffix(".png") {
            // A PNG already at the codec's size is used byte for byte, as FrameSource does.
            let image = try PNGCodec.read(from: URL(fileURLWithPath: path))
            if image.width == options.size && image.height == options.size {
                buffered = [image]
                ended = true
                return
            }
        }
        if InputGrouping.isImage(path) { options.fps = nil; options.maxFrames = 1 }
        let reader = try VideoReader(url: URL(fileURLWithPath: path), options: options)
        let thread = Thread { [self] in
            do {
                let count = try reader.forEachFrame { frame, _, _ in try self.put(frame) }
                if count == 0 { throw MediaError.noDecodableFrames(path: path) }
                finish(nil)
            } catch {
                finish(error)
            }
        }
        thread.start()
    }

    deinit { cancel() }

    /// The next frame, or nil after the last one; rethrows a decoding error.
    public func next() throws -> RGBImage? {
        condition.lock()
        defer { condition.unlock() }
        while buffered.isEmpty && !ended { condition.wait() }
        if !buffered.isEmpty {
            let frame = buffered.removeFirst()
            condition.broadcast()
            return frame
        }
        if let failure, !(failure is CancellationError) { throw failure }
        return nil
    }

    /// Stops the decoding thread (it ends at its next frame).
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private struct CancellationError: Error {}

    private func put(_ frame: RGBImage) throws {
        condition.lock()
        defer { condition.unlock() }
        while buffered.count >= lookahead && !cancelled { condition.wait() }
        if cancelled { throw CancellationError() }
        buffered.append(frame)
        condition.broadcast()
    }

    private func finish(_ error: Error?) {
        condition.lock()
        failure = error
        ended = true
        condition.broadcast()
        condition.unlock()
    }
}
