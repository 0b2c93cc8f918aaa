import Checkpoint
import TensorCore

/// A value of a training configuration: the literal subset of Python (and JSON) that
/// MMSegmentation configs are written in.
indirect enum ConfigValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A Python list or tuple, or a JSON array.
    case list([ConfigValue])
    /// `dict(k=v, …)`, `{'k': v, …}` or a JSON object, keys in order.
    case dict(ConfigDictionary)
    /// An expression this reader does not evaluate (`len(out_indices)`, `a + b`), kept as its text.
    case opaque(String)

    var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .double(let value): return value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
        default: return nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A bool, or 0/1.
    var boolValue: Bool? {
        switch self {
        case .bool(let value): return value
        case .int(let value) where value == 0 || value == 1: return value == 1
        default: return nil
        }
    }

    var listValue: [ConfigValue]? {
        if case .list(let items) = self { return items }
        return nil
    }
}

/// An insertion-ordered string-keyed dictionary (configs are read in the order written).
struct ConfigDictionary: Sendable, Equatable {
    private(set) var keys: [String] = []
    private var values: [String: ConfigValue] = [:]

    init() {}

    subscript(key: String) -> ConfigValue? { values[key] }

    mutating func set(_ key: String, _ value: ConfigValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
}

/// A training configuration read from its text without running it: mmcv's `Config.pretty_text`
/// (Python assignments of `dict(...)`, lists, tuples, literals), plain Python config files
/// (earlier assignments referenced by name), or a JSON object.
///
/// Anything beyond literals (calls other than `dict`, arithmetic, comprehensions) becomes
/// `.opaque`, so an unusual config still yields every literal setting. Only text that cannot be
/// tokenised (an unterminated string, unbalanced brackets) is refused.
struct ConfigText: Sendable {
    /// Top-level names (Python assignments, or a JSON object's keys).
    let variables: ConfigDictionary

    /// Parses `text`. Brackets may nest `maxDepth` deep: the lexer refuses deeper text before the
    /// (recursive) parser runs, so neither the parse nor the release of the parsed value (an
    /// indirect enum, freed recursively) can come near the stack's limit.
    init(parsing text: String, maxDepth: Int = ReaderLimits.default.maxTextNestingDepth) throws(ConfigTextError) {
        var parser = ConfigParser(tokens: try ConfigLexer.tokens(of: text, maxDepth: maxDepth))
        variables = parser.document()
    }

    /// The value at a dotted path (`model.decode_head.num_heads`); a numeric component indexes a
    /// list (`model.test_cfg.crop_size.0`). `None`/`null` counts as absent.
    func value(at path: String) -> ConfigValue? {
        var components = path.split(separator: ".").map(String.init)
        guard !components.isEmpty, var current = variables[components.removeFirst()] else { return nil }
        for component in components {
            switch current {
            case .dict(let dictionary):
                guard let next = dictionary[component] else { return nil }
                current = next
            case .list(let items):
                guard let index = Int(component), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current == .none ? nil : current
    }
}

/// Text that is not a configuration at all, or nests deeper than the reader follows.
struct ConfigTextError: Error, Equatable, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Text that cannot be tokenised (an unterminated string, unbalanced brackets).
        case syntax
        /// Brackets nested deeper than `ConfigText`'s `maxDepth`.
        case nestedTooDeep
    }

    let kind: Kind
    let line: Int
    let reason: String

    init(_ kind: Kind = .syntax, line: Int, reason: String) {
        self.kind = kind
        self.line = line
        self.reason = reason
    }

    var description: String { "line \(line): \(reason.escapedForTerminal())" }
}

// MARK: - Lexer

enum ConfigToken: Equatable {
    case name(String)
    case number(String)
    case string(String)
    /// One punctuation or operator character (or `**`).
    case symbol(String)
    /// End of a logical line (only outside brackets).
    case newline
}

enum ConfigLexer {
    static func tokens(of text: String, maxDepth: Int) throws(ConfigTextError) -> [ConfigToken] {
        let characters = Array(text.unicodeScalars)
        var tokens: [ConfigToken] = []
        var depth = 0
        var line = 1
        var index = 0
        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while let character = peek() {
            switch character {
            case "\n":
                line += 1
                index += 1
                if depth == 0, tokens.last != .newline { tokens.append(.newline) }
            case " ", "\t", "\r":
                index += 1
            case "\\" where peek(1) == "\n":
                line += 1
                index += 2
            case "#":
                while let next = peek(), next != "\n" { index += 1 }
            case "'", "\"":
                tokens.append(.string(try string(characters, &index, &line)))
            case "(", "[", "{":
                depth += 1
                guard depth <= maxDepth else {
                    throw ConfigTextError(
                        .nestedTooDeep, line: line, reason: "brackets nest deeper than \(maxDepth) levels")
                }
                tokens.append(.symbol(String(character)))
                index += 1
            case ")", "]", "}":
                depth -= 1
                guard depth >= 0 else { throw ConfigTextError(line: line, reason: "unbalanced '\(character)'") }
                tokens.append(.symbol(String(character)))
                index += 1
            default:
                if character.properties.isAlphabetic || character == "_" {
                    var name = ""
                    while let next = peek(), next.properties.isAlphabetic || next == "_" || ("0"..."9").contains(next) {
                        name.unicodeScalars.append(next)
                        index += 1
                    }
                    // String prefixes: r'…', b'…', f'…' (their text is taken literally).
                    if ["r", "b", "f", "u", "rb", "br"].contains(name.lowercased()), let quote = peek(),
                        quote == "'" || quote == "\""
                    {
                        tokens.append(.string(try string(characters, &index, &line)))
                    } else {
                        tokens.append(.name(name))
                    }
                } else if ("0"..."9").contains(character)
                    || (character == "." && peek(1).map { ("0"..."9").contains($0) } == true)
                {
                    var number = ""
                    while let next = peek(),
                        ("0"..."9").contains(next) || next == "." || next == "_" || next == "e" || next == "E"
                            || next == "x" || next == "X" || (("a"..."f").contains(next) || ("A"..."F").contains(next))
                            || ((next == "+" || next == "-") && (number.hasSuffix("e") || number.hasSuffix("E"))
                                && !number.hasPrefix("0x"))
                    {
                        number.unicodeScalars.append(next)
                        index += 1
                    }
                    tokens.append(.number(number))
                } else if character == "*", peek(1) == "*" {
                    tokens.append(.symbol("**"))
                    index += 2
                } else {
                    tokens.append(.symbol(String(character)))
                    index += 1
                }
            }
        }
        guard depth == 0 else { throw ConfigTextError(line: line, reason: "\(depth) bracket(s) left open at the end") }
        tokens.append(.newline)
        return tokens
    }

    /// A quoted string (single, double or triple quotes) with Python's common escapes.
    private static func string(_ characters: [Unicode.Scalar], _ index: inout Int, _ line: inout Int)
        throws(ConfigTextError) -> String
    {
        let quote = characters[index]
        let triple = index + 2 < characters.count && characters[index + 1] == quote && characters[index + 2] == quote
        index += triple ? 3 : 1
        let startLine = line
        var result = ""
        while index < characters.count {
            let character = characters[index]
            if character == quote {
                if !triple {
                    index += 1
                    return result
                }
                if index + 2 < characters.count, characters[index + 1] == quote, characters[index + 2] == quote {
                    index += 3
                    return result
                }
            }
            if character == "\n" {
                guard triple else { break }
                line += 1
            }
            if character == "\\", index + 1 < characters.count {
                let next = characters[index + 1]
                let escapes: [Unicode.Scalar: String] = [
                    "n": "\n", "t": "\t", "\\": "\\", "'": "'", "\"": "\"", "r": "\r", "0": "\0",
                ]
                if let replacement = escapes[next] {
                    result += replacement
                } else if next == "\n" {
                    line += 1
                } else {
                    result.unicodeScalars.append(character)
                    result.unicodeScalars.append(next)
                }
                index += 2
                continue
            }
            result.unicodeScalars.append(character)
            index += 1
        }
        throw ConfigTextError(line: startLine, reason: "unterminated string")
    }
}

// MARK: - Parser

struct ConfigParser {
    let tokens: [ConfigToken]
    var position = 0
    var variables = ConfigDictionary()

    init(tokens: [ConfigToken]) { self.tokens = tokens }

    var current: ConfigToken { position < tokens.count ? tokens[position] : .newline }

    mutating func advance() { position = min(position + 1, tokens.count) }

    mutating func document() -> ConfigDictionary {
        skipNewlines()
        // A JSON document (or a bare dict literal): its keys are the top-level names.
        if current == .symbol("{") {
            if case .dict(let dictionary) = expression() { return dictionary }
            return ConfigDictionary()
        }
        while position < tokens.count {
            skipNewlines()
            guard position < tokens.count else { break }
            if case .name(let name) = current, position + 1 < tokens.count, tokens[position + 1] == .symbol("=") {
                position += 2
                let value = expression()
                if current == .newline { variables.set(name, value) }
            }
            // Anything else (imports, attribute assignments, leftovers) is skipped to the line's end.
            while current != .newline { advance() }
        }
        return variables
    }

    mutating func skipNewlines() {
        while position < tokens.count, current == .newline { advance() }
    }

    /// One expression up to a `,`, closing bracket, `:` or line end; anything but a literal
    /// becomes `.opaque` with its source text.
    mutating func expression() -> ConfigValue {
        let start = position
        let value = primary()
        if isExpressionEnd(current) { return value }
        // An operator or postfix follows: give up on evaluating, keep the text.
        skipExpression()
        return .opaque(text(start..<position))
    }

    func isExpressionEnd(_ token: ConfigToken) -> Bool {
        switch token {
        case .newline, .symbol(","), .symbol(")"), .symbol("]"), .symbol("}"), .symbol(":"): return true
        default: return false
        }
    }

    /// Skips to the end of the current expression, over balanced brackets.
    mutating func skipExpression() {
        var depth = 0
        while position < tokens.count {
            switch current {
            case .symbol("("), .symbol("["), .symbol("{"): depth += 1
            case .symbol(")"), .symbol("]"), .symbol("}"):
                if depth == 0 { return }
                depth -= 1
            case .symbol(","), .symbol(":"), .newline:
                if depth == 0 { return }
            default: break
            }
            advance()
        }
    }

    mutating func primary() -> ConfigValue {
        let token = current
        switch token {
        case .number(let text):
            advance()
            return number(text)
        case .symbol("-"), .symbol("+"):
            advance()
            if case .number(let text) = current {
                advance()
                let value = number(text)
                guard token == .symbol("-") else { return value }
                switch value {
                case .int(let integer): return .int(-integer)
                case .double(let double): return .double(-double)
                default: return value
                }
            }
            return .opaque(text(max(0, position - 1)..<position))
        case .string(var text):
            advance()
            // Adjacent literals concatenate.
            while case .string(let more) = current {
                text += more
                advance()
            }
            return .string(text)
        case .symbol("["):
            advance()
            return .list(items(until: "]"))
        case .symbol("("):
            advance()
            let (values, sawComma) = itemsTrackingComma(until: ")")
            return values.count == 1 && !sawComma ? values[0] : .list(values)
        case .symbol("{"):
            advance()
            return dictLiteral()
        case .name(let name):
            advance()
            switch name {
            case "True", "true": return .bool(true)
            case "False", "false": return .bool(false)
            case "None", "null": return .none
            default: break
            }
            if current == .symbol("(") {
                if name == "dict" {
                    advance()
                    return keywordDict()
                }
                let start = position - 1
                advance()
                skipBalanced(closing: ")")
                return .opaque(text(start..<position))
            }
            return variables[name] ?? .opaque(name)
        default:
            let start = position
            skipExpression()
            if position == start { advance() }
            return .opaque(text(start..<position))
        }
    }

    mutating func number(_ text: String) -> ConfigValue {
        let clean = text.replacingOccurrences(of: "_", with: "")
        if clean.hasPrefix("0x") || clean.hasPrefix("0X"), let value = Int(clean.dropFirst(2), radix: 16) {
            return .int(value)
        }
        if let value = Int(clean) { return .int(value) }
        if let value = Double(clean) { return .double(value) }
        return .opaque(text)
    }

    mutating func items(until closing: String) -> [ConfigValue] { itemsTrackingComma(until: closing).0 }

    mutating func itemsTrackingComma(until closing: String) -> ([ConfigValue], Bool) {
        var values: [ConfigValue] = []
        var sawComma = false
        while position < tokens.count, current != .symbol(closing) {
            values.append(expression())
            if current == .symbol(",") {
                sawComma = true
                advance()
            } else if current != .symbol(closing) {
                // A stray `:` or similar: skip it so the loop always advances.
                advance()
            }
        }
        advance()
        return (values, sawComma)
    }

    /// `dict(key=value, …)`; `**other` makes the whole call opaque.
    mutating func keywordDict() -> ConfigValue {
        let start = position - 2
        var dictionary = ConfigDictionary()
        while position < tokens.count, current != .symbol(")") {
            if case .name(let key) = current, position + 1 < tokens.count, tokens[position + 1] == .symbol("=") {
                position += 2
                dictionary.set(key, expression())
            } else {
                skipBalanced(closing: ")")
                return .opaque(text(start..<position))
            }
            if current == .symbol(",") { advance() }
        }
        advance()
        return .dict(dictionary)
    }

    /// `{key: value, …}` with string, number or name keys.
    mutating func dictLiteral() -> ConfigValue {
        var dictionary = ConfigDictionary()
        while position < tokens.count, current != .symbol("}") {
            let key: String
            switch current {
            case .string(let text): key = text
            case .number(let text): key = text
            case .name(let text): key = text
            default:
                skipBalanced(closing: "}")
                return .dict(dictionary)
            }
            advance()
            guard current == .symbol(":") else {
                skipBalanced(closing: "}")
                return .dict(dictionary)
            }
            advance()
            dictionary.set(key, expression())
            if current == .symbol(",") { advance() }
        }
        advance()
        return .dict(dictionary)
    }

    /// Skips to just past the bracket closing the one already opened.
    mutating func skipBalanced(closing: String) {
        var depth = 0
        while position < tokens.count {
            switch current {
            case .symbol("("), .symbol("["), .symbol("{"): depth += 1
            case .symbol(")"), .symbol("]"), .symbol("}"):
                if depth == 0 {
                    advance()
                    return
                }
                depth -= 1
            default: break
            }
            advance()
        }
    }

    func text(_ range: Range<Int>) -> String {
        tokens[range.clamped(to: 0..<tokens.count)].compactMap { token -> String? in
            switch token {
            case .name(let text), .number(let text), .symbol(let text): return text
            case .string(let text): return "'\(text)'"
            case .newline: return nil
            }
        }.joined(separator: " ")
    }
}
