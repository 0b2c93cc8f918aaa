import Foundation
import ImageProcessing

/// Class or label names from the command line: a file with one name per line, or a comma-separated list.
public enum ClassList {
    /// Files larger than this are not class lists.
    public static let maximumFileBytes = 4 << 20

    /// Reads `argument` as a file if one exists at that path (one name per line, blank lines and
    /// surrounding spaces dropped), else splits it at commas. `option` names it in errors.
    public static func parse(_ argument: String, option: String) throws(InferenceError) -> [String] {
        var isFolder: ObjCBool = false
        let names: [String]
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), !isFolder.boolValue {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: argument),
                let size = attributes[.size] as? Int, size <= maximumFileBytes,
                let data = FileManager.default.contents(atPath: argument)
            else {
                throw .missing(path: argument, reason: "cannot read the \(option) file (or larger than 4 MiB)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw .refused(path: argument, reason: "the \(option) file is not UTF-8 text")
            }
            names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            names = argument.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        let kept = names.filter { !$0.isEmpty }
        guard !kept.isEmpty else { throw .usage(what: option, reason: "no names in '\(argument)'") }
        guard Set(kept).count == kept.count else {
            let repeated = kept.first { name in kept.filter { $0 == name }.count > 1 } ?? ""
            throw .usage(what: option, reason: "'\(repeated)' is listed twice")
        }
        return kept
    }

    /// Seen classes given as names of `classNames` or indices, comma-separated (or a file of them).
    public static func seen(_ argument: String, classNames: [String]) throws(InferenceError) -> [Int] {
        let items = try parse(argument, option: "--seen")
        var indices: [Int] = []
        for item in items {
            if let index = classNames.firstIndex(of: item) {
                indices.append(index)
            } else if let index = Int(item), classNames.indices.contains(index) {
                indices.append(index)
            } else {
                throw .usage(
                    what: "--seen", reason: "'\(item)' is neither a class name nor an index below \(classNames.count)")
            }
        }
        return Array(Set(indices)).sorted()
    }

    /// Token-id sequences, one per `--token-ids` value ("98 17 99", spaces or commas).
    public static func tokenIDs(_ values: [String]) throws(InferenceError) -> [[Int]]? {
        guard !values.isEmpty else { return nil }
        var sequences: [[Int]] = []
        for value in values {
            let parts = value.split(whereSeparator: { $0 == " " || $0 == "," })
            let ids = parts.compactMap { Int($0) }
            guard !ids.isEmpty, ids.count == parts.count else {
                throw .usage(what: "--token-ids", reason: "'\(value)' is not a list of integers")
            }
            sequences.append(ids)
        }
        return sequences
    }

    /// The colours of a class list: the dataset's own for the class lists of VOC and COCO-Stuff (as MMSeg
    /// and ZegCLIP draw them), else entries 1…C of the VOC colour map (entry 0 is black).
    public static func palette(for classNames: [String]) -> [RGBColor] {
        for dataset in [
            SegmentationDataset.zegCLIPVOC20, .pascalVOC, .zegCLIPCOCOStuff,
        ] where dataset.classNames == classNames {
            return dataset.palette
        }
        return Array(ClassPalette.generated(count: classNames.count + 1).dropFirst())
    }
}
