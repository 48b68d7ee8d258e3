import Foundation

/// The shape of a `Decodable` type, discovered by decoding it once with a recording decoder.
///
/// Used to generate `proto-docs/` and OpenAPI schemas from the very types on the wire, so the
/// documents cannot drift from the code.
public indirect enum CodableSchema: Sendable, Hashable {
    case string(format: String?)
    case integer
    case number(format: String?)
    case boolean
    case enumeration([String])
    case array(CodableSchema)
    case map(CodableSchema)
    case object(name: String, fields: [Field])
    /// Free-form JSON.
    case any

    public struct Field: Sendable, Hashable {
        public let name: String
        public let schema: CodableSchema
        public let isOptional: Bool
    }

    /// Discovers the schema of `type`.
    public static func of<T: Decodable>(_ type: T.Type) -> CodableSchema {
        let recorder = SchemaRecorder(depth: 0)
        return recorder.schema(of: type)
    }

    /// A one-line description (`string (uuid)`, `array of integer`, `object Foo`).
    public var summary: String {
        switch self {
        case .string(let format): return format.map { "string (\($0))" } ?? "string"
        case .integer: return "integer"
        case .number(let format): return format.map { "number (\($0))" } ?? "number"
        case .boolean: return "boolean"
        case .enumeration(let values): return "enum: " + values.joined(separator: ", ")
        case .array(let element): return "array of " + element.summary
        case .map(let value): return "map of string → " + value.summary
        case .object(let name, _): return "object \(name)"
        case .any: return "any JSON"
        }
    }
}

/// A type that can describe itself for schema discovery when decoding a placeholder would fail
/// (enumerations with raw values, validated wrappers).
public protocol SchemaDescribing {
    static var schemaDescription: CodableSchema { get }
}

extension SchemaDescribing where Self: CaseIterable & RawRepresentable, RawValue == String {
    public static var schemaDescription: CodableSchema { .enumeration(allCases.map(\.rawValue)) }
}

extension DecimalNumber: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .string(format: "decimal") }
}

extension Credits: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .string(format: "credits, 8 decimals") }
}

extension Currency: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .string(format: "ISO 4217 code") }
}

extension Date: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .string(format: "RFC 3339 date-time") }
}

extension UUID: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .string(format: "uuid") }
}

extension JSONValue: SchemaDescribing {
    public static var schemaDescription: CodableSchema { .any }
}

extension Money: SchemaDescribing {
    public static var schemaDescription: CodableSchema {
        .object(
            name: "Money",
            fields: [
                .init(name: "amount", schema: .string(format: "decimal"), isOptional: false),
                .init(name: "currency", schema: .string(format: "ISO 4217 code"), isOptional: false),
            ])
    }
}

/// Thrown to stop decoding once a leaf's schema is known.
private struct SchemaDiscovered: Error { let schema: CodableSchema }

private final class SchemaRecorder: Decoder, @unchecked Sendable {
    let depth: Int
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var fields: [(String, CodableSchema, Bool)] = []
    var optionalKeys: Set<String> = []
    var leaf: CodableSchema?

    init(depth: Int) { self.depth = depth }

    func schema<T: Decodable>(of type: T.Type) -> CodableSchema {
        if let described = type as? any SchemaDescribing.Type { return described.schemaDescription }
        if let typed = type as? any TypedIdentifier.Type {
            _ = typed
            return .string(format: "uuid")
        }
        if type == String.self { return .string(format: nil) }
        if type == Bool.self { return .boolean }
        if type == Double.self || type == Float.self { return .number(format: nil) }
        if type is any FixedWidthInteger.Type { return .integer }
        if let dictionary = type as? any StringKeyedDictionary.Type { return .map(dictionary.valueSchema(depth: depth + 1)) }
        guard depth < 12 else { return .any }
        let child = SchemaRecorder(depth: depth + 1)
        do {
            _ = try T(from: child)
        } catch let discovered as SchemaDiscovered {
            return discovered.schema
        } catch {
            if let leaf = child.leaf { return leaf }
        }
        if let leaf = child.leaf { return leaf }
        let name = String(describing: type)
        return .object(name: name, fields: child.fields.map { .init(name: $0.0, schema: $0.1, isOptional: $0.2) })
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingKeyed<Key>(recorder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { RecordingUnkeyed(recorder: self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { RecordingSingle(recorder: self) }

    func record(_ key: String, _ schema: CodableSchema) {
        fields.removeAll { $0.0 == key }
        fields.append((key, schema, optionalKeys.contains(key)))
    }

    func placeholder<T: Decodable>(_ type: T.Type) throws -> T {
        if type == String.self { return "" as! T }
        if type == Bool.self { return false as! T }
        if type == Int.self { return 0 as! T }
        if type == Int64.self { return Int64(0) as! T }
        if type == Int32.self { return Int32(0) as! T }
        if type == Double.self { return Double(0) as! T }
        if type == DecimalNumber.self { return DecimalNumber.zero as! T }
        if type == Credits.self { return Credits.zero as! T }
        if type == Currency.self { return Currency.brl as! T }
        if type == Date.self { return Date(timeIntervalSince1970: 0) as! T }
        if type == UUID.self { return UUID() as! T }
        if type == Money.self { return Money.zero(.brl) as! T }
        if type == JSONValue.self { return JSONValue.null as! T }
        if let typed = type as? any TypedIdentifier.Type { return typed.init(rawValue: UUID()) as! T }
        if let iterable = type as? any CaseIterable.Type, let first = firstElement(of: iterable.allCases) as? T {
            return first
        }
        return try T(from: SchemaRecorder(depth: depth + 1))
    }
}

private func firstElement<C: Collection>(of collection: C) -> Any? { collection.first }

/// Lets the recorder see through `[String: Value]`, whose decoding reads no fixed keys.
private protocol StringKeyedDictionary {
    static func valueSchema(depth: Int) -> CodableSchema
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Decodable {
    fileprivate static func valueSchema(depth: Int) -> CodableSchema { SchemaRecorder(depth: depth).schema(of: Value.self) }
}

private struct RecordingKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool {
        recorder.optionalKeys.insert(key.stringValue)
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        recorder.record(key.stringValue, recorder.schema(of: type))
        return try recorder.placeholder(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        recorder.record(key.stringValue, .any)
        return KeyedDecodingContainer(RecordingKeyed<NestedKey>(recorder: SchemaRecorder(depth: recorder.depth + 1)))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        recorder.record(key.stringValue, .array(.any))
        return RecordingUnkeyed(recorder: SchemaRecorder(depth: recorder.depth + 1))
    }

    func superDecoder() throws -> any Decoder { recorder }
    func superDecoder(forKey key: Key) throws -> any Decoder { recorder }
}

private struct RecordingUnkeyed: UnkeyedDecodingContainer {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex > 0 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        recorder.leaf = .array(recorder.schema(of: type))
        return try recorder.placeholder(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        currentIndex += 1
        return KeyedDecodingContainer(RecordingKeyed<NestedKey>(recorder: SchemaRecorder(depth: recorder.depth + 1)))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return RecordingUnkeyed(recorder: SchemaRecorder(depth: recorder.depth + 1))
    }

    mutating func superDecoder() throws -> any Decoder { recorder }
}

private struct RecordingSingle: SingleValueDecodingContainer {
    let recorder: SchemaRecorder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let schema = recorder.schema(of: type)
        recorder.leaf = schema
        return try recorder.placeholder(type)
    }
}
