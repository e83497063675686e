import Foundation
import Core
import TokenData
import Media

/// Where decoded frames go, chosen by the output's name: raw rgb24 (`.rgb`), a video
/// (`.gif`, `.mp4`) or a directory of PNGs. Nothing appears under the output's name until
/// `finish()`; a sink dropped before that removes what it staged.
final class FrameSink {
    private enum Kind {
        case raw(handle: FileHandle, output: AtomicOutput)
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
        let ext = output.pathExtension.lowercased()
        switch ext {
        case "rgb":
            // AtomicOutput refuses folders and inputs, and writes `-` or a FIFO straight through.
            let atomic = try AtomicOutput(destination: output)
            let handle: FileHandle?
            if atomic.isDirect {
                handle = atomic.destination.path == "/dev/stdout" ? FileHandle.standardOutput : FileHandle(forWritingAtPath: atomic.destination.path)
            } else {
                handle = FileManager.default.createFile(atPath: atomic.temporary.path, contents: nil)
                    ? FileHandle(forWritingAtPath: atomic.temporary.path) : nil
            }
            guard let handle else {
                atomic.abandon()
                throw ValidationErrorText("\(path): cannot write (folder missing or not writable)")
            }
            kind = .raw(handle: handle, output: atomic)
        case "gif", "mp4":
            kind = .video(try makeVideoWriter(url: output, width: width, height: height, fps: fps))
        case "":
            try Self.checkReplaceablePNGFolder(output)
            PendingOutputs.register(staging)
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
        switch kind {
        case .raw(let handle, let output):
            if !output.isDirect { try? handle.close() }
            output.abandon()
        case .pngDirectory:
            try? FileManager.default.removeItem(at: staging)
        case .video:
            break
        }
    }

    func append(_ image: RGBImage) throws {
        switch kind {
        case .raw(let handle, _):
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
        case .raw(let handle, let output):
            if !output.isDirect { try handle.close() }
            try output.commit()
        case .video(let writer):
            try writer.finish()
        case .pngDirectory:
            try moveIntoPlace()
        }
        finished = true
    }

    /// A folder of PNGs replaces only an earlier folder of frames (or an empty one): never a
    /// file, a folder of other things, or an input of the command.
    private static func checkReplaceablePNGFolder(_ output: URL) throws {
        try ProtectedInputs.check(output: output.path, named: output.path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw ValidationErrorText("\(output.path): is a file; refusing to replace it with a folder of PNG frames")
        }
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? [])
            .filter { !($0.hasPrefix("frame_") && $0.hasSuffix(".png")) }
        guard others.isEmpty else {
            throw ValidationErrorText("\(output.path): is a folder holding other files than frame_*.png (\(others.prefix(3).joined(separator: ", ")))"
                + "; refusing to replace it")
        }
    }

    /// An existing folder of frames is replaced only once the new one is complete.
    private func moveIntoPlace() throws {
        do {
            try DirectorySwap.install(staging, at: output)
            PendingOutputs.unregister(staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw ValidationErrorText("\(output.path): cannot move the finished output into place (\(error))")
        }
    }
}
