import Foundation
import XCTest
@testable import Predictor
import TokenData
import Core

/// Uniform and Gaussian draws from the Predictor's SplitMix64, so the synthetic data is the
/// same every run.
extension SplitMix64 {
    mutating func uniform(_ low: Double = 0, _ high: Double = 1) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Token streams shaped like MAGVIT2's: 18 smooth random fields on the 16x16 grid drift
/// (a shared pan plus slow per-channel change) and bit c of a token is set where field c > 0,
/// with per-frame noise so sign boundaries flicker. Neighbouring frames share most bits and
/// changes sit near sign boundaries, as with real LFQ codes.
enum SyntheticTokens {
    static func segment(seed: UInt64, frames: Int) -> [FrameTokens] {
        var random = SplitMix64(state: seed)
        let panX = random.uniform(-0.4, 0.4), panY = random.uniform(-0.4, 0.4)
        struct Wave { var kx, ky, phase, drift, amplitude: Double }
        let waves: [[Wave]] = (0..<18).map { _ in
            (0..<3).map { _ in
                let magnitude = random.uniform(0.25, 0.7), angle = random.uniform(0, 2 * .pi)
                return Wave(kx: magnitude * cos(angle), ky: magnitude * sin(angle), phase: random.uniform(0, 2 * .pi),
                            drift: random.uniform(-0.06, 0.06), amplitude: random.uniform(0.5, 1))
            }
        }
        return (0..<frames).map { t in
            (0..<256).map { s in
                let x = Double(s % 16) - panX * Double(t), y = Double(s / 16) - panY * Double(t)
                var token: UInt32 = 0
                for c in 0..<18 {
                    var field = 0.08 * random.gaussian()
                    for wave in waves[c] {
                        field += wave.amplitude * sin(wave.kx * x + wave.ky * y + wave.phase + wave.drift * Double(t))
                    }
                    if field > 0 { token |= 1 << UInt32(c) }
                }
                return token
            }
        }
    }

    /// A dataset of `segments` synthetic clips written to a scratch directory.
    static func dataset(_ test: XCTestCase, segments: Int, framesPerSegment: Int) throws -> TokenDataset {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentool-baselines-\(UUID().uuidString)")
        test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let writer = try TokenDatasetWriter.create(at: directory, hz: 30, tokenizerCheckpoint: "synthetic")
        for segment in 0..<segments {
            writer.beginSegment()
            for frame in self.segment(seed: UInt64(1000 + segment), frames: framesPerSegment) { try writer.add(frame: frame) }
        }
        try writer.commit()
        return try TokenDataset(directory: directory)
    }
}
