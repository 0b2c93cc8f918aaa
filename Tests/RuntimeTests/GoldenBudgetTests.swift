import Foundation
import HDF5
import Testing
import _TestSupport

@testable import Runtime

/// Goldens whose arrays are each within the element budget but whose inputs would make `verify`
/// build score maps (classes × height × width) far past it.
@Suite("Golden input budgets")
struct GoldenBudgetTests {
    @Test("a slide output size of 65536 × 65536 with 4 classes is refused when the golden is read")
    func slideOutputSize() {
        let path = FixturePath.fixture("adversarial/hdf5/golden_slide_output_size.h5")
        let error = #expect(throws: RuntimeError.self) { try GoldenFile(path: path) }
        #expect(
            error
                == .golden(
                    path: path,
                    reason: "inputs/slide_output_size of 65536×65536 with 4 classes needs more than 268435456 scores"))
    }

    @Test("every score map is measured: images, the slide image and the output size, overflow included")
    func checkWork() throws {
        let image = try Image(height: 32, width: 32, pixels: [Float](repeating: 0, count: 3 * 32 * 32))
        #expect(throws: Never.self) {
            try GoldenFile.checkWork(
                path: "g.h5", classes: 171, images: [image], slideImage: image, slideOutputSize: (1024, 1024))
        }
        #expect(throws: RuntimeError.self) {
            try GoldenFile.checkWork(
                path: "g.h5", classes: 171, images: [image], slideImage: nil, slideOutputSize: (2048, 2048))
        }
        #expect(throws: RuntimeError.self) {
            try GoldenFile.checkWork(
                path: "g.h5", classes: Int.max, images: [image], slideImage: nil, slideOutputSize: nil)
        }
    }
}
