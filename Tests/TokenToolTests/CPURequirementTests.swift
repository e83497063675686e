@testable import TokenTool
import XCTest

final class CPURequirementTests: XCTestCase {
    func testACPUWithoutAVX2OrFMAIsNamedAsMissingThem() {
        let old = "processor\t: 0\nmodel name\t: Old\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx\n"
        let fmaOnly = "flags\t\t: sse2 avx fma\n"
        let modern = "flags\t\t: sse2 avx avx2 fma bmi2\n"
        #if arch(x86_64)
        XCTAssertEqual(CPURequirement.missingFlags(cpuinfo: old), ["avx2", "fma"])
        XCTAssertEqual(CPURequirement.missingFlags(cpuinfo: fmaOnly), ["avx2"])
        #endif
        XCTAssertEqual(CPURequirement.missingFlags(cpuinfo: modern), [])
        XCTAssertEqual(CPURequirement.missingFlags(), [], "this machine runs the tests, so it has what the kernels need")
    }
}
