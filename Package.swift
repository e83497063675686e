// swift-tools-version:5.9
import PackageDescription

// Optimised builds matter even for `swift test`: the parity tests run real convolutions.
// Bounds and overflow checks stay on (-O, not -Ounchecked): parsers, loaders and the CLI read
// sizes from untrusted files, and a check that traps is better than memory overwritten. The
// kernels keep their speed by working on unsafe pointers and wrapping arithmetic, on sizes
// validated before they are called.
let fast: [SwiftSetting] = [.unsafeFlags(["-O"])]
// The compute kernels are built for AVX2 + FMA (Haswell and later, Zen and later). The
// command line itself stays at the baseline target, so that on an older CPU it can say so
// instead of dying of an illegal instruction (see CPURequirement.swift).
#if arch(x86_64)
let kernels: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
#else
let kernels = fast
#endif
// The AVX-512 micro-kernels (Sources/KernelsAVX512) alone are built for skylake-avx512; the
// kernel layer calls them only where the CPU reports AVX-512 at run time (GEMMPath.swift).
#if arch(x86_64)
let avx512: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "skylake-avx512"])]
#else
let avx512 = fast
#endif

let package = Package(
    name: "tokentool",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tokentool", targets: ["TokenTool"]),
        .library(name: "MagvitCodec", targets: ["MagvitCodec"]),
        .library(name: "Predictor", targets: ["Predictor"]),
        .library(name: "CosmosTokenizer", targets: ["CosmosTokenizer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C headers only: FFmpeg and libpng as Swift sees them (macros, varargs, struct fields).
        .systemLibrary(
            name: "FFmpegShim",
            path: "Sources/FFmpegShim",
            pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libavfilter-dev", "libpng-dev"])]
        ),
        // BLAS behind the kernel layer (Sources/MagvitCodec/Kernels).
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/MagvitCodec/Kernels/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "KernelsAVX512", swiftSettings: avx512),
        .target(
            name: "MagvitCodec",
            dependencies: ["CBLAS", "FFmpegShim", "KernelsAVX512"],
            path: "Sources/MagvitCodec",
            exclude: ["Kernels/CBLAS"],
            swiftSettings: kernels
        ),
        .target(
            name: "Predictor",
            dependencies: ["MagvitCodec"],
            swiftSettings: kernels
        ),
        // NVIDIA Cosmos DV8x8x8, the 1X v2.0 tokenizer, beside MAGVIT2 on the same kernels.
        .target(
            name: "CosmosTokenizer",
            dependencies: ["MagvitCodec"],
            swiftSettings: kernels
        ),
        .executableTarget(
            name: "TokenTool",
            dependencies: ["MagvitCodec", "Predictor", "CosmosTokenizer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: fast
        ),
        .testTarget(name: "MagvitCodecTests", dependencies: ["MagvitCodec"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MediaTests", dependencies: ["MagvitCodec"]),
        .testTarget(name: "PredictorTests", dependencies: ["Predictor", "MagvitCodec"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CosmosTokenizerTests", dependencies: ["CosmosTokenizer", "MagvitCodec"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenToolTests", dependencies: ["MagvitCodec", "TokenTool"]),
    ]
)
