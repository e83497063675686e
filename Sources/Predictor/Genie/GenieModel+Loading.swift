import Foundation
import Checkpoints
import Layers

extension GenieModel {
    /// Loads a Hugging Face GENIE checkpoint directory: `config.json` and `model.safetensors`.
    /// Every tensor the config implies is checked by key and shape, and every tensor in the file
    /// must be used; all mismatches are reported in one error that names the file.
    public convenience init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let config = try Self.readConfig(configURL)
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw GenieError.unreadableFile(path: weightsPath, reason: "no such file")
        }
        // Weights missing from the file would be stood in by zeros of the config's shapes, so
        // a config that promises far more than the file holds is refused before allocating.
        let weightBytes = (try? FileManager.default.attributesOfItem(atPath: weightsPath)[.size] as? Int) ?? 0
        guard config.minimumParameterCount <= weightBytes / 2 else {
            throw GenieError.badConfig(path: configURL.path, reason:
                "implies at least \(config.minimumParameterCount) weights, more than model.safetensors (\(weightBytes) bytes) can hold")
        }
        let loader = WeightLoader(store: try Checkpoint.open(path: weightsPath), file: weightsPath)
        self.init(config: config, scope: ParameterScope(loader))
        try loader.finish(expectingAllUnder: [""])
    }

    static let maxConfigBytes = 1 << 20

    /// Reads and checks a `config.json`; unknown (training-only) fields are ignored.
    public static func readConfig(_ url: URL) throws -> GenieConfig {
        let data: Data
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= maxConfigBytes else {
            throw GenieError.badConfig(path: url.path, reason: "\(size) bytes is above the cap of \(maxConfigBytes) for a config file")
        }
        do { data = try Data(contentsOf: url) } catch {
            throw GenieError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try GenieConfig.decode(data, path: url.path)
    }
}
