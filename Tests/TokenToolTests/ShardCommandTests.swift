import Foundation
import XCTest
import TokenData
import Media
import Core

/// Split jobs through the binary: `tokenize --shard` + `merge` must give the unsplit dataset
/// byte for byte, re-runs skip finished parts and redo killed ones, and `evaluate --shard` +
/// `merge-scores` must print exactly the unsplit numbers.
final class ShardCommandTests: XCTestCase {
    let checkpoint = CLI.fixture("MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt")

    /// A moving pattern, `seconds` long at 25 fps; `seed` makes clips differ.
    func makeClip(_ url: URL, seconds: Double, seed: Int) throws {
        let width = 160, height = 120
        let frames = (0..<Int(25 * seconds)).map { k -> RGBImage in
            var p = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    p[i] = UInt8((x * (seed + 1) + 5 * k) & 255); p[i + 1] = UInt8((y * 3 + seed * 40) & 255); p[i + 2] = UInt8((x + y + 9 * k) & 255)
                }
            }
            return RGBImage(width: width, height: height, pixels: p)
        }
        try writeVideo(frames: frames, to: url, fps: 25)
    }

    func makeImage(_ url: URL, seed: Int) throws {
        let pixels = (0..<(256 * 256 * 3)).map { UInt8(truncatingIfNeeded: $0 * (seed + 3) / 7 + seed * 50) }
        try PNGCodec.write(RGBImage(width: 256, height: 256, pixels: pixels), to: url)
    }

    func files(_ dir: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            result[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return result
    }

    /// Uneven inputs: clips of 6, 2, 4 and 6 frames at 5 fps, and a run of two images (one
    /// segment in an unsplit run, so never cut between parts).
    func makeInputs(in dir: URL) throws -> [String] {
        let names = ["a.mp4", "b.mp4", "x.png", "y.png", "c.mp4", "a2.mp4"]
        try makeClip(dir.appendingPathComponent("a.mp4"), seconds: 1.2, seed: 0)
        try makeClip(dir.appendingPathComponent("b.mp4"), seconds: 0.4, seed: 1)
        try makeImage(dir.appendingPathComponent("x.png"), seed: 0)
        try makeImage(dir.appendingPathComponent("y.png"), seed: 1)
        try makeClip(dir.appendingPathComponent("c.mp4"), seconds: 0.8, seed: 2)
        try makeClip(dir.appendingPathComponent("a2.mp4"), seconds: 1.2, seed: 3)
        return names.map { dir.appendingPathComponent($0).path }
    }

    func testTokenizeInTwoThreeAndFivePartsMergesToTheUnsplitDatasetByteForByte() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = try makeInputs(in: dir)
        let settings = ["--ckpt", checkpoint, "--fps", "5"]
        let single = dir.appendingPathComponent("single")
        let r = try CLI.run(["tokenize"] + inputs + ["-o", single.path] + settings)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("wrote 20 frames"), r.stdout)

        for count in [2, 3, 5] {
            var parts: [String] = []
            for index in 0..<count {
                let part = dir.appendingPathComponent("parts-\(count)/part-\(index)").path
                // Each way of naming the part: Slurm's array variables, Kubernetes' completion index, --shard.
                let (shardArguments, environment): ([String], [String: String]) = switch count {
                case 2: (["--shard-from-env"], ["SLURM_ARRAY_TASK_ID": "\(index)", "SLURM_ARRAY_TASK_COUNT": "2"])
                case 3: (["--shard-from-env", "--shard-count", "3"], ["JOB_COMPLETION_INDEX": "\(index)"])
                default: (["--shard", "\(index)/\(count)"], [:])
                }
                let t = try CLI.run(["tokenize"] + inputs + ["-o", part] + settings + shardArguments, environment: environment)
                XCTAssertEqual(t.status, 0, t.stderr)
                XCTAssertTrue(t.stdout.contains("wrote part \(index)/\(count)"), t.stdout)
                parts.append(part)
            }
            let merged = dir.appendingPathComponent("merged-\(count)")
            let m = try CLI.run(["merge"] + parts.shuffled() + ["-o", merged.path])
            XCTAssertEqual(m.status, 0, m.stderr)
            XCTAssertTrue(m.stdout.contains("wrote 20 frames in 5 segments from \(count) parts"), m.stdout)
            XCTAssertEqual(try files(merged), try files(single), "\(count) parts")
        }
        // The image run stays whole: with five parts it is one part's only input pair.
        let manifests = try (0..<5).map { index in
            try JSONDecoder().decode(PartManifest.self, from: Data(contentsOf: dir.appendingPathComponent("parts-5/part-\(index)/\(PartManifest.fileName)")))
        }
        XCTAssertEqual(manifests.map { $0.inputs.map(\.index) }, [[0], [1], [2, 3], [4], [5]])
        XCTAssertEqual(manifests.map(\.frames), [6, 2, 2, 4, 6])
        XCTAssertEqual(manifests[0].checkpoint.sha256, "558c016ebfd55f93932e1dac861c7bbc1b25f4ced64279852f388c8ff5380351")
    }

    func testRerunSkipsFinishedPartsAndRedoesAPartKilledHalfWay() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let short = dir.appendingPathComponent("short.mp4"), long = dir.appendingPathComponent("long.mp4")
        try makeClip(short, seconds: 0.4, seed: 0)
        try makeClip(long, seconds: 3, seed: 1)  // 75 frames at 25 fps: seconds of work
        let inputs = [short.path, long.path]
        let settings = ["--ckpt", checkpoint, "--fps", "25", "--batch", "1"]
        let parts = (0..<2).map { dir.appendingPathComponent("parts/part-\($0)").path }

        XCTAssertEqual(try CLI.run(["tokenize"] + inputs + ["-o", parts[0], "--shard", "0/2"] + settings).status, 0)
        let finished = try files(URL(fileURLWithPath: parts[0]))
        let again = try CLI.run(["tokenize"] + inputs + ["-o", parts[0], "--shard", "0/2"] + settings)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("part 0/2 already complete"), again.stdout)
        XCTAssertEqual(try files(URL(fileURLWithPath: parts[0])), finished)
        // A finished part of another job (other settings) is not mistaken for this one.
        let other = try CLI.run(["tokenize"] + inputs + ["-o", parts[0], "--shard", "0/2", "--ckpt", checkpoint, "--fps", "10"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("\(parts[0]): exists but is not part 0/2 of this job (its settings differ)"), other.stderr)

        // SIGKILL (no chance to clean up) while part 1 is being tokenized.
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["tokenize"] + inputs + ["-o", parts[1], "--shard", "1/2"] + settings
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 2)
        XCTAssertTrue(process.isRunning, "part 1 finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: parts[1]))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("parts").path).filter { $0.hasPrefix(".") }
        XCTAssertFalse(leftovers.isEmpty, "expected the killed task's staging directory")
        let refused = try CLI.run(["merge", parts[0], parts[1], "-o", dir.appendingPathComponent("merged").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("\(parts[1]): not a part directory"), refused.stderr)

        // The re-run array: part 0 is skipped, part 1 is done again, the stale staging removed.
        for (index, part) in parts.enumerated() {
            let r = try CLI.run(["tokenize"] + inputs + ["-o", part, "--shard", "\(index)/2"] + settings)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("parts").path).sorted(), ["part-0", "part-1"])
        let merged = dir.appendingPathComponent("merged")
        XCTAssertEqual(try CLI.run(["merge"] + parts + ["-o", merged.path]).status, 0)
        let single = dir.appendingPathComponent("single")
        XCTAssertEqual(try CLI.run(["tokenize"] + inputs + ["-o", single.path] + settings).status, 0)
        XCTAssertEqual(try files(merged), try files(single))
    }

    func testMergeRefusesPartsTokenizedWithDifferentSettingsNamingBoth() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.mp4"), b = dir.appendingPathComponent("b.mp4")
        try makeClip(a, seconds: 0.4, seed: 0)
        try makeClip(b, seconds: 0.4, seed: 1)
        let p0 = dir.appendingPathComponent("p0").path, p1 = dir.appendingPathComponent("p1").path
        XCTAssertEqual(try CLI.run(["tokenize", a.path, b.path, "-o", p0, "--shard", "0/2", "--ckpt", checkpoint, "--fps", "5"]).status, 0)
        XCTAssertEqual(try CLI.run(["tokenize", a.path, b.path, "-o", p1, "--shard", "1/2", "--ckpt", checkpoint, "--fps", "10"]).status, 0)
        let out = dir.appendingPathComponent("merged").path
        let r = try CLI.run(["merge", p0, p1, "-o", out])
        XCTAssertNotEqual(r.status, 0)
        let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(message.hasPrefix("Error: \(p1): settings"), message)
        XCTAssertTrue(message.contains("in \(p0); parts of one job must agree"), message)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let bad = try CLI.run(["tokenize", a.path, "-o", p0, "--shard", "2/2", "--ckpt", checkpoint])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("shard index 2 is outside 0..<2"), bad.stderr)
    }

    func testEvaluateShardsMergeToExactlyTheUnsplitNumbers() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = CLI.repositoryRoot.appendingPathComponent("Samples/clip-tokens").path
        let model = CLI.repositoryRoot.appendingPathComponent("Samples/context.model").path
        // Sampling at temperature 1, so every window's random streams matter, not just the logits.
        let job = ["evaluate", "--data", data, "--model", model, "--window", "4", "--stride", "3", "--allow-overlaps",
                   "--temperature", "1", "--maskgit-steps", "2", "--batch", "3", "--max-examples", "20"]
        let singleJSON = dir.appendingPathComponent("single.json").path
        let single = try CLI.run(job + ["--json", singleJSON])
        XCTAssertEqual(single.status, 0, single.stderr)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: singleJSON))) as! [String: Any]
        XCTAssertEqual(expected["examples"] as? Int, 20)

        func withoutTiming(_ table: String) -> [Substring] { table.split(separator: "\n").filter { !$0.hasPrefix("seconds_per_frame") } }
        for count in [3, 5] {  // ScoreShardsTests covers 2, 3 and 5 parts in the library
            var parts: [String] = []
            for index in 0..<count {
                let part = dir.appendingPathComponent("eval-\(count)-\(index).json").path
                let r = try CLI.run(job + ["--shard", "\(index)/\(count)", "--json", part])
                XCTAssertEqual(r.status, 0, r.stderr)
                parts.append(part)
            }
            let mergedJSON = dir.appendingPathComponent("merged-\(count).json").path
            let m = try CLI.run(["merge-scores"] + parts.reversed() + ["--json", mergedJSON])
            XCTAssertEqual(m.status, 0, m.stderr)
            XCTAssertEqual(withoutTiming(m.stdout), withoutTiming(single.stdout), "\(count) parts")
            let merged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mergedJSON))) as! [String: Any]
            // Bit for bit, not to a tolerance.
            for key in ["ce", "accuracy"] {
                XCTAssertEqual((merged[key] as! NSNumber).doubleValue.bitPattern, (expected[key] as! NSNumber).doubleValue.bitPattern, "\(key), \(count) parts")
            }
            XCTAssertEqual((merged["per_timestep_ce"] as! [NSNumber]).map(\.doubleValue.bitPattern),
                           (expected["per_timestep_ce"] as! [NSNumber]).map(\.doubleValue.bitPattern))
            for key in ["examples", "predicted_frames"] { XCTAssertEqual(merged[key] as? Int, expected[key] as? Int) }
            XCTAssertEqual(merged["settings"] as? NSDictionary, expected["settings"] as? NSDictionary)
        }

        // A missing part is refused with the shard numbers; a finished part is not scored again.
        let r = try CLI.run(["merge-scores", dir.appendingPathComponent("eval-3-0.json").path, dir.appendingPathComponent("eval-3-2.json").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("1 of 3 parts missing (shard 1)"), r.stderr)
        let again = try CLI.run(job + ["--shard", "1/3", "--json", dir.appendingPathComponent("eval-3-1.json").path])
        XCTAssertTrue(again.stdout.contains("part 1/3 already complete"), again.stdout)
    }
}
