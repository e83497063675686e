import FFmpegShim
import Foundation
import XCTest
@testable import TokenData
@testable import Media
import Core

/// Intake through the binary: image sequences, exact hz, --append checks, Hugging Face ids,
/// the reference scripts' conventions, --version.
final class IntakeCommandTests: XCTestCase {
    let checkpoint = CLI.fixture("MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt")

    private func scratch() throws -> URL {
        let dir = try CLI.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func picture(_ k: Int, width: Int = 96, height: Int = 72) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                image.pixels[i] = UInt8((x * 2 + 40 * k) & 255)
                image.pixels[i + 1] = UInt8((y * 3 + 90 * k) & 255)
                image.pixels[i + 2] = UInt8((x + y + 60 * k) & 255)
            }
        }
        return image
    }

    private func tokens(_ dataset: String) throws -> (frames: Data, segments: [Int32]) {
        let frames = try Data(contentsOf: URL(fileURLWithPath: dataset + "/video.bin"))
        let segments = try Data(contentsOf: URL(fileURLWithPath: dataset + "/segment_ids.bin"))
            .withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        return (frames, segments)
    }

    private func metadata(_ dataset: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dataset + "/metadata.json"))) as? [String: Any] ?? [:]
    }

    func testJPEGSequenceFolderAndPatternFormOneSegmentInNumberOrder() throws {
        let dir = try scratch()
        let folder = dir.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Written out of order, and 10 sorts after 9 only when numbers are compared as numbers.
        for (k, n) in [(2, 10), (0, 8), (1, 9)] {
            try JPEGFile.write(picture(k), to: folder.appendingPathComponent("img_\(n).jpg"))
        }
        let files = [8, 9, 10].map { folder.appendingPathComponent("img_\($0).jpg").path }

        let fromArgs = dir.appendingPathComponent("args").path
        var r = try CLI.run(["tokenize"] + files + ["-o", fromArgs, "--ckpt", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try tokens(fromArgs).segments, [0, 0, 0])

        let fromFolder = dir.appendingPathComponent("folder").path
        r = try CLI.run(["tokenize", folder.path, "-o", fromFolder, "--ckpt", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try tokens(fromFolder).segments, [0, 0, 0])
        XCTAssertEqual(try tokens(fromFolder).frames, try tokens(fromArgs).frames)

        let fromPattern = dir.appendingPathComponent("pattern").path
        r = try CLI.run(["tokenize", folder.appendingPathComponent("img_%d.jpg").path, "-o", fromPattern, "--ckpt", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try tokens(fromPattern).frames, try tokens(fromArgs).frames)

        // The frames differ, so equal bytes above mean equal order.
        let frameBytes = 256 * 4
        let all = try tokens(fromArgs).frames
        XCTAssertNotEqual(all.prefix(frameBytes), all.subdata(in: frameBytes..<(2 * frameBytes)))

        let perFile = dir.appendingPathComponent("per-file").path
        r = try CLI.run(["tokenize", folder.path, "--segment-per-file", "-o", perFile, "--ckpt", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try tokens(perFile).segments, [0, 1, 2])
    }

    func testFractionalFPSKeepsHzExactAndTheDecodedMP4PlaysAtIt() throws {
        let dir = try scratch()
        let clip = dir.appendingPathComponent("clip.mp4")
        try writeVideo(frames: (0..<20).map { picture($0) }, to: clip, fps: 10)  // 2 s
        let data = dir.appendingPathComponent("d").path
        let r = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "2.5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try metadata(data)["hz"] as? Double, 2.5)
        XCTAssertEqual(try tokens(data).segments.count, 5)

        let mp4 = dir.appendingPathComponent("out.mp4")
        let d = try CLI.run(["decode", data, "-o", mp4.path, "--ckpt", checkpoint])
        XCTAssertEqual(d.status, 0, d.stderr)
        let reader = try VideoReader(url: mp4)
        XCTAssertEqual(reader.sourceFrameRate ?? 0, 2.5, accuracy: 1e-9)
        XCTAssertEqual(try reader.readAll().count, 5)

        // --fps source: every frame, at the video's own rate.
        let source = dir.appendingPathComponent("source").path
        let s = try CLI.run(["tokenize", clip.path, "-o", source, "--ckpt", checkpoint, "--fps", "source"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(try metadata(source)["hz"] as? Int, 10)
        XCTAssertEqual(try tokens(source).segments.count, 20)
    }

    func testIntakeFlagsReachTheReader() throws {
        let dir = try scratch()
        // 4.004 s at 29.97 fps: ffmpeg's fps=2 takes 8 frames, round=up 9.
        let ntsc = dir.appendingPathComponent("ntsc.mp4")
        try writeVideo(frames: (0..<120).map { picture($0 % 7, width: 64, height: 48) }, to: ntsc, fps: 30000.0 / 1001.0)
        for (flags, count) in [([String](), 8), (["--fps-round", "up"], 9)] {
            let data = dir.appendingPathComponent("d\(count)").path
            let r = try CLI.run(["tokenize", ntsc.path, "-o", data, "--ckpt", checkpoint, "--fps", "2"] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try tokens(data).segments.count, count, "\(flags)")
        }

        // A clip stored sideways with rotation metadata: --no-autorotate tokenizes the stored picture.
        let rotated = dir.appendingPathComponent("rotated.mp4")
        let stored = picture(1, width: 48, height: 64)
        let writer = try MP4Writer(url: rotated, width: 48, height: 64, fps: 10, displayRotation: 90, sampleAspectRatio: nil)
        for _ in 0..<2 { try writer.append(stored) }
        try writer.finish()
        let upright = dir.appendingPathComponent("upright").path, asStored = dir.appendingPathComponent("stored").path
        XCTAssertEqual(try CLI.run(["tokenize", rotated.path, "-o", upright, "--ckpt", checkpoint, "--fps", "source"]).status, 0)
        XCTAssertEqual(try CLI.run(["tokenize", rotated.path, "-o", asStored, "--ckpt", checkpoint, "--fps", "source",
                                    "--no-autorotate"]).status, 0)
        XCTAssertNotEqual(try tokens(upright).frames, try tokens(asStored).frames)
    }

    func testAppendRefusesAnotherRateCheckpointOrTokenizerNamingBoth() throws {
        let dir = try scratch()
        let clip = dir.appendingPathComponent("clip.mp4")
        try writeVideo(frames: (0..<10).map { picture($0) }, to: clip, fps: 10)
        let data = dir.appendingPathComponent("d").path
        XCTAssertEqual(try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "5"]).status, 0)
        XCTAssertEqual(try metadata(data)["tokenizer_kind"] as? String, "magvit2")
        let before = try tokens(data)

        var r = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "10", "--append"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("metadata.json") && r.stderr.contains("hz is 5") && r.stderr.contains("10"), r.stderr)

        // The same weights under another name are accepted (the fingerprint decides) ...
        let copy = dir.appendingPathComponent("renamed.ckpt")
        try FileManager.default.copyItem(atPath: checkpoint, toPath: copy.path)
        r = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", copy.path, "--fps", "5", "--append"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try tokens(data).segments, before.segments + [Int32](repeating: 1, count: 5))
        let appended = try tokens(data)

        // ... other weights are not.
        var bytes = try Data(contentsOf: copy)
        bytes[bytes.count - 40] ^= 0x55  // inside the zip's central directory, after every tensor
        let other = dir.appendingPathComponent("other.ckpt")
        try bytes.write(to: other)
        XCTAssertEqual(try CLI.run(["inspect", other.path]).status, 0, "the altered checkpoint must still load")
        r = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", other.path, "--fps", "5", "--append"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(checkpoint) || r.stderr.contains("renamed.ckpt"), r.stderr)
        XCTAssertTrue(r.stderr.contains("other.ckpt"), r.stderr)

        // A dataset of another tokenizer's tokens.
        var values = try metadata(data)
        values["tokenizer_kind"] = "cosmos-dv8x8x8"
        try JSONSerialization.data(withJSONObject: values).write(to: URL(fileURLWithPath: data + "/metadata.json"))
        r = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "5", "--append"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("cosmos-dv8x8x8") && r.stderr.contains("magvit2"), r.stderr)
        XCTAssertEqual(try tokens(data).frames, appended.frames)
    }

    func testHuggingFaceIdResolvesFromTheLocalCacheOrPrintsTheDownloadCommand() throws {
        let dir = try scratch()
        let snapshot = dir.appendingPathComponent("hub/models--acme--tiny-codec/snapshots/0a1b2c")
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent("magvit2.ckpt").path, withDestinationPath: checkpoint)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("hub/models--acme--tiny-codec/refs"), withIntermediateDirectories: true)
        try Data("0a1b2c".utf8).write(to: dir.appendingPathComponent("hub/models--acme--tiny-codec/refs/main"))
        let image = dir.appendingPathComponent("a.png")
        try PNGCodec.write(picture(0, width: 256, height: 256), to: image)

        let data = dir.appendingPathComponent("d").path
        let env = ["HF_HOME": dir.path]
        var r = try CLI.run(["tokenize", image.path, "-o", data, "--ckpt", "acme/tiny-codec"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try metadata(data)["tokenizer_ckpt"] as? String, snapshot.appendingPathComponent("magvit2.ckpt").path)

        r = try CLI.run(["tokenize", image.path, "-o", data + "2", "--ckpt", "acme/other-codec"], environment: env)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("acme/other-codec") && r.stderr.contains("huggingface-cli download acme/other-codec"), r.stderr)

        let windows = try tokenDataset(dir, frames: 20)
        r = try CLI.run(["generate", "--data", windows, "--model", "1x-technologies/GENIE_35M", "--stride", "1",
                         "-o", dir.appendingPathComponent("s").path], environment: env)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("huggingface-cli download 1x-technologies/GENIE_35M"), r.stderr)
    }

    /// A one-segment dataset of distinct random-looking frames, written directly.
    private func tokenDataset(_ dir: URL, frames: Int) throws -> String {
        let path = dir.appendingPathComponent("tokens").path
        let content: [[UInt32]] = (0..<frames).map { (i: Int) -> [UInt32] in
            (0..<256).map { (p: Int) -> UInt32 in UInt32((i * 7919 + p * 131) % 262_144) }
        }
        try TokenDatasetWriter.write(frames: content, segmentIDs: [Int32](repeating: 0, count: frames),
                                     to: URL(fileURLWithPath: path), hz: 30, tokenizerCheckpoint: "none")
        return path
    }

    func testExampleIndCountsWindowsAsTheReferenceAndUnderscoreFlagsWork() throws {
        let dir = try scratch()
        let data = try tokenDataset(dir, frames: 60)
        let sample = dir.appendingPathComponent("s").path
        var r = try CLI.run(["generate", "--val_data_dir", data, "--model", "copy:0.5", "--example_ind", "20",
                             "--num_prompt_frames", "2", "--frames", "1", "--stride", "3", "-o", sample])
        XCTAssertEqual(r.status, 0, r.stderr)
        let dataset = try TokenDataset(path: data)
        let generated = try GeneratedSample.read(from: URL(fileURLWithPath: sample))
        XCTAssertEqual(generated.prompt, [dataset.frame(20), dataset.frame(23)])
        XCTAssertEqual(generated.groundTruth, [dataset.frame(26)])

        // Non-overlapping numbering drops starts 3...8 (each overlaps a kept window on the
        // stride grid), so window 3 starts at 9 instead of 3.
        r = try CLI.run(["generate", "--data", data, "--model", "copy:0.5", "--example", "3", "--filter-overlaps",
                         "--prompt-frames", "2", "--frames", "1", "--stride", "3", "-o", sample])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try GeneratedSample.read(from: URL(fileURLWithPath: sample)).prompt.first, dataset.frame(9))

        r = try CLI.run(["generate", "--data", data, "--model", "copy:0.5", "--reference-window", "--stride", "1", "-o", sample])
        XCTAssertEqual(r.status, 0, r.stderr)
        let reference = try GeneratedSample.read(from: URL(fileURLWithPath: sample))
        XCTAssertEqual([reference.prompt.count, reference.predicted.count, reference.groundTruth.count], [8, 8, 8])
    }

    func testEvaluateJSONCarriesTheReferenceKeysBesideOurs() throws {
        let dir = try scratch()
        let data = try tokenDataset(dir, frames: 40)
        let json = dir.appendingPathComponent("scores.json").path
        let r = try CLI.run(["evaluate", "--data", data, "--model", "copy:0.5", "--window", "4", "--stride", "2",
                             "--max_examples", "3", "--json", json])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any] ?? [:]
        let ce = try XCTUnwrap(object["ce"] as? Double)
        XCTAssertEqual(object["loss"] as? Double, ce)
        XCTAssertEqual(object["acc"] as? Double, object["accuracy"] as? Double)
        XCTAssertEqual(object["gen_time"] as? Double, object["seconds_per_frame"] as? Double)
        XCTAssertEqual(try XCTUnwrap(object["perplexity"] as? Double), Foundation.exp(ce), accuracy: 1e-9 * Foundation.exp(ce))
        XCTAssertTrue(object["pred_lpips"] is NSNull)
    }

    func testCompareWritesTheReferenceVisualizerNames() throws {
        let dir = try scratch()
        let data = try tokenDataset(dir, frames: 30)
        let out = dir.appendingPathComponent("vis")
        let r = try CLI.run(["compare", "--pair", data, "--example", "3", "--prompt-frames", "2", "--window", "3", "--stride", "1",
                             "--reference-names", "-o", out.path, "--ckpt", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(),
                       ["generated_comic_offset3.png", "generated_offset3.gif"])
    }

    func testVersionAndTheDemoCodecNote() throws {
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)

        let dir = try scratch()
        let image = dir.appendingPathComponent("a.png")
        try PNGCodec.write(picture(0, width: 256, height: 256), to: image)
        let shipped = try CLI.run(["tokenize", image.path, "-o", dir.appendingPathComponent("d").path])
        XCTAssertEqual(shipped.status, 0, shipped.stderr)
        XCTAssertTrue(shipped.stderr.contains("demo codec"), shipped.stderr)
        let real = try CLI.run(["tokenize", image.path, "-o", dir.appendingPathComponent("e").path, "--ckpt", checkpoint])
        XCTAssertFalse(real.stderr.contains("demo codec"), real.stderr)
    }

    func testBashZshAndFishCompletionsCompleteFilePaths() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLI.run(["--generate-completion-script", shell])
            XCTAssertEqual(r.status, 0, shell)
            let marker = ["bash": "_add_completions -f", "zsh": ":ckpt:_files", "fish": "-l 'ckpt'"][shell]!
            XCTAssertTrue(r.stdout.contains(marker), "\(shell) completion has no file completion")
            if shell == "fish" {
                let ckpt = r.stdout.split(separator: "\n").filter { $0.contains("-l 'ckpt'") }
                XCTAssertFalse(ckpt.isEmpty)
                XCTAssertTrue(ckpt.allSatisfy { $0.hasSuffix("-rF") }, "fish: --ckpt does not complete files")
            }
        }
    }
}

/// JPEG files through FFmpeg's own encoder (mjpeg, 4:4:4, high quality), for image inputs.
enum JPEGFile {
    static func write(_ image: RGBImage, to url: URL) throws {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw CLIError(description: "no mjpeg encoder") }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let encoder = context else { throw CLIError(description: "no codec context") }
        encoder.pointee.width = Int32(image.width)
        encoder.pointee.height = Int32(image.height)
        encoder.pointee.pix_fmt = AV_PIX_FMT_YUVJ444P
        encoder.pointee.time_base = AVRational(num: 1, den: 25)
        encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
        encoder.pointee.global_quality = 2 * FF_QP2LAMBDA
        guard avcodec_open2(encoder, codec, nil) >= 0, let rgb = makeRGBFrame(image) else { throw CLIError(description: "cannot open mjpeg") }
        let yuv = Frame()
        yuv.pointer.pointee.width = Int32(image.width)
        yuv.pointer.pointee.height = Int32(image.height)
        yuv.pointer.pointee.format = AV_PIX_FMT_YUVJ444P.rawValue
        yuv.pointer.pointee.quality = encoder.pointee.global_quality
        let scaler = sws_getContext(Int32(image.width), Int32(image.height), AV_PIX_FMT_RGB24, Int32(image.width), Int32(image.height),
                                    AV_PIX_FMT_YUVJ444P, SWS_BICUBIC | SWS_ACCURATE_RND, nil, nil, nil)
        defer { sws_freeContext(scaler) }
        guard av_frame_get_buffer(yuv.pointer, 0) >= 0, sws_scale_frame(scaler, yuv.pointer, rgb.pointer) >= 0 else {
            throw CLIError(description: "cannot convert to yuvj444p")
        }
        let packet = Packet()
        guard avcodec_send_frame(encoder, yuv.pointer) >= 0, avcodec_send_frame(encoder, nil) >= 0,
              avcodec_receive_packet(encoder, packet.pointer) >= 0, let bytes = packet.pointer.pointee.data else {
            throw CLIError(description: "mjpeg encoding failed")
        }
        try Data(bytes: bytes, count: Int(packet.pointer.pointee.size)).write(to: url)
    }
}
