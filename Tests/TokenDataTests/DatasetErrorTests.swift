import XCTest
@testable import TokenData

/// `DatasetError` is a file and a problem; its one line starts with the file.
final class DatasetErrorTests: XCTestCase {
    func testEachProblemReadsAsOneLineAfterTheFile() {
        let cases: [(DatasetError.Problem, String)] = [
            (.missingFile, "missing file"),
            (.noSuchFile, "no such file"),
            (.alreadyExists, "already exists; refusing to overwrite it"),
            (.missingKey("num_images"), "missing key \"num_images\""),
            (.invalidKey("s", "must be an integer, found 1.5"), "key \"s\" must be an integer, found 1.5"),
            (.wrongSize(bytes: 10, expected: "1024 (256 int32)"), "size is 10 bytes; expected 1024 (256 int32)"),
            (.aboveCap("num_images 9", cap: 8), "num_images 9 is above the cap of 8"),
            (.io(.cannotRead, reason: "Permission denied"), "cannot read (Permission denied)"),
            (.io(.cannotCreateLockFile), "cannot create the lock file"),
            (.writerFinished, "writer already committed or discarded"),
            (.malformed("segment ids decrease at frame 3"), "segment ids decrease at frame 3"),
        ]
        for (problem, text) in cases {
            let error = DatasetError(file: "/data/metadata.json", problem)
            XCTAssertEqual(error.description, "/data/metadata.json: " + text)
            XCTAssertEqual(error.path, "/data/metadata.json")
            XCTAssertEqual(error.problem, problem)
        }
    }

    func testReadingAMissingDatasetNamesTheFolder() {
        XCTAssertThrowsError(try TokenDataset(path: "/nonexistent/dataset")) { error in
            guard let error = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.file, "/nonexistent/dataset")
            XCTAssertEqual(error.problem, .wrongKind("not a dataset directory (missing or not a directory)"))
        }
    }
}
