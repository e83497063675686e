import Foundation
import XCTest
@testable import Predictor
import Media
import Core

/// LPIPS against the lpips package (0.1.4) on the `lpips-alex` fixture: a random AlexNet in
/// torchvision's layout plus the real v0.1 linear weights.
final class LPIPSTests: XCTestCase {
    static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("lpips-alex")

    static let metric: Result<LPIPS, Error> = Result {
        try LPIPS(alexNetPath: directory.appendingPathComponent("alexnet_test.pth").path,
                  linearPath: directory.appendingPathComponent("lpips-v0.1-alex.pth").path)
    }

    /// a_u8.bin / b_u8.bin: (N, 256, 256, 3).
    func images(_ name: String) throws -> [RGBImage] {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let frame = 256 * 256 * 3
        XCTAssertEqual(bytes.count % frame, 0)
        return stride(from: 0, to: bytes.count, by: frame).map {
            RGBImage(width: 256, height: 256, pixels: Array(bytes[$0..<($0 + frame)]))
        }
    }

    func expected(_ key: String) throws -> [Double] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.directory.appendingPathComponent("lpips.json")))
        return try XCTUnwrap((json as? [String: Any])?[key] as? [Double])
    }

    func testDistancesMatchTheLpipsPackage() throws {
        let lpips = try Self.metric.get()
        let distances = try lpips.distances(images("a_u8.bin"), images("b_u8.bin"))
        let reference = try expected("lpips")
        XCTAssertEqual(distances.count, reference.count)
        for (mine, theirs) in zip(distances, reference) {
            print("LPIPS \(mine) vs lpips package \(theirs): abs error \(abs(Double(mine) - theirs))")
            XCTAssertEqual(Double(mine), theirs, accuracy: 1e-4)
        }
    }

    /// Prepared for 256x256 images, the 3x3 layers (15x15 there) run Winograd F(2x2); the
    /// default plain weights give the same distances to float32 rounding.
    func testWinogradLayersAgreeWithPlainWeights() throws {
        let plain = try Self.metric.get()
        XCTAssertNil(plain.features.conv6.conv.winograd)
        let lpips = try LPIPS(alexNetPath: Self.directory.appendingPathComponent("alexnet_test.pth").path,
                              linearPath: Self.directory.appendingPathComponent("lpips-v0.1-alex.pth").path, imageSize: LPIPS.imageSize)
        XCTAssertEqual([lpips.features.conv6, lpips.features.conv8, lpips.features.conv10].map(\.conv.winograd), [.f2x2, .f2x2, .f2x2])
        XCTAssertEqual([lpips.features.conv0, lpips.features.conv3].map(\.conv.winograd), [nil, nil])
        let (a, b) = (try images("a_u8.bin"), try images("b_u8.bin"))
        let reference = try expected("lpips")
        for (i, (winograd, direct)) in zip(try lpips.distances(a, b), try plain.distances(a, b)).enumerated() {
            print("LPIPS Winograd \(winograd) plain \(direct): abs errors against the lpips package "
                  + "\(abs(Double(winograd) - reference[i])) and \(abs(Double(direct) - reference[i]))")
            XCTAssertEqual(winograd, direct, accuracy: 1e-6)
        }
    }

    func testSingleDistanceEqualsBatchedDistance() throws {
        let lpips = try Self.metric.get()
        let (a, b) = (try images("a_u8.bin"), try images("b_u8.bin"))
        XCTAssertEqual(try lpips.distance(a[1], b[1]), try lpips.distances(a, b)[1])
    }

    func testIdenticalImagesAreExactlyZeroApart() throws {
        let lpips = try Self.metric.get()
        let a = try images("a_u8.bin")
        XCTAssertEqual(try lpips.distances(a, a), try expected("lpips_self").map(Float.init))
        XCTAssertEqual(try lpips.distances(a, a), [0, 0])
    }

    func testDistanceIsSymmetric() throws {
        let lpips = try Self.metric.get()
        let (a, b) = (try images("a_u8.bin"), try images("b_u8.bin"))
        XCTAssertEqual(try lpips.distance(a[0], b[0]), try lpips.distance(b[0], a[0]), accuracy: 1e-6)
    }

    func testMismatchedImagesAreRejected() throws {
        let lpips = try Self.metric.get()
        let a = try images("a_u8.bin")
        XCTAssertThrowsError(try lpips.distances(a, [a[0]])) { error in
            XCTAssertTrue("\(error)".contains("got 2 and 1"), "\(error)")
        }
        XCTAssertThrowsError(try lpips.distance(a[0], RGBImage(width: 128, height: 256))) { error in
            XCTAssertTrue("\(error)".contains("256x256 vs 128x256"), "\(error)")
        }
        let tiny = RGBImage(width: 16, height: 16)
        XCTAssertThrowsError(try lpips.distance(tiny, tiny)) { error in
            XCTAssertTrue("\(error)".contains("too small"), "\(error)")
        }
    }

    func testLinearWeightsWithTheWrongShapeAreReported() throws {
        // The AlexNet file has no lin* tensors: loading it as the linear weights lists all five.
        let alex = Self.directory.appendingPathComponent("alexnet_test.pth").path
        XCTAssertThrowsError(try LPIPS(alexNetPath: alex, linearPath: alex)) { error in
            let text = "\(error)"
            for k in 0..<5 { XCTAssertTrue(text.contains("lin\(k).model.1.weight"), text) }
        }
    }
}
