/// Which micro-kernels the register-blocked GEMMs (`gemmPacked`, and `gemmPackedB` behind the
/// bf16 linear layers and causal attention) run.
///
/// The kernel layer is built for AVX2 + FMA so that it runs on every CPU the command line
/// accepts. On a CPU with AVX-512 the same products run through the 512-bit micro-kernels of
/// the `KernelsAVX512` module, twice the lanes per FMA; the choice is made once per process,
/// from /proc/cpuinfo. On a CPU with AMX the products whose weights are bfloat16 (`linearBF16`)
/// run on the tile unit instead (BF16Linear+AMX.swift). Every GEMM that dispatches takes the
/// path as a parameter (default `best`), so the tests can run every path in one process.
public enum GEMMPath: String, Sendable, CaseIterable {
    /// The SIMD8 micro-kernels (AVX2 + FMA on x86-64): every CPU.
    case portable = "AVX2+FMA"
    /// The SIMD16 micro-kernels of `KernelsAVX512`: x86-64 CPUs with AVX-512 F/CD/BW/DQ/VL.
    case avx512 = "AVX-512"
    /// The AVX-512 micro-kernels, and AMX tiles for the products with bf16 weights: x86-64 CPUs
    /// with AMX-BF16 (Sapphire Rapids and later) where Linux grants the tile state.
    case amx = "AVX-512+AMX"

    /// The fastest path this CPU can run.
    public static let best: GEMMPath = amx.isAvailable ? .amx : avx512.isAvailable ? .avx512 : .portable

    /// Whether the float32 products run the AVX-512 micro-kernels (`avx512` and `amx`).
    public var hasAVX512: Bool { self != .portable }

    /// Whether this CPU (and this build) can run the path.
    public var isAvailable: Bool {
        switch self {
        case .portable:
            return true
        case .avx512:
            #if arch(x86_64)
            // The set `-target-cpu skylake-avx512` lets the compiler use. Linux drops these flags
            // when the kernel does not save the zmm registers, so the flags are the whole check.
            return GEMMPath.avx512Flags.isSubset(of: CPUFeatures.current.flags)
            #else
            return false
            #endif
        case .amx:
            return GEMMPath.avx512.isAvailable && AMXTiles.isGranted
        }
    }

    static let avx512Flags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
}
