import Foundation
import XCTest
@testable import Predictor
import TokenData

final class ContextModelTests: XCTestCase {
    /// 6 synthetic clips of 48 frames: fit on clips 0...3, score on clips 4 and 5.
    private func splitDataset() throws -> (TokenDataset, ContextModel, CopyPredictor, WindowSet) {
        let dataset = try SyntheticTokens.dataset(self, segments: 6, framesPerSegment: 48)
        let spec = try WindowSpec(length: 6, stride: 2)
        let isTrain: (Int32) -> Bool = { $0 < 4 }
        let model = try ContextModel.fit(dataset: dataset, stride: spec.stride, includeSegment: isTrain)
        let copy = CopyPredictor.fit(dataset: dataset, windows: WindowSet(dataset: dataset, spec: spec, includeSegment: isTrain))
        let heldOut = WindowSet(dataset: dataset, spec: spec, filterOverlaps: true, includeSegment: { !isTrain($0) })
        return (dataset, model, copy, heldOut)
    }

    func testBeatsCopyOnHeldOutSegments() throws {
        let (dataset, model, copy, heldOut) = try splitDataset()
        XCTAssertEqual(model.trainingFrames, 4 * 46)  // frames 2...47 of each training clip
        XCTAssertGreaterThan(heldOut.count, 0)
        let contextCE = try BaselineEvaluation.meanCrossEntropy(of: model, dataset: dataset, windows: heldOut)
        let copyCE = try BaselineEvaluation.meanCrossEntropy(of: copy, dataset: dataset, windows: heldOut)
        print("held-out CE over \(heldOut.count) windows: context \(contextCE), copy \(copyCE) (eps \(copy.mixing)), uniform \(2 * log(512.0))")
        XCTAssertLessThan(contextCE, copyCE)
    }

    func testEachVocabularyDistributionSumsToOne() throws {
        let (dataset, model, _, _) = try splitDataset()
        for context in [[dataset.frame(200)], [dataset.frame(198), dataset.frame(200)]] {
            let logits = try model.predict(context: context, known: nil)
            XCTAssertEqual(logits.positions, 256)
            for v in 0..<2 {
                for s in 0..<256 {
                    let start = logits.rowStart(factor: v, position: s)
                    let total = logits.values[start..<(start + 512)].reduce(0.0) { $0 + exp(Double($1)) }
                    XCTAssertEqual(total, 1, accuracy: 1e-4, "vocabulary \(v), position \(s)")
                }
            }
        }
    }

    func testSaveAndLoadGiveIdenticalLogits() throws {
        let (dataset, model, _, _) = try splitDataset()
        let url = try scratchFile("model.ctx")
        try model.save(to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 28 + 4 * ContextModel.contextCount)
        let loaded = try ContextModel.load(from: url)
        XCTAssertEqual(loaded.stride, 2)
        XCTAssertEqual(loaded.trainingFrames, model.trainingFrames)
        let context = [dataset.frame(150), dataset.frame(152)]
        XCTAssertEqual(try loaded.predict(context: context, known: nil).values, try model.predict(context: context, known: nil).values)
    }

    func testBadModelFilesGetOneLineErrors() throws {
        let model = try ContextModel(bitProbabilities: [Float](repeating: 0.25, count: ContextModel.contextCount), stride: 15, trainingFrames: 1)
        let url = try scratchFile("model.ctx")
        try model.save(to: url)
        let good = try Data(contentsOf: url)
        func expectError(_ bytes: Data, _ words: String, line: UInt = #line) throws {
            try bytes.write(to: url)
            XCTAssertThrowsError(try ContextModel.load(from: url), line: line) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix(url.path) && text.contains(words), "\"\(text)\" lacks \"\(words)\"", line: line)
            }
        }
        try expectError(good.prefix(10), "too short")
        var bytes = good
        bytes[0] = UInt8(ascii: "X")
        try expectError(bytes, "bad magic")
        bytes = good
        bytes[8] = 2
        try expectError(bytes, "unsupported context model version 2")
        try expectError(good.dropLast(4), "expected \(good.count)")
        bytes = good
        bytes.replaceSubrange(28..<32, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
        try expectError(bytes, "of context 0 is not in (0, 1)")
        XCTAssertThrowsError(try ContextModel.load(from: url.appendingPathExtension("missing")))
    }

    func testFitNeedsFramePairsWithinOneSegment() throws {
        let dataset = try SyntheticTokens.dataset(self, segments: 3, framesPerSegment: 2)
        XCTAssertThrowsError(try ContextModel.fit(dataset: dataset, stride: 2)) { error in
            XCTAssertTrue(String(describing: error).contains("no frame pairs 2 apart"))
        }
    }

    private func scratchFile(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentool-ctx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory.appendingPathComponent(name)
    }
}
