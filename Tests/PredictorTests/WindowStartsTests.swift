import XCTest
@testable import Predictor
import TokenData

final class WindowStartsTests: XCTestCase {
    func testInterruptFilterDropsWindowsThatCrossSegments() throws {
        // window 3, stride 2: span 4, candidate starts 0...7 (i + 4 <= 11).
        // ids:   i = 0 1 2 3 4 5 6 7 8 9 10 11
        let ids: [Int32] = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]
        // i=0: ids[0]=0 == ids[4]=0 keep; i=1...4: ids[i]=0 vs ids[i+4]=1 drop;
        // i=5: 1 == ids[9]=1 keep; i=6: 1 == ids[10]=1 keep; i=7: 1 vs ids[11]=2 drop.
        let spec = try WindowSpec(length: 3, stride: 2)
        XCTAssertEqual(WindowStarts.compute(segmentIDs: ids, spec: spec), [0, 5, 6])
        XCTAssertEqual(WindowStarts.compute(segmentIDs: ids, spec: spec, filterInterrupts: false), Array(0...7))
        XCTAssertEqual(spec.frameIndices(start: 5), [5, 7, 9])
    }

    func testOverlapFilterLooksBackOnTheStrideLattice() throws {
        // One segment of 12 frames, window 3, stride 2: starts 0...7 all valid.
        // 0 keep; 1 keep (1-2, 1-4 < 0); 2: 0 kept, drop; 3: 1 kept, drop;
        // 4: 2 not kept but 0 kept, drop; 5: 3 no, 1 kept, drop; 6: 4 no, 2 no, keep; 7: 5 no, 3 no, keep.
        let ids = [Int32](repeating: 0, count: 12)
        let spec = try WindowSpec(length: 3, stride: 2)
        XCTAssertEqual(WindowStarts.compute(segmentIDs: ids, spec: spec, filterOverlaps: true), [0, 1, 6, 7])
    }

    func testBothFiltersTogetherAcrossASegmentBoundary() throws {
        // ids 0 x7 then 1 x7; window 2, stride 3: span 3, candidates 0...10.
        // interrupts: 0...3 keep (i+3 <= 6), 4, 5, 6 drop (ids[7...9] = 1), 7...10 keep.
        // overlaps (k = 1 only, look back 3): 0, 1, 2 keep; 3: 0 kept, drop;
        // 7: 4 not kept, keep; 8: 5 no, keep; 9: 6 no, keep; 10: 7 kept, drop.
        let ids: [Int32] = Array(repeating: 0, count: 7) + Array(repeating: 1, count: 7)
        let spec = try WindowSpec(length: 2, stride: 3)
        XCTAssertEqual(WindowStarts.compute(segmentIDs: ids, spec: spec), [0, 1, 2, 3, 7, 8, 9, 10])
        XCTAssertEqual(WindowStarts.compute(segmentIDs: ids, spec: spec, filterOverlaps: true), [0, 1, 2, 7, 8, 9])
    }

    func testChallengeWindowNeedsTwoHundredTwentySixFrames() throws {
        // 16 frames 15 apart span 225 frames: 225 frames give no window, 226 one, 228 three.
        let spec = WindowSpec.challenge
        XCTAssertEqual(WindowStarts.compute(segmentIDs: [Int32](repeating: 3, count: 225), spec: spec), [])
        XCTAssertEqual(WindowStarts.compute(segmentIDs: [Int32](repeating: 3, count: 226), spec: spec), [0])
        XCTAssertEqual(WindowStarts.compute(segmentIDs: [Int32](repeating: 3, count: 228), spec: spec, filterOverlaps: true), [0, 1, 2])
        XCTAssertEqual(WindowStarts.compute(segmentIDs: [], spec: spec), [])
    }

    func testSpecRejectsNonPositiveLengthOrStride() {
        XCTAssertThrowsError(try WindowSpec(length: 0, stride: 15)) { error in
            XCTAssertEqual(String(describing: error), "window length 0 and stride 15 must both be at least 1")
        }
        XCTAssertThrowsError(try WindowSpec(length: 16, stride: 0))
    }
}
