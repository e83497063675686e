import Foundation
import XCTest

/// `inspect` on the three kinds of directory it knows.
final class InspectCommandTests: XCTestCase {
    func testDatasetReportCountsWindowsWithAndWithoutOverlaps() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try PredictorCommandTests.datasetOfFixtureFrames(CLI.fixture("PredictorTests/Fixtures/genie-l2-d64"), in: dir)
        let json = dir.appendingPathComponent("i.json").path
        // 16 frames, window 4 at stride 3 spans 9 frames: starts 0...6 are valid; the overlap
        // filter keeps 0, 1, 2 and drops every later start i because i - 3 was kept.
        let r = try CLI.run(["inspect", data, "--window", "4", "--stride", "3", "--json", json])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let windows = try XCTUnwrap(report["windows"] as? [String: Int])
        XCTAssertEqual(windows["valid"], 7)
        XCTAssertEqual(windows["without_overlaps"], 3)
        XCTAssertEqual(report["frames"] as? Int, 16)
        XCTAssertEqual(report["segments"] as? Int, 1)
    }

    func testJSONReportReplacesAnOlderFileOfTheSameName() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try PredictorCommandTests.datasetOfFixtureFrames(CLI.fixture("PredictorTests/Fixtures/genie-l2-d64"), in: dir)
        let json = dir.appendingPathComponent("i.json")
        try Data("old report".utf8).write(to: json)
        for _ in 0..<2 {
            let r = try CLI.run(["inspect", data, "--json", json.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
            XCTAssertEqual(report["frames"] as? Int, 16)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testGenieDirectoryReportsItsArchitecture() throws {
        let r = try CLI.run(["inspect", CLI.fixture("PredictorTests/Fixtures/genie-l2-d64-qknorm")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 layers, d 64, 4 heads"), r.stdout)
        XCTAssertTrue(r.stdout.contains("qk_norm true"), r.stdout)
    }

    func testMissingPathFailsWithItsName() throws {
        let r = try CLI.run(["inspect", "/nonexistent/thing.ckpt"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("/nonexistent/thing.ckpt"), r.stderr)
    }
}
