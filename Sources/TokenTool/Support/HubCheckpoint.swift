import ArgumentParser
import Foundation
import Checkpoints

/// `--ckpt` through the Hugging Face cache: a file path as it is; a repo id or snapshot folder
/// becomes the checkpoint file inside it (`magvit2.ckpt`, else its only checkpoint file).
enum HubCheckpoint {
    static let fileExtensions: Set<String> = ["ckpt", "pt", "pth", "bin", "safetensors", "jit"]

    static func file(_ spec: String) throws -> String {
        let path = try HubPath.resolve(spec, types: [.model, .dataset])
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
        let folder = URL(fileURLWithPath: path)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        if names.contains("magvit2.ckpt") { return folder.appendingPathComponent("magvit2.ckpt").path }
        let candidates = names.filter { fileExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
        guard candidates.count == 1 else {
            let listed = candidates.isEmpty ? "none" : candidates.joined(separator: ", ")
            throw ValidationErrorText("\(spec): a folder, not a checkpoint file; name the file inside it (checkpoint files there: \(listed))")
        }
        return folder.appendingPathComponent(candidates[0]).path
    }
}

/// The shipped codec is a small demo; say so wherever it is used in place of the real one.
enum DemoCodec {
    static let note = "note: using the small demo codec shipped in Samples/ (2.6 M parameters, briefly trained: blurry frames, "
        + "washed-out colours); pass --ckpt data/magvit2.ckpt (or --ckpt 1x-technologies/worldmodel) for the challenge's tokens"
}

/// `--data`, `--model` and `inspect`'s path through the Hugging Face cache (`HuggingFaceCache.resolve`).
enum HubPath {
    static func dataset(_ spec: String) throws -> String {
        try resolve(spec, types: [.dataset, .model])
    }

    /// Its errors (`HuggingFaceCacheError`) already say which id or folder they are about; they pass through.
    static func resolve(_ spec: String, types: [HuggingFaceCache.RepoType]) throws -> String {
        try HuggingFaceCache.resolve(spec, types: types)
    }
}
