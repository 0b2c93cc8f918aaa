import Testing

@testable import Conventions

@Suite("The MMSegmentation (ZegCLIP/LDVC) name table")
struct MMSegNamesTests {
    @Test("every rule maps both ways, for every block index, including the 1-based tap projections")
    func bothWays() {
        let map = NameMap(.mmseg)
        for rule in NameTable.mmseg.rules {
            for index in rule.canonical.contains("{i}") ? [0, 1, 11] : [0] {
                let canonical = NameMap.expand(rule.canonical, index), source = NameMap.expand(rule.source, index)
                guard case .mapped(let targets) = map.resolve(source) else {
                    Issue.record("\(source) does not resolve")
                    continue
                }
                #expect(targets.contains { $0.canonical == canonical && $0.transform == rule.transform }, "\(source)")
                #expect(map.source(ofCanonical: canonical)?.key == source, "\(canonical)")
            }
        }
    }

    @Test("canonical names are unique and sources are shared only by q/k/v splits")
    func bijection() {
        let rules = NameTable.mmseg.rules
        #expect(Set(rules.map(\.canonical)).count == rules.count)
        for (source, group) in Dictionary(grouping: rules, by: \.source) where group.count > 1 {
            #expect(
                group.count == 3 && group.allSatisfy { if case .splitRows = $0.transform { true } else { false } },
                "\(source)")
        }
    }

    @Test("spot checks against ZegCLIP's and the reconstruction's key names")
    func spotChecks() {
        let map = NameMap(.mmseg)
        #expect(map.source(ofCanonical: "head.tap_proj.1.weight")?.key == "decode_head.input_proj_2.weight")
        #expect(map.source(ofCanonical: "vision.proj.weight")! == ("backbone.proj", .transpose))
        #expect(
            map.source(ofCanonical: "head.layers.2.cross_attn.out_proj.bias")?.key
                == "decode_head.decoder_1.layers.2.multihead_attn.proj.bias")
        #expect(map.source(ofCanonical: "head.blocks.1.mlp.fc2.weight")?.key == "decode_head.decoder.1.mlp.3.weight")
        #expect(
            map.resolve("decode_head.loss_decode.criterion.empty_weight")
                == .dropped(reason: "ZegCLIP's loss class weights (training only)"))
        #expect(map.source(ofCanonical: "logit_scale") == nil)
    }
}
