import Foundation

/// Encodes `Encodable` values into a ``JSONValue``.
///
/// ``DecimalNumber`` and ``Credits`` become exact JSON number literals, dates RFC 3339 strings,
/// UUIDs lower-case strings; `nil` optionals are written as `null` when `writeNulls` is set.
public struct JSONValueEncoder: Sendable {
    /// How `Money` is written.
    public enum MoneyEncoding: Sendable {
        /// `{"amount":"299.90","currency":"BRL"}`, as on the internal wire.
        case object
        /// `299.90`: a number with the currency's digits; the resource states its currency separately.
        case amountNumber
    }

    public var moneyEncoding: MoneyEncoding

    public init(moneyEncoding: MoneyEncoding = .object) {
        self.moneyEncoding = moneyEncoding
    }

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let root = EncodingSlot()
        try JSONValueEncoderImplementation(slot: root, codingPath: [], moneyEncoding: moneyEncoding).encodeValue(value)
        return root.value ?? .object(JSONObject())
    }
}

/// A mutable cell a container writes its result into.
final class EncodingSlot {
    var value: JSONValue?
    var object: JSONObject?
    var array: [EncodingSlot]?
    var objectSlots: [(String, EncodingSlot)]?

    func materialize() -> JSONValue {
        if let objectSlots {
            var object = JSONObject()
            for (key, slot) in objectSlots { object[key] = slot.materialize() }
            return .object(object)
        }
        if let array { return .array(array.map { $0.materialize() }) }
        return value ?? .null
    }
}

struct JSONValueEncoderImplementation: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var moneyEncoding: JSONValueEncoder.MoneyEncoding = .object
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func child(_ slot: EncodingSlot, _ path: [any CodingKey]) -> JSONValueEncoderImplementation {
        JSONValueEncoderImplementation(slot: slot, codingPath: path, moneyEncoding: moneyEncoding)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if slot.objectSlots == nil { slot.objectSlots = [] }
        return KeyedEncodingContainer(KeyedEncoder<Key>(slot: slot, codingPath: codingPath, encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if slot.array == nil { slot.array = [] }
        return UnkeyedEncoder(slot: slot, codingPath: codingPath, encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(slot: slot, codingPath: codingPath, encoder: self) }

    func encodeValue<T: Encodable>(_ value: T) throws {
        switch value {
        case let decimal as DecimalNumber: slot.value = .number(decimal.text)
        case let credits as Credits: slot.value = .number(credits.text)
        case let date as Date: slot.value = .string(RFC3339.format(date))
        case let uuid as UUID: slot.value = .string(uuid.text)
        case let json as JSONValue: slot.value = json
        case let money as Money where moneyEncoding == .amountNumber: slot.value = .number(money.amountText)
        default:
            try value.encode(to: self)
            if slot.value == nil && slot.objectSlots == nil && slot.array == nil { slot.value = .null }
        }
        finalize()
    }

    /// Collapses child slots into a plain value so parents can read it.
    func finalize() {
        if slot.objectSlots != nil || slot.array != nil {
            slot.value = slot.materialize()
            slot.objectSlots = nil
            slot.array = nil
        }
    }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    let encoder: JSONValueEncoderImplementation

    func childSlot(_ key: Key) -> EncodingSlot {
        let child = EncodingSlot()
        slot.objectSlots?.removeAll { $0.0 == key.stringValue }
        slot.objectSlots?.append((key.stringValue, child))
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { childSlot(key).value = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { childSlot(key).value = .bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { childSlot(key).value = .string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { childSlot(key).value = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encoder.child(childSlot(key), codingPath + [key]).encodeValue(value)
    }

    // Absent optionals are written as explicit `null`, so every documented attribute is always present.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeIfPresent(value.map { Boxed($0) }, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = childSlot(key)
        child.objectSlots = []
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(slot: child, codingPath: codingPath + [key], encoder: encoder))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = childSlot(key)
        child.array = []
        return UnkeyedEncoder(slot: child, codingPath: codingPath + [key], encoder: encoder)
    }

    mutating func superEncoder() -> any Encoder { encoder.child(slot, codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.child(childSlot(key), codingPath + [key]) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    let encoder: JSONValueEncoderImplementation
    var count: Int { slot.array?.count ?? 0 }

    func nextSlot() -> EncodingSlot {
        let child = EncodingSlot()
        slot.array?.append(child)
        return child
    }

    mutating func encodeNil() throws { nextSlot().value = .null }
    mutating func encode(_ value: Bool) throws { nextSlot().value = .bool(value) }
    mutating func encode(_ value: String) throws { nextSlot().value = .string(value) }
    mutating func encode(_ value: Int) throws { nextSlot().value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { nextSlot().value = .number(String(value)) }
    mutating func encode(_ value: Double) throws { nextSlot().value = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.child(nextSlot(), codingPath + [AnyCodingKey(intValue: count)]).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = nextSlot()
        child.objectSlots = []
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(slot: child, codingPath: codingPath, encoder: encoder))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = nextSlot()
        child.array = []
        return UnkeyedEncoder(slot: child, codingPath: codingPath, encoder: encoder)
    }

    mutating func superEncoder() -> any Encoder { encoder.child(nextSlot(), codingPath) }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    let encoder: JSONValueEncoderImplementation

    mutating func encodeNil() throws { slot.value = .null }
    mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
    mutating func encode(_ value: String) throws { slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Float) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { slot.value = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { slot.value = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.child(slot, codingPath).encodeValue(value)
    }
}

/// Routes the concrete-type `encodeIfPresent` overloads through the generic one.
private struct Boxed<Value: Encodable>: Encodable {
    let value: Value
    init(_ value: Value) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
