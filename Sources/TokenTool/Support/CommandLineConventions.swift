import Foundation
import Media

/// What users bring from other tools, applied to the raw arguments before parsing:
/// - the 1X reference scripts' flag names (`--num_prompt_frames`, `--example_ind`,
///   `--val_data_dir`, `--checkpoint_dir`, ...) and the underscore spelling of every flag
///   (`--max_examples` is `--max-examples`);
/// - `--verbose` anywhere: FFmpeg's own log lines and the filter graph of each input on stderr.
enum CommandLineConventions {
    /// Reference-script names whose toolkit flag is spelled differently, not just with hyphens.
    static let referenceNames: [String: String] = [
        "example_ind": "example",
        "num_prompt_frames": "prompt-frames",
        "val_data_dir": "data",
        "data_dir": "data",
        "checkpoint_dir": "model",
        "window_size": "window",
        "batch_size": "batch",
        "output_dir": "output",
        "num_threads": "threads",
        "tokenizer_ckpt": "ckpt",
    ]

    static func normalize(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var passThrough = false
        for argument in arguments {
            if passThrough || !argument.hasPrefix("--") || argument == "--" {
                if argument == "--" { passThrough = true }
                result.append(argument)
                continue
            }
            let body = argument.dropFirst(2)
            let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let value = body.dropFirst(name.count)  // "" or "=..."
            guard name.contains("_") else {
                result.append(argument)
                continue
            }
            let renamed = referenceNames[name] ?? name.replacingOccurrences(of: "_", with: "-")
            result.append("--" + renamed + value)
        }
        return result
    }

    /// Takes `--verbose` out of the arguments (it is global) and applies it.
    static func extractVerbose(_ arguments: [String]) -> [String] {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        guard arguments[..<end].contains("--verbose") else { return arguments }
        Verbosity.isVerbose = true
        FFmpegLog.setVerbose(true)
        return arguments[..<end].filter { $0 != "--verbose" } + arguments[end...]
    }
}

enum Verbosity {
    nonisolated(unsafe) static var isVerbose = false
}
