import Foundation
import MagvitCodec

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
        let loader = WeightLoader(store: try Checkpoint.open(path: weightsPath), file: weightsPath)
        self.init(config: config, weights: CheckpointWeights(loader))
        try loader.finish(expectingAllUnder: [""])
    }

    /// Reads and checks a `config.json`; unknown (training-only) fields are ignored.
    public static func readConfig(_ url: URL) throws -> GenieConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GenieError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let config: GenieConfig
        do { config = try JSONDecoder().decode(GenieConfig.self, from: data) } catch let error as DecodingError {
            throw GenieError.badConfig(path: url.path, reason: Self.reason(error))
        }
        if let problem = config.problem { throw GenieError.badConfig(path: url.path, reason: problem) }
        return config
    }

    private static func reason(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String { codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, _): return "missing field \(key.stringValue)"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "field \(path(context.codingPath)) has the wrong type"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// Weights from a checkpoint, through the shared strict loader.
private final class CheckpointWeights: WeightSource {
    let loader: WeightLoader

    init(_ loader: WeightLoader) { self.loader = loader }

    func take(_ key: String, shape: [Int]) -> Parameter {
        Parameter(loader.tensor(key, shape: shape))
    }
}
