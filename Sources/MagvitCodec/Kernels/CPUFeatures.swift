import CBLAS
import Foundation

/// What the machine's CPU offers and which of it the kernels use.
///
/// The Swift code of the kernel layer is compiled for AVX2 + FMA (Package.swift; the command
/// line refuses to start on a CPU without them), including the micro-kernel GEMM behind the
/// Winograd convolutions, most of the codec's arithmetic. The other GEMMs (GENIE, strided
/// and 1x1 convolutions) are OpenBLAS's, which picks its AVX-512 or AVX2 kernels at run time.
public struct CPUFeatures: Sendable, CustomStringConvertible {
    /// "model name" from /proc/cpuinfo, or "unknown".
    public var modelName: String
    /// The flags of the first processor in /proc/cpuinfo.
    public var flags: Set<String>
    /// The CPU kernel set OpenBLAS chose at run time, e.g. "Haswell", "SkylakeX", "Zen".
    public var blasCore: String

    public static let current = CPUFeatures()

    init() {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            for line in info.split(separator: "\n") where line.hasPrefix(name) {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        modelName = field("model name") ?? "unknown"
        flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        blasCore = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// The widest vector extension the CPU reports: "AVX-512", "AVX2+FMA", "AVX", "SSE4.2" or "SSE2".
    public var simdLevel: String {
        if flags.contains("avx512f") { return "AVX-512" }
        if flags.contains("avx2") && flags.contains("fma") { return "AVX2+FMA" }
        if flags.contains("avx") { return "AVX" }
        if flags.contains("sse4_2") { return "SSE4.2" }
        return "SSE2"
    }

    /// What runs the arithmetic, e.g. "CPU AVX2+FMA; Swift kernels AVX2+FMA, GEMM AVX2+FMA; OpenBLAS Zen".
    public var kernelSummary: String {
        "CPU \(simdLevel); Swift kernels AVX2+FMA, GEMM \(GEMMPath.best.rawValue); OpenBLAS \(blasCore)"
    }

    public var description: String {
        "\(modelName), \(kernelSummary)"
    }
}
