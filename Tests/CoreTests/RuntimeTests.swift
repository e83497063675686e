import Foundation
import XCTest
import TestSupport
@testable import Core

final class RuntimeTests: XCTestCase {
    override func tearDown() {
        Runtime.configure(RuntimePolicy())
        super.tearDown()
    }

    func testThePolicyConfiguredIsTheOneTheKernelsRead() {
        Runtime.configure(RuntimePolicy(threads: 3))
        XCTAssertEqual(Kernels.threadCount, 3)
        XCTAssertEqual(Runtime.policy.threads, 3)
        Runtime.configure(RuntimePolicy())
        XCTAssertEqual(Kernels.threadCount, Runtime.defaultThreadCount())
        XCTAssertEqual(Runtime.policy, RuntimePolicy(threads: nil, keepLargeBuffersInHeap: true, winograd: true))
    }

    func testWinogradOffMeansPlainWeightsEverywhere() {
        let g = Conv2dGeometry(inChannels: 64, outChannels: 64, height: 64, width: 64, kernel: 3, stride: 1, padding: 1)
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g), .f4x4)
        Runtime.configure(RuntimePolicy(winograd: false))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g))
    }

    func testTheCPUReportNamesWhatTheKernelsAreBuiltFor() {
        let cpu = Runtime.cpu
        #if arch(x86_64)
        XCTAssertTrue(cpu.kernelSummary.hasPrefix("CPU \(cpu.simdLevel); Swift kernels AVX2+FMA, GEMM \(GEMMPath.best.rawValue); "), cpu.kernelSummary)
        XCTAssertTrue(["AVX-512", "AVX2+FMA"].contains(cpu.simdLevel), "this machine runs the AVX2 kernels")
        #elseif arch(arm64)
        XCTAssertEqual(cpu.simdLevel, "NEON")
        #endif
        #if canImport(Accelerate)
        XCTAssertEqual(cpu.blas, "Accelerate")
        #else
        XCTAssertTrue(cpu.blas.hasPrefix("OpenBLAS "), cpu.blas)
        #endif
        XCTAssertEqual(cpu.description, "\(cpu.modelName), \(cpu.kernelSummary)")
    }

    func testCpuinfoFieldsAreReadFromTheFirstProcessor() {
        let info = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\nflags\t\t: fpu sse2 avx2 fma\n\nprocessor\t: 1\nmodel name\t: Other\n"
        XCTAssertEqual(CPUFeatures.cpuinfoField("model name", in: info), "Example CPU @ 2.0GHz")
        XCTAssertEqual(CPUFeatures.cpuinfoField("flags", in: info), "fpu sse2 avx2 fma")
        XCTAssertNil(CPUFeatures.cpuinfoField("microcode", in: info))
    }

    func testProcessUsageIsMeasured() {
        XCTAssertGreaterThan(ProcessUsage.peakRSSMegabytes(), 1)
        XCTAssertGreaterThan(ProcessUsage.currentRSSMegabytes(), 1)
        XCTAssertLessThanOrEqual(ProcessUsage.currentRSSMegabytes(), ProcessUsage.peakRSSMegabytes() + 1)
        XCTAssertGreaterThan(ProcessUsage.cpuSeconds(), 0)
    }

    func testTheExecutableIsFound() {
        let url = Runtime.executableURL
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: url.path), url.path)
    }
}
