import Foundation
import Core
import Media

/// 256x256 frames from an image or any video, prepared the way `tokenize` prepares them.
public enum FrameSource {
    public static func frames(of path: String, options: VideoReadOptions) throws -> [RGBImage] {
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError.fileNotFound(path: path) }
        if path.lowercased().hasSuffix(".png") {
            // A PNG already at the codec's size is used byte for byte.
            let image = try PNGCodec.read(from: URL(fileURLWithPath: path))
            if image.width == options.size && image.height == options.size { return [image] }
        }
        var options = options
        if InputGrouping.isImage(path) { options.fps = nil; options.maxFrames = 1 }
        let frames = try VideoReader(url: URL(fileURLWithPath: path), options: options).readAll()
        guard !frames.isEmpty else { throw MediaError.noDecodableFrames(path: path) }
        return frames
    }
}
