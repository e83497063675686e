import Foundation

/// Where the embedded defaults (`Samples/`) live. The built binary finds them from any
/// working directory: `$TOKENTOOL_SAMPLES` first, then the folders above the executable
/// (`.build/<config>/tokentool` sits two levels below the repository root), then the
/// current directory.
enum SampleFiles {
    static let checkpointName = "magvit2-small.ckpt"
    static let clipName = "clip.mp4"
    static let contextModelName = "context.model"
    static let datasetName = "clip-tokens"
    static let lpipsWeightsName = "lpips-v0.1-alex.pth"

    static var directory: URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["TOKENTOOL_SAMPLES"] {
            candidates.append(URL(fileURLWithPath: env))
        }
        var dir = executableURL.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("Samples"))
            dir.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Samples"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(checkpointName).path) }
    }

    static func path(_ name: String) -> String? {
        directory.map { $0.appendingPathComponent(name).path }
    }

    private static var executableURL: URL {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if FileManager.default.fileExists(atPath: link.path), link.path != "/proc/self/exe" { return link }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
