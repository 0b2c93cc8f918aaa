import Foundation
import TensorCore

/// Writes a safetensors file (huggingface/safetensors format): an 8-byte little-endian header
/// length, a JSON header `{"__metadata__": {...}, "<key>": {"dtype", "shape", "data_offsets"}}`
/// padded with spaces to a multiple of 8, then the tensors' bytes back to back in header order.
enum SafetensorsWriter {
    static func write(_ plan: StateDictPlan, to file: OutputFile) throws(ExportError) {
        var entries: [String] = [#""__metadata__":{"format":"pt"}"#]
        var offset = 0
        for item in plan.items {
            let count = item.shape.reduce(1, *) * item.dtype.itemSize
            let shape = item.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(jsonString(item.key)):{\"dtype\":\"\(item.dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + count)]}"
            )
            offset += count
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var prefix: [UInt8] = []
        prefix.appendLE(UInt64(header.count))
        try file.write(prefix + header)
        for item in plan.items { try file.write(try plan.tensor(item).contiguousBytes) }
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
