/// ZegCLIP's test-time tiling (`zegclip.py::slide_inference`): windows of `crop` with `stride`,
/// `max(L − crop + stride − 1, 0) / stride + 1` per axis, the last one shifted back to end at the
/// border; window scores are summed into a canvas and divided by the per-pixel overlap count.
public struct SlidingWindow: Sendable, Equatable {
    public struct Window: Sendable, Equatable {
        public var top: Int
        public var left: Int
        public var height: Int
        public var width: Int
    }

    public let windows: [Window]

    public init(height: Int, width: Int, crop: Int, stride: Int) {
        func starts(_ length: Int) -> [(Int, Int)] {
            let count = max(length - crop + stride - 1, 0) / stride + 1
            return (0..<count).map { index in
                let end = min(index * stride + crop, length)
                return (max(end - crop, 0), end)
            }
        }
        var windows: [Window] = []
        for (top, bottom) in starts(height) {
            for (left, right) in starts(width) {
                windows.append(Window(top: top, left: left, height: bottom - top, width: right - left))
            }
        }
        self.windows = windows
    }
}
