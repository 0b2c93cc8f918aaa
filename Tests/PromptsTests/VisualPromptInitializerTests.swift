import HDF5
import Layout
import Testing

@testable import Prompts

@Suite("Visual prompts: ZegCLIP's _init_prompt from a seed")
struct VisualPromptInitializerTests {
    @Test("every tensor equals PyTorch's, bit for bit", arguments: ["seed_0", "seed_7"])
    func tiny(_ name: String) throws {
        let group = try PromptFixtures.group("rng.h5", "visual", name)
        let prompts = VisualPromptInitializer.initialize(
            tokens: Int(try group.intAttribute("tokens")), deepLayers: Int(try group.intAttribute("deep_layers")),
            width: Int(try group.intAttribute("width")), patchSize: Int(try group.intAttribute("patch_size")),
            seed: UInt64(try group.intAttribute("seed")))
        #expect(prompts.initialization.scale == (try group.doubleAttribute("bound")))
        let expected: [(String, [Float])] = [
            ("prompt_embeddings", prompts.embeddings.floats()),
            ("deep_prompt_embeddings", prompts.deepEmbeddings?.floats() ?? []),
            ("prompt_proj.weight", prompts.projectionWeight.floats()),
            ("prompt_proj.bias", prompts.projectionBias.floats()),
            ("prompt_norm.weight", prompts.normWeight.floats()), ("prompt_norm.bias", prompts.normBias.floats()),
        ]
        for (key, ours) in expected {
            #expect(PromptFixtures.bitDifferences(ours, try PromptFixtures.floats(group, key)) == 0, "\(key)")
        }
    }

    @Test("ViT-B/16 with 100 tokens and 11 deep layers hashes to PyTorch's tensors")
    func vitB16() throws {
        let group = try PromptFixtures.group("rng.h5", "visual", "vit_b16_seed_0")
        let prompts = VisualPromptInitializer.initialize(
            tokens: 100, deepLayers: 11, width: 768, patchSize: 16, seed: 0)
        #expect(prompts.initialization.scale == 0.0625)
        #expect(
            PromptFixtures.sha256(prompts.embeddings.floats())
                == (try group.stringAttribute("sha256:prompt_embeddings")))
        #expect(
            PromptFixtures.sha256(prompts.deepEmbeddings?.floats() ?? [])
                == (try group.stringAttribute("sha256:deep_prompt_embeddings")))
        #expect(
            PromptFixtures.sha256(prompts.projectionWeight.floats())
                == (try group.stringAttribute("sha256:prompt_proj.weight")))
        #expect(
            PromptFixtures.sha256(prompts.projectionBias.floats())
                == (try group.stringAttribute("sha256:prompt_proj.bias")))
    }
}
