import Foundation
import XCTest
import TestSupport
@testable import Core

final class KernelThreadCountTests: XCTestCase {
    func testAffinityMaskCountsTheAllowedCPUs() throws {
        let dir = try makeScratchDirectory(self)
        let status = dir.appendingPathComponent("status")
        try Data("Name:\ttokentool\nCpus_allowed:\t00000000,00000005\nCpus_allowed_list:\t0,2\n".utf8).write(to: status)
        XCTAssertEqual(Runtime.allowedCPUCount(status: status.path), 2)
        try Data("Name:\tx\nCpus_allowed:\tff\n".utf8).write(to: status)
        XCTAssertEqual(Runtime.allowedCPUCount(status: status.path), 8)
        XCTAssertNil(Runtime.allowedCPUCount(status: dir.appendingPathComponent("absent").path))
    }

    func testOMPNumThreadsOverridesTheAffinity() {
        XCTAssertEqual(Runtime.defaultThreadCount(environment: ["OMP_NUM_THREADS": "3"]), 3)
        XCTAssertEqual(Runtime.defaultThreadCount(environment: ["OMP_NUM_THREADS": "5,2"]), 5)
        // Nonsense falls back to the affinity mask of this process.
        XCTAssertEqual(Runtime.defaultThreadCount(environment: ["OMP_NUM_THREADS": "zero"]), Runtime.allowedCPUCount())
    }

    func testFileFingerprintFollowsTheContent() throws {
        let dir = try makeScratchDirectory(self)
        let a = dir.appendingPathComponent("a.ckpt"), b = dir.appendingPathComponent("b.ckpt")
        var bytes = [UInt8](repeating: 7, count: 1000)
        try Data(bytes).write(to: a)
        try Data(bytes).write(to: b)
        XCTAssertEqual(try FileFingerprint.of(file: a.path), try FileFingerprint.of(file: b.path))
        bytes[997] = 8
        try Data(bytes).write(to: b)
        XCTAssertNotEqual(try FileFingerprint.of(file: a.path), try FileFingerprint.of(file: b.path))
        bytes[997] = 7; bytes[10] = 9
        try Data(bytes).write(to: b)
        XCTAssertNotEqual(try FileFingerprint.of(file: a.path), try FileFingerprint.of(file: b.path))
        XCTAssertEqual(try FileFingerprint.of(file: a.path), "sha256-" + SHA256.hex(of: [UInt8](repeating: 7, count: 1000)))
    }
}
