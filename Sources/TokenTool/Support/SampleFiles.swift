import Foundation
import Core

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

    /// Folders that may be the shipped `Samples/`, most specific first.
    private static var candidates: [URL] {
        var result: [URL] = []
        if let env = ProcessInfo.processInfo.environment["TOKENTOOL_SAMPLES"] {
            result.append(URL(fileURLWithPath: env))
        }
        var dir = executableURL.deletingLastPathComponent()
        for _ in 0..<6 {
            result.append(dir.appendingPathComponent("Samples"))
            dir.deleteLastPathComponent()
        }
        result.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Samples"))
        return result
    }

    /// The shipped file `name`, from the first candidate folder that has it.
    static func path(_ name: String) -> String? {
        candidates.map { $0.appendingPathComponent(name).path }.first { FileManager.default.fileExists(atPath: $0) }
    }

    private static var executableURL: URL { Runtime.executableURL }
}
