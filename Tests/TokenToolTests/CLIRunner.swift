import Foundation
import XCTest

/// Runs the built `tokentool` binary the way a user does, capturing stdout, stderr and the
/// exit status. `scripts/test.sh` builds the product before `swift test`.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary next to the test bundle (`.build/<config>/tokentool`).
    static var binary: URL {
        let products = Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()
        return products.appendingPathComponent("tokentool")
    }

    static func fixture(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("Tests").appendingPathComponent(relative).path
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("tokentool is not built at \(binary.path); run `swift build --product tokentool` first")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a chatty child cannot fill a pipe and stall.
        var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokentool-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

private final class Marker {}
