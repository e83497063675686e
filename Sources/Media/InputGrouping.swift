import Foundation

/// Command-line inputs grouped into segments: each video is one segment; consecutive image
/// files, a folder of images, or a printf pattern (`img_%03d.png`, as ffmpeg's image2 reads it)
/// form one image sequence, in number-aware sorted order (img_2 before img_10).
public enum InputGrouping {
    public enum Segment: Equatable, Sendable {
        case video(String)
        case images([String])
    }

    /// Still-image types FFmpeg or libpng read (an animated GIF is read as a video).
    public static let imageExtensions: Set<String> = [
        "png", "jpg", "jpeg", "jpe", "jfif", "bmp", "webp", "tif", "tiff", "ppm", "pgm", "pnm", "pbm", "pam",
        "tga", "jp2", "j2k", "dpx", "exr", "sgi", "pcx", "qoi", "xbm", "xwd",
    ]

    public static func isImage(_ path: String) -> Bool {
        imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// `%d` or `%0Nd` in the file name.
    public static func isPattern(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.range(of: #"%0?\d*d"#, options: .regularExpression) != nil
    }

    /// Groups `inputs` into segments; with `segmentPerFile` every image is a segment of its own.
    public static func segments(_ inputs: [String], segmentPerFile: Bool = false) throws -> [Segment] {
        var result: [Segment] = []
        var run: [String] = []
        func endRun() {
            if !run.isEmpty { result.append(.images(run)) }
            run = []
        }
        func addSequence(_ files: [String]) {
            endRun()
            if segmentPerFile { result += files.map { .images([$0]) } } else { result.append(.images(files)) }
        }
        for input in inputs {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
            if exists && isDirectory.boolValue {
                addSequence(try images(inFolder: input))
            } else if !exists && isPattern(input) {
                addSequence(try files(matching: input))
            } else if !exists {
                throw MediaError.fileNotFound(path: input)
            } else if isImage(input) {
                if segmentPerFile { addSequence([input]) } else { run.append(input) }
            } else {
                endRun()
                result.append(.video(input))
            }
        }
        endRun()
        return result
    }

    /// The image files directly inside `folder`, in number-aware order.
    public static func images(inFolder folder: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw MediaError.unreadable(path: folder, reason: "cannot list the folder (\(error.localizedDescription))")
        }
        let images = names.filter { !$0.hasPrefix(".") && isImage($0) }.sorted(by: numberAware)
        guard !images.isEmpty else {
            throw MediaError.invalidFrames(path: folder, reason: "the folder holds no image files (png, jpg, bmp, webp, tiff, ...)")
        }
        return images.map { URL(fileURLWithPath: folder).appendingPathComponent($0).path }
    }

    /// The files a printf pattern names, in number order (`img_%03d.png`: img_000.png, img_001.png, ...).
    public static func files(matching pattern: String) throws -> [String] {
        let url = URL(fileURLWithPath: pattern)
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        guard let field = name.range(of: #"%0?\d*d"#, options: .regularExpression) else {
            throw MediaError.fileNotFound(path: pattern)
        }
        let spec = name[field].dropFirst().dropLast()
        let width = Int(spec) ?? 0
        let prefix = NSRegularExpression.escapedPattern(for: String(name[..<field.lowerBound]))
        let suffix = NSRegularExpression.escapedPattern(for: String(name[field.upperBound...]))
        let digits = spec.hasPrefix("0") && width > 0 ? "(\\d{\(width),})" : "(\\d+)"
        let regex = try NSRegularExpression(pattern: "^" + prefix + digits + suffix + "$")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let numbered: [(Int, String)] = names.compactMap { candidate in
            let range = NSRange(candidate.startIndex..., in: candidate)
            guard let match = regex.firstMatch(in: candidate, range: range),
                  let number = Range(match.range(at: 1), in: candidate).flatMap({ Int(candidate[$0]) }) else { return nil }
            return (number, candidate)
        }
        guard !numbered.isEmpty else {
            throw MediaError.invalidFrames(path: pattern, reason: "no file matches this pattern")
        }
        return numbered.sorted { $0.0 < $1.0 }.map { URL(fileURLWithPath: folder).appendingPathComponent($0.1).path }
    }

    private static func numberAware(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}
