import Foundation
import TensorCore

/// Writes a safetensors file (huggingface/safetensors format): an 8-byte little-endian header
/// length, a JSON header `{"__metadata__": {...}, "<key>": {"dtype", "shape", "data_offsets"}}`
/// padded with spaces to a multiple of 8, then the tensors' bytes back to back in header order.
enum SafetensorsWriter {
    static func dtypeName(_ dtype: DType) -> String {
        switch dtype {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .f64: return "F64"
        case .i64: return "I64"
        case .i32: return "I32"
        case .i16: return "I16"
        case .i8: return "I8"
        case .u8: return "U8"
        case .bool: return "BOOL"
        }
    }

    static func write(_ plan: StateDictPlan, to file: OutputFile) throws(ExportError) {
        var entries: [String] = [#""__metadata__":{"format":"pt"}"#]
        var offset = 0
        for item in plan.items {
            let count = item.shape.reduce(1, *) * item.dtype.itemSize
            let shape = item.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(jsonString(item.key)):{\"dtype\":\"\(dtypeName(item.dtype))\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + count)]}"
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
