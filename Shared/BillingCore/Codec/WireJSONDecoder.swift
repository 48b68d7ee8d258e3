import BillingCore
import Foundation

/// A decoding failure on the internal wire, with the path to the offending field.
public struct WireDecodingError: Error, CustomStringConvertible {
    public var path: [String]
    public var message: String

    public var description: String { path.isEmpty ? message : "'\(path.joined(separator: "."))': \(message)" }

    func prefixed(_ component: String) -> WireDecodingError {
        WireDecodingError(path: [component] + path, message: message)
    }

    /// The error as a wire decoding error located under `component`, whatever decoder raised it.
    static func located(_ error: any Error, under component: String) -> any Error {
        switch error {
        case let wire as WireDecodingError: return wire.prefixed(component)
        case let decoding as DecodingError:
            switch decoding {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                return WireDecodingError(path: [component] + context.codingPath.map(\.stringValue), message: context.debugDescription)
            case .keyNotFound(let key, let context):
                return WireDecodingError(path: [component] + context.codingPath.map(\.stringValue) + [key.stringValue], message: "is required")
            @unknown default: return error
            }
        default: return error
        }
    }
}

/// Decodes `Decodable` values from JSON bytes, for the internal wire.
///
/// One pass indexes the document into a flat node array (kind, byte range, subtree end); containers
/// then read from it. Object keys are matched by comparing bytes, starting where the previous lookup
/// ended, since encoders write keys in the order decoders ask for them. Unknown keys are ignored.
public struct WireJSONDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let document = try WireJSONDocument(bytes: bytes)
        do {
            return try WireValueDecoder(document: document, node: 0).decodeValue(type)
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw WireDecodingError(path: context.codingPath.map(\.stringValue), message: context.debugDescription)
            default:
                throw WireDecodingError(path: [], message: "\(error)")
            }
        }
    }
}

struct WireJSONDocument {
    enum Kind: UInt8 { case object, array, string, escapedString, number, trueValue, falseValue, null }

    struct Node {
        var kind: Kind
        /// Byte range of the value (strings: inside the quotes).
        var start: Int32
        var end: Int32
        /// Index of the first node after this value's subtree.
        var next: Int32
    }

    let bytes: [UInt8]
    var nodes: [Node] = []

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        nodes.reserveCapacity(bytes.count / 6 + 4)
        var index = 0
        skipWhitespace(&index)
        try parseValue(&index, depth: 0)
        skipWhitespace(&index)
        guard index == bytes.count else { throw WireDecodingError(path: [], message: "unexpected data after the document at byte \(index)") }
    }

    private func skipWhitespace(_ index: inout Int) {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    private func failure(_ message: String, _ index: Int) -> WireDecodingError {
        WireDecodingError(path: [], message: "malformed JSON at byte \(index): \(message)")
    }

    private mutating func parseValue(_ index: inout Int, depth: Int) throws {
        guard depth < 128 else { throw failure("nesting too deep", index) }
        guard index < bytes.count else { throw failure("unexpected end", index) }
        let nodeIndex = nodes.count
        switch bytes[index] {
        case UInt8(ascii: "{"):
            nodes.append(Node(kind: .object, start: Int32(index), end: 0, next: 0))
            index += 1
            skipWhitespace(&index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipWhitespace(&index)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key", index) }
                    try parseString(&index)
                    skipWhitespace(&index)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'", index) }
                    index += 1
                    skipWhitespace(&index)
                    try parseValue(&index, depth: depth + 1)
                    skipWhitespace(&index)
                    guard index < bytes.count else { throw failure("unexpected end", index) }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'", index) }
                    index += 1
                    break
                }
            }
        case UInt8(ascii: "["):
            nodes.append(Node(kind: .array, start: Int32(index), end: 0, next: 0))
            index += 1
            skipWhitespace(&index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    skipWhitespace(&index)
                    try parseValue(&index, depth: depth + 1)
                    skipWhitespace(&index)
                    guard index < bytes.count else { throw failure("unexpected end", index) }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'", index) }
                    index += 1
                    break
                }
            }
        case UInt8(ascii: "\""):
            try parseString(&index)
            return
        case UInt8(ascii: "t"):
            try literal("true", &index)
            nodes.append(Node(kind: .trueValue, start: Int32(index - 4), end: Int32(index), next: Int32(nodeIndex + 1)))
            return
        case UInt8(ascii: "f"):
            try literal("false", &index)
            nodes.append(Node(kind: .falseValue, start: Int32(index - 5), end: Int32(index), next: Int32(nodeIndex + 1)))
            return
        case UInt8(ascii: "n"):
            try literal("null", &index)
            nodes.append(Node(kind: .null, start: Int32(index - 4), end: Int32(index), next: Int32(nodeIndex + 1)))
            return
        default:
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                guard
                    (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                        || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                else { break }
                index += 1
            }
            guard index > start else { throw failure("unexpected character", index) }
            nodes.append(Node(kind: .number, start: Int32(start), end: Int32(index), next: Int32(nodeIndex + 1)))
            return
        }
        nodes[nodeIndex].end = Int32(index)
        nodes[nodeIndex].next = Int32(nodes.count)
    }

    private mutating func literal(_ text: StaticString, _ index: inout Int) throws {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end", index) }
        let matches = text.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[index + $0] == expected[$0] } }
        guard matches else { throw failure("invalid literal", index) }
        index += count
    }

    private mutating func parseString(_ index: inout Int) throws {
        let start = index + 1
        index = start
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                nodes.append(Node(kind: escaped ? .escapedString : .string, start: Int32(start), end: Int32(index), next: Int32(nodes.count + 1)))
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            guard byte >= 0x20 else { throw failure("control character in string", index) }
            index += 1
        }
        throw failure("unterminated string", index)
    }

    /// The text of a string node.
    func string(_ node: Node) throws -> String {
        let slice = bytes[Int(node.start)..<Int(node.end)]
        if node.kind == .string { return String(decoding: slice, as: UTF8.self) }
        // Escapes are rare on the wire; reuse the strict public parser for them.
        var quoted: [UInt8] = [0x22]
        quoted.append(contentsOf: slice)
        quoted.append(0x22)
        guard case .string(let text) = try? JSONParser.parse(quoted) else { throw WireDecodingError(path: [], message: "invalid string escape") }
        return text
    }

    /// Whether a key node's bytes equal `key`.
    func keyMatches(_ node: Node, _ key: String) -> Bool {
        if node.kind == .escapedString { return (try? string(node)) == key }
        let length = Int(node.end - node.start)
        var key = key
        return key.withUTF8 { utf8 in
            guard utf8.count == length else { return false }
            return bytes.withUnsafeBufferPointer { buffer in
                memcmp(buffer.baseAddress! + Int(node.start), utf8.baseAddress!, length) == 0
            }
        }
    }
}

/// A reference to the shared document, so containers do not copy the node array.
final class WireDocumentBox {
    let document: WireJSONDocument
    init(_ document: WireJSONDocument) { self.document = document }
}

struct WireValueDecoder: Decoder {
    let box: WireDocumentBox
    let node: Int

    init(document: WireJSONDocument, node: Int) {
        self.box = WireDocumentBox(document)
        self.node = node
    }

    init(box: WireDocumentBox, node: Int) {
        self.box = box
        self.node = node
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var current: WireJSONDocument.Node { box.document.nodes[node] }

    func mismatch(_ expected: String) -> WireDecodingError {
        WireDecodingError(path: [], message: "expected \(expected), found \(current.kind)")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard current.kind == .object else { throw mismatch("an object") }
        return KeyedDecodingContainer(WireKeyedDecoder<Key>(box: box, object: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard current.kind == .array else { throw mismatch("an array") }
        return WireUnkeyedDecoder(box: box, array: node)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { WireSingleDecoder(decoder: self) }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return try decodeString() as! T }
        if T.self == Int.self { return try decodeInteger(Int.self) as! T }
        if T.self == Int64.self { return try decodeInteger(Int64.self) as! T }
        if T.self == Bool.self { return try decodeBool() as! T }
        if T.self == Date.self {
            let text = try decodeString()
            guard let date = RFC3339.parse(text) else {
                throw WireDecodingError(path: [], message: "'\(text.prefix(40))' is not an RFC 3339 timestamp")
            }
            return date as! T
        }
        if T.self == UUID.self {
            let text = try decodeString()
            guard let uuid = UUID(uuidString: text) else { throw WireDecodingError(path: [], message: "'\(text.prefix(40))' is not a UUID") }
            return uuid as! T
        }
        if T.self == Double.self { return try decodeDouble() as! T }
        if T.self == JSONValue.self { return try jsonValue() as! T }
        return try T(from: self)
    }

    /// The exact JSON value at this node (number literals kept as written).
    func jsonValue() throws -> JSONValue {
        let node = current
        let bytes = box.document.bytes[Int(node.start)..<Int(node.end)]
        do {
            return try JSONParser.parse(node.kind == .string || node.kind == .escapedString ? [0x22] + bytes + [0x22] : Array(bytes))
        } catch {
            throw WireDecodingError(path: [], message: "\(error)")
        }
    }

    func decodeString() throws -> String {
        let node = current
        guard node.kind == .string || node.kind == .escapedString else { throw mismatch("a string") }
        return try box.document.string(node)
    }

    func decodeBool() throws -> Bool {
        switch current.kind {
        case .trueValue: return true
        case .falseValue: return false
        default: throw mismatch("a boolean")
        }
    }

    func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let node = current
        guard node.kind == .number else { throw mismatch("an integer") }
        let bytes = box.document.bytes
        var index = Int(node.start)
        let end = Int(node.end)
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < end else { throw mismatch("an integer") }
        var value: I = 0
        while index < end {
            let byte = bytes[index]
            guard byte >= 48 && byte <= 57 else {
                // A fraction or exponent: accept only when it is exactly an integer.
                let text = String(decoding: bytes[Int(node.start)..<end], as: UTF8.self)
                guard let decimal = try? DecimalNumber(parsing: text), decimal.isInteger, let exact = I(exactly: decimal.significand) else {
                    throw WireDecodingError(path: [], message: "\(text) is not a whole number in range of \(I.self)")
                }
                return exact
            }
            let digit = I(byte - 48)
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { throw WireDecodingError(path: [], message: "number out of range of \(I.self)") }
            value = next
            index += 1
        }
        return value
    }

    func decodeDouble() throws -> Double {
        let node = current
        guard node.kind == .number, let value = Double(String(decoding: box.document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self)) else {
            throw mismatch("a number")
        }
        return value
    }
}

private final class WireKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let box: WireDocumentBox
    let object: Int
    /// Where the last successful key lookup ended (node index of the next key).
    private var cursor: Int

    init(box: WireDocumentBox, object: Int) {
        self.box = box
        self.object = object
        self.cursor = object + 1
    }

    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] {
        var keys: [Key] = []
        var index = object + 1
        let end = Int(box.document.nodes[object].next)
        while index < end {
            if let text = try? box.document.string(box.document.nodes[index]), let key = Key(stringValue: text) { keys.append(key) }
            index = Int(box.document.nodes[index + 1].next)
        }
        return keys
    }

    /// The value node for `key`, or nil when the object has no such key.
    private func valueNode(_ key: Key) -> Int? {
        let nodes = box.document.nodes
        let end = Int(nodes[object].next)
        let name = key.stringValue
        var index = cursor
        var wrapped = false
        while true {
            if index >= end {
                if wrapped { return nil }
                wrapped = true
                index = object + 1
                if index >= end { return nil }
            }
            if wrapped && index >= cursor { return nil }
            let valueIndex = index + 1
            if box.document.keyMatches(nodes[index], name) {
                cursor = Int(nodes[valueIndex].next)
                return valueIndex
            }
            index = Int(nodes[valueIndex].next)
        }
    }

    private func child(_ key: Key) throws -> WireValueDecoder {
        guard let node = valueNode(key) else {
            throw WireDecodingError(path: [key.stringValue], message: "is required")
        }
        return WireValueDecoder(box: box, node: node)
    }

    private func decoding<T>(_ key: Key, _ body: (WireValueDecoder) throws -> T) throws -> T {
        let decoder = try child(key)
        do {
            return try body(decoder)
        } catch {
            throw WireDecodingError.located(error, under: key.stringValue)
        }
    }

    func contains(_ key: Key) -> Bool { valueNode(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let node = valueNode(key) else { return true }
        return box.document.nodes[node].kind == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoding(key) { try $0.decodeBool() } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoding(key) { try $0.decodeString() } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoding(key) { try $0.decodeDouble() } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoding(key) { Float(try $0.decodeDouble()) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoding(key) { try $0.decodeInteger(type) } }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoding(key) { try $0.decodeValue(type) } }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoding(key) { try $0.container(keyedBy: type) }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoding(key) { try $0.unkeyedContainer() }
    }

    func superDecoder() throws -> any Decoder { WireValueDecoder(box: box, node: object) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct WireUnkeyedDecoder: UnkeyedDecodingContainer {
    let box: WireDocumentBox
    let array: Int
    var currentIndex = 0
    private var nextNode: Int

    init(box: WireDocumentBox, array: Int) {
        self.box = box
        self.array = array
        self.nextNode = array + 1
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? {
        var count = 0
        var index = array + 1
        let end = Int(box.document.nodes[array].next)
        while index < end {
            count += 1
            index = Int(box.document.nodes[index].next)
        }
        return count
    }
    var isAtEnd: Bool { nextNode >= Int(box.document.nodes[array].next) }

    private mutating func next<T>(_ body: (WireValueDecoder) throws -> T) throws -> T {
        guard !isAtEnd else { throw WireDecodingError(path: ["\(currentIndex)"], message: "array has too few elements") }
        let decoder = WireValueDecoder(box: box, node: nextNode)
        do {
            let value = try body(decoder)
            nextNode = Int(box.document.nodes[nextNode].next)
            currentIndex += 1
            return value
        } catch {
            throw WireDecodingError.located(error, under: "\(currentIndex)")
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, box.document.nodes[nextNode].kind == .null else { return false }
        nextNode = Int(box.document.nodes[nextNode].next)
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.decodeBool() } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.decodeString() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.decodeDouble() } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.decodeInteger(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try $0.decodeInteger(type) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next { try $0.decodeValue(type) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next { try $0.unkeyedContainer() } }
    mutating func superDecoder() throws -> any Decoder { try next { $0 } }
}

private struct WireSingleDecoder: SingleValueDecodingContainer {
    let decoder: WireValueDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { decoder.current.kind == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.decodeDouble()) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
