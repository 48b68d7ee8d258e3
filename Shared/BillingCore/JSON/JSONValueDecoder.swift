import Foundation

/// A decoding failure located by JSON Pointer (`/data/attributes/taxId`), with a message for people.
public struct JSONDecodingFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let pointer: String
    public let message: String
    /// Keys present in the document that the target type does not know (empty for other failures).
    public let unknownKeys: [String]

    public init(pointer: String, message: String, unknownKeys: [String] = []) {
        self.pointer = pointer
        self.message = message
        self.unknownKeys = unknownKeys
    }

    public var description: String { pointer.isEmpty ? message : "\(pointer): \(message)" }
}

/// Decodes `Decodable` types from a ``JSONValue``.
///
/// Numbers are read from their digits (``DecimalNumber``, ``Credits``, integers), dates as RFC 3339,
/// and keys the type does not declare are refused (`rejectUnknownKeys`), naming them.
public struct JSONValueDecoder: Sendable {
    public var rejectUnknownKeys: Bool

    public init(rejectUnknownKeys: Bool = true) {
        self.rejectUnknownKeys = rejectUnknownKeys
    }

    /// Decodes `type`; failures are reported with `pointerPrefix` + the path inside `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, pointerPrefix: String = "") throws(JSONDecodingFailure) -> T {
        let tracker = KeyUsageTracker()
        let decoder = JSONValueDecoderImplementation(value: value, codingPath: [], tracker: tracker)
        let result: T
        do {
            result = try decoder.decodeValue(type)
        } catch let failure as JSONDecodingFailure {
            throw JSONDecodingFailure(pointer: pointerPrefix + failure.pointer, message: failure.message)
        } catch let error as DecodingError {
            throw JSONValueDecoder.failure(from: error, prefix: pointerPrefix)
        } catch {
            throw JSONDecodingFailure(pointer: pointerPrefix, message: String(describing: error))
        }
        if rejectUnknownKeys, let (path, keys) = tracker.firstUnknownKeys() {
            let names = keys.map { "'\($0)'" }.joined(separator: ", ")
            throw JSONDecodingFailure(
                pointer: pointerPrefix + path + "/" + JSONPointer.escape(keys[0]),
                message: "unknown attribute\(keys.count > 1 ? "s" : "") \(names)",
                unknownKeys: keys)
        }
        return result
    }

    static func failure(from error: DecodingError, prefix: String) -> JSONDecodingFailure {
        switch error {
        case .typeMismatch(_, let context):
            return JSONDecodingFailure(pointer: prefix + JSONPointer.from(context.codingPath), message: context.debugDescription)
        case .valueNotFound(_, let context):
            return JSONDecodingFailure(pointer: prefix + JSONPointer.from(context.codingPath), message: "must not be null")
        case .keyNotFound(let key, let context):
            return JSONDecodingFailure(pointer: prefix + JSONPointer.from(context.codingPath + [key]), message: "is required")
        case .dataCorrupted(let context):
            return JSONDecodingFailure(pointer: prefix + JSONPointer.from(context.codingPath), message: context.debugDescription)
        @unknown default:
            return JSONDecodingFailure(pointer: prefix, message: String(describing: error))
        }
    }
}

/// JSON Pointer (RFC 6901) helpers.
public enum JSONPointer {
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    public static func from(_ path: [any CodingKey]) -> String {
        path.map { key in "/" + (key.intValue.map(String.init) ?? escape(key.stringValue)) }.joined()
    }
}

/// Records which keys of each decoded object were read, to find the unknown ones.
final class KeyUsageTracker: @unchecked Sendable {
    private var objects: [(pointer: String, keys: [String], used: Set<String>)] = []
    private var indexByPointer: [String: Int] = [:]

    func register(pointer: String, keys: [String]) {
        if indexByPointer[pointer] == nil {
            indexByPointer[pointer] = objects.count
            objects.append((pointer, keys, []))
        }
    }

    func markUsed(pointer: String, key: String) {
        if let index = indexByPointer[pointer] { objects[index].used.insert(key) }
    }

    func markAllUsed(pointer: String) {
        if let index = indexByPointer[pointer] { objects[index].used.formUnion(objects[index].keys) }
    }

    func firstUnknownKeys() -> (String, [String])? {
        for object in objects {
            let unknown = object.keys.filter { !object.used.contains($0) }
            if !unknown.isEmpty { return (object.pointer, unknown) }
        }
        return nil
    }
}

struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

struct JSONValueDecoderImplementation: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let tracker: KeyUsageTracker
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var pointer: String { JSONPointer.from(codingPath) }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "must be \(expected), not \(value.typeDescription)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch("an object") }
        tracker.register(pointer: pointer, keys: object.keys)
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("an array") }
        return UnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func child(_ value: JSONValue, key: any CodingKey) -> JSONValueDecoderImplementation {
        JSONValueDecoderImplementation(value: value, codingPath: codingPath + [key], tracker: tracker)
    }

    /// Decodes with the exact-number and date special cases, then falls back to `T(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == DecimalNumber.self { return try decodeDecimal() as! T }
        if T.self == Credits.self {
            do { return try Credits(exactly: decodeDecimal()) as! T } catch let error as CreditsError {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: error.description))
            }
        }
        if T.self == Date.self {
            let text = try decodeString()
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "'\(text.prefix(40))' is not an RFC 3339 timestamp"))
            }
            return date as! T
        }
        if T.self == UUID.self {
            let text = try decodeString()
            guard let uuid = UUID(uuidString: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "'\(text.prefix(40))' is not a UUID"))
            }
            return uuid as! T
        }
        do {
            return try T(from: self)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.count == codingPath.count {
            // A raw-value enum refused the value: say which values it takes.
            if let described = T.self as? any SchemaDescribing.Type, case .enumeration(let values) = described.schemaDescription,
                case .string(let given) = value
            {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPath,
                        debugDescription: "'\(given.prefix(40))' is not one of \(values.joined(separator: ", "))"))
            }
            throw DecodingError.dataCorrupted(context)
        }
    }

    func decodeDecimal() throws -> DecimalNumber {
        switch value {
        case .number(let text), .string(let text):
            do { return try DecimalNumber(parsing: text) } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: error.description))
            }
        default: throw mismatch("a number")
        }
    }

    func decodeString() throws -> String {
        guard case .string(let text) = value else { throw mismatch("a string") }
        return text
    }

    func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .number(let text) = value else { throw mismatch("an integer") }
        let decimal: DecimalNumber
        do { decimal = try DecimalNumber(parsing: text) } catch { throw mismatch("an integer") }
        guard decimal.isInteger, let integer = I(exactly: decimal.significand) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "must be a whole number between \(I.min) and \(I.max)"))
        }
        return integer
    }

    func decodeFloatingPoint<F: BinaryFloatingPoint & LosslessStringConvertible>(_ type: F.Type) throws -> F {
        guard case .number(let text) = value, let result = F(text) else { throw mismatch("a number") }
        return result
    }

    func decodeBool() throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("a boolean") }
        return flag
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: JSONValueDecoderImplementation

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        decoder.tracker.markUsed(pointer: decoder.pointer, key: key.stringValue)
        return object[key.stringValue] != nil
    }

    func child(_ key: Key) throws -> JSONValueDecoderImplementation {
        decoder.tracker.markUsed(pointer: decoder.pointer, key: key.stringValue)
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is required"))
        }
        return decoder.child(value, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.tracker.markUsed(pointer: decoder.pointer, key: key.stringValue)
        guard let value = object[key.stringValue] else { return true }
        return value == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decodeString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decodeFloatingPoint(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decodeFloatingPoint(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decodeInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).decodeInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).decodeInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).decodeInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).decodeInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).decodeInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder {
        decoder.tracker.markAllUsed(pointer: decoder.pointer)
        return decoder
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: JSONValueDecoderImplementation
    var currentIndex = 0

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> JSONValueDecoderImplementation {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array has too few elements"))
        }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], key: AnyCodingKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return true }
        if elements[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decodeBool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().decodeString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decodeFloatingPoint(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decodeFloatingPoint(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decodeInteger(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decodeInteger(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decodeInteger(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decodeInteger(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decodeInteger(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decodeInteger(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decodeInteger(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decodeInteger(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decodeInteger(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decodeInteger(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoderImplementation
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeFloatingPoint(type) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloatingPoint(type) }
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
