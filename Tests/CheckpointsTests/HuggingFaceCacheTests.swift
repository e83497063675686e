import Foundation
import XCTest
import TestSupport
@testable import Checkpoints

/// Repo ids resolved in a fake cache laid out as `huggingface-cli download` lays it out.
final class HuggingFaceCacheTests: XCTestCase {
    /// `<hub>/models--ORG--NAME/{refs/main, snapshots/<commit>/files}`.
    @discardableResult
    private func makeRepo(hub: URL, type: String = "models", id: String, commits: [String: [String]], refs: [String: String]) throws -> URL {
        let repo = hub.appendingPathComponent("\(type)--" + id.replacingOccurrences(of: "/", with: "--"))
        for (commit, files) in commits {
            for file in files {
                let url = repo.appendingPathComponent("snapshots/\(commit)/\(file)")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("\(commit):\(file)".utf8).write(to: url)
            }
        }
        for (ref, commit) in refs {
            let url = repo.appendingPathComponent("refs/\(ref)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((commit + "\n").utf8).write(to: url)
        }
        return repo
    }

    func testRepoIdResolvesToTheSnapshotThatRefsMainNames() throws {
        let hub = try makeScratchDirectory(self)
        try makeRepo(hub: hub, id: "1x-technologies/GENIE_35M", commits: ["aaa111": ["config.json"], "bbb222": ["config.json"]],
                     refs: ["main": "bbb222", "v1": "aaa111"])
        let env = ["HF_HUB_CACHE": hub.path]
        let snapshots = hub.appendingPathComponent("models--1x-technologies--GENIE_35M/snapshots")
        XCTAssertEqual(try HuggingFaceCache.resolve("1x-technologies/GENIE_35M", environment: env), snapshots.appendingPathComponent("bbb222").path)
        XCTAssertEqual(try HuggingFaceCache.resolve("1x-technologies/GENIE_35M@v1", environment: env), snapshots.appendingPathComponent("aaa111").path)
        XCTAssertEqual(try HuggingFaceCache.resolve("1x-technologies/GENIE_35M@aaa111/config.json", environment: env),
                       snapshots.appendingPathComponent("aaa111/config.json").path)
        // The cache folder itself, as a user finds it on disk.
        let folder = hub.appendingPathComponent("models--1x-technologies--GENIE_35M").path
        XCTAssertEqual(try HuggingFaceCache.resolve(folder, environment: env), snapshots.appendingPathComponent("bbb222").path)
    }

    func testDatasetReposAndTheHubFolderFromHFHome() throws {
        let home = try makeScratchDirectory(self)
        let hub = home.appendingPathComponent("hub")
        try makeRepo(hub: hub, type: "datasets", id: "1x-technologies/worldmodel", commits: ["c0ffee": ["magvit2.ckpt", "val_v1.1/metadata.json"]],
                     refs: ["main": "c0ffee"])
        XCTAssertEqual(HuggingFaceCache.hubFolder(environment: ["HF_HOME": home.path]).path, hub.path)
        XCTAssertEqual(HuggingFaceCache.hubFolder(environment: ["HF_HOME": home.path, "HF_HUB_CACHE": "/elsewhere"]).path, "/elsewhere")
        XCTAssertEqual(HuggingFaceCache.hubFolder(environment: ["HOME": "/home/u"]).path, "/home/u/.cache/huggingface/hub")
        let resolved = try HuggingFaceCache.resolve("1x-technologies/worldmodel/val_v1.1", environment: ["HF_HOME": home.path])
        XCTAssertEqual(resolved, hub.appendingPathComponent("datasets--1x-technologies--worldmodel/snapshots/c0ffee/val_v1.1").path)
    }

    func testMissingRepoOrRevisionSaysSoAndGivesTheDownloadCommand() throws {
        let hub = try makeScratchDirectory(self)
        try makeRepo(hub: hub, id: "acme/codec", commits: ["123abc": ["magvit2.ckpt"]], refs: ["main": "123abc"])
        let env = ["HF_HUB_CACHE": hub.path]
        XCTAssertThrowsError(try HuggingFaceCache.resolve("acme/other", environment: env)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("acme/other: "), text)
            XCTAssertTrue(text.contains("huggingface-cli download acme/other"), text)
            XCTAssertTrue(text.contains(hub.path), text)
        }
        XCTAssertThrowsError(try HuggingFaceCache.resolve("acme/codec@v9", environment: env)) { error in
            XCTAssertTrue("\(error)".contains("revision v9 is not cached"), "\(error)")
        }
        XCTAssertThrowsError(try HuggingFaceCache.resolve("acme/codec/missing.ckpt", environment: env)) { error in
            XCTAssertTrue("\(error)".contains("huggingface-cli download acme/codec missing.ckpt"), "\(error)")
        }
    }

    func testPathsAndNonIdsAreLeftAlone() throws {
        let env = ["HF_HUB_CACHE": "/nonexistent-hub"]
        XCTAssertEqual(try HuggingFaceCache.resolve("copy", environment: env), "copy")
        XCTAssertEqual(try HuggingFaceCache.resolve("./data/x", environment: env), "./data/x")
        XCTAssertEqual(try HuggingFaceCache.resolve("/abs/path", environment: env), "/abs/path")
        XCTAssertNil(HuggingFaceCache.parse("a/b@"))
        XCTAssertNil(HuggingFaceCache.parse("a/../b"))
        XCTAssertEqual(HuggingFaceCache.parse("org/name@rev/dir/f.bin"),
                       HuggingFaceCache.Reference(organization: "org", name: "name", revision: "rev", file: "dir/f.bin"))
    }
}
