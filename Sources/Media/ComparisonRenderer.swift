import Foundation
import Core

/// Pictures that compare generated frames with the ground truth, as the challenge's
/// visualizer does: an animation (for GIF/MP4) and a comic strip (for PNG).
///
/// Inputs are equally sized frames (256x256 from the codec): `prompt` frames, the
/// `generated` frames that follow them, and `groundTruth`, which holds either the whole
/// window (`prompt.count + generated.count` frames, its first frames shown at the prompt
/// instants) or only the future (`generated.count` frames; the prompt frames then stand in
/// for the ground truth at the prompt instants).
public struct ComparisonRenderer: Sendable {
    /// Height of the caption and title bands (the reference uses 36 px).
    public var bandHeight = 36
    /// Height of the label band above each comic row.
    public var rowLabelHeight = 30
    /// Space between frames in the comic, between its rows, and around it.
    public var gap = 4
    /// Extra space in the comic between the prompt frames and the frames after them.
    public var segmentGap = 12
    /// Width of the line between the two halves of an animation frame.
    public var divider = 4
    public var dividerColor = RGBColor(96, 96, 96)

    public init() {}

    /// One frame per instant: left half prompt then generated frames, right half the ground
    /// truth at the same instant, each under a caption ("Prompt"/"Generated", "Ground truth").
    /// Frames are (2 * width + divider) x (height + bandHeight); even for even inputs.
    public func animationFrames(prompt: [RGBImage], generated: [RGBImage], groundTruth: [RGBImage]) throws -> [RGBImage] {
        let truth = try alignedGroundTruth(prompt: prompt, generated: generated, groundTruth: groundTruth)
        let left = prompt.map { $0.captioned("Prompt", bandHeight: bandHeight) }
            + generated.map { $0.captioned("Generated", bandHeight: bandHeight) }
        return zip(left, truth).map { left, truth in
            let right = truth.captioned("Ground truth", bandHeight: bandHeight)
            return RGBImage.hstack([left, right], spacing: divider, background: dividerColor)
        }
    }

    /// A title band over two rows: prompt + generated frames above, prompt + ground truth
    /// below, each row under a band labelling its "Prompt" and "Generated"/"Ground truth" parts.
    public func comicStrip(prompt: [RGBImage], generated: [RGBImage], groundTruth: [RGBImage],
                           title: String = "Generated (top) vs. ground truth (bottom)") throws -> RGBImage {
        let truth = try alignedGroundTruth(prompt: prompt, generated: generated, groundTruth: groundTruth)
        let top = row(prompt: prompt, future: generated, futureLabel: "Generated")
        let bottom = row(prompt: Array(truth.prefix(prompt.count)), future: Array(truth.dropFirst(prompt.count)), futureLabel: "Ground truth")
        let titleBand = RGBImage.captionBand(title, width: top.width, height: bandHeight)
        return RGBImage.vstack([titleBand, top, bottom], spacing: gap).padded(top: gap, left: gap, bottom: gap, right: gap)
    }

    /// Writes the comparison by extension: .png gets the comic strip, .gif and .mp4 the
    /// animation at `fps` (the reference visualizer uses 2 fps).
    public func write(prompt: [RGBImage], generated: [RGBImage], groundTruth: [RGBImage], to url: URL,
                      fps: Double = 2, title: String = "Generated (top) vs. ground truth (bottom)") throws {
        switch try VideoFileFormat(url: url) {
        case .png:
            try PNGCodec.write(comicStrip(prompt: prompt, generated: generated, groundTruth: groundTruth, title: title), to: url)
        case .gif, .mp4:
            try writeVideo(frames: animationFrames(prompt: prompt, generated: generated, groundTruth: groundTruth), to: url, fps: fps)
        }
    }

    /// Size of `comicStrip` for `count` prompt and `future` later frames of `frameWidth` x `frameHeight`.
    public func comicSize(promptCount: Int, futureCount: Int, frameWidth: Int, frameHeight: Int) -> (width: Int, height: Int) {
        let frames = promptCount + futureCount
        let rowWidth = frames * frameWidth + (frames - 1) * gap + segmentGap
        let rowHeight = rowLabelHeight + frameHeight
        return (rowWidth + 2 * gap, bandHeight + 2 * rowHeight + 2 * gap + 2 * gap)
    }

    private func row(prompt: [RGBImage], future: [RGBImage], futureLabel: String) -> RGBImage {
        let promptFrames = RGBImage.hstack(prompt, spacing: gap)
        let futureFrames = RGBImage.hstack(future, spacing: gap)
        let labels = RGBImage.hstack([
            RGBImage.captionBand("Prompt", width: promptFrames.width, height: rowLabelHeight),
            RGBImage.captionBand(futureLabel, width: futureFrames.width, height: rowLabelHeight),
        ], spacing: gap + segmentGap)
        let frames = RGBImage.hstack([promptFrames, futureFrames], spacing: gap + segmentGap)
        return RGBImage.vstack([labels, frames])
    }

    /// The ground truth for every instant, prompt instants included.
    private func alignedGroundTruth(prompt: [RGBImage], generated: [RGBImage], groundTruth: [RGBImage]) throws -> [RGBImage] {
        guard !prompt.isEmpty, !generated.isEmpty else {
            throw MediaError.invalidComparison(reason: "needs at least one prompt and one generated frame (got \(prompt.count) and \(generated.count))")
        }
        let all = prompt + generated + groundTruth
        let size = (all[0].width, all[0].height)
        if let odd = all.first(where: { ($0.width, $0.height) != size }) {
            throw MediaError.invalidComparison(reason: "frames differ in size (\(size.0)x\(size.1) and \(odd.width)x\(odd.height))")
        }
        switch groundTruth.count {
        case prompt.count + generated.count: return groundTruth
        case generated.count: return prompt + groundTruth
        default:
            throw MediaError.invalidComparison(reason: "ground truth has \(groundTruth.count) frames; expected \(prompt.count + generated.count) (whole window) or \(generated.count) (future only)")
        }
    }
}
