import Foundation
import MagvitCodec

/// Where decoded frames go, chosen by the output's name: raw rgb24 (`.rgb`), a video
/// (`.gif`, `.mp4`) or a directory of PNGs. Nothing appears under the output's name until
/// `finish()`; a sink dropped before that removes what it staged.
final class FrameSink {
    private enum Kind {
        case raw(handle: FileHandle)
        case video(VideoFileWriter)
        case pngDirectory(next: Int)
    }

    let output: URL
    private let staging: URL
    private var kind: Kind
    private var finished = false

    init(output path: String, fps: Double, width: Int, height: Int) throws {
        output = URL(fileURLWithPath: path)
        let folder = output.deletingLastPathComponent()
        staging = folder.appendingPathComponent(".\(output.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        PendingOutputs.register(staging)
        let ext = output.pathExtension.lowercased()
        switch ext {
        case "rgb":
            guard FileManager.default.createFile(atPath: staging.path, contents: nil),
                  let handle = try? FileHandle(forWritingTo: staging) else {
                throw ValidationErrorText("\(path): cannot write (folder missing or not writable)")
            }
            kind = .raw(handle: handle)
        case "gif", "mp4":
            kind = .video(try makeVideoWriter(url: output, width: width, height: height, fps: fps))
        case "":
            do {
                try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
            } catch {
                throw ValidationErrorText("\(path): cannot create the PNG directory (\(error.localizedDescription))")
            }
            kind = .pngDirectory(next: 0)
        default:
            throw MediaError.unsupportedOutputFormat(path: path, fileExtension: output.pathExtension)
        }
    }

    deinit {
        guard !finished else { return }
        if case .raw(let handle) = kind { try? handle.close() }
        try? FileManager.default.removeItem(at: staging)
    }

    func append(_ image: RGBImage) throws {
        switch kind {
        case .raw(let handle):
            try handle.write(contentsOf: image.pixels)
        case .video(let writer):
            try writer.append(image)
        case .pngDirectory(let next):
            try PNGCodec.write(image, to: staging.appendingPathComponent(String(format: "frame_%06d.png", next)))
            kind = .pngDirectory(next: next + 1)
        }
    }

    func finish() throws {
        switch kind {
        case .raw(let handle):
            try handle.close()
            try moveIntoPlace()
        case .video(let writer):
            try writer.finish()
        case .pngDirectory:
            try moveIntoPlace()
        }
        finished = true
    }

    /// An existing output of the same kind is replaced only once the new one is complete.
    private func moveIntoPlace() throws {
        let fileManager = FileManager.default
        do {
            if fileManager.fileExists(atPath: output.path) {
                _ = try fileManager.replaceItemAt(output, withItemAt: staging)
            } else {
                try fileManager.moveItem(at: staging, to: output)
            }
        } catch {
            throw ValidationErrorText("\(output.path): cannot move the finished output into place (\(error.localizedDescription))")
        }
    }
}
