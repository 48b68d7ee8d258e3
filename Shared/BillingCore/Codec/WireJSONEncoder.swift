import BillingCore
import Foundation

/// Encodes `Encodable` values straight into JSON bytes, for the internal wire.
///
/// Foundation's encoder builds a value tree and then serializes it; on the RPC hot path that was a
/// fifth of a server's CPU. This one streams: containers open when requested and close when the value
/// that opened them finishes encoding (or when an enclosing container writes its next element).
/// Dates are RFC 3339 strings with microseconds, like the rest of the wire.
public struct WireJSONEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try encode(value, reservingPrefix: 0)
    }

    /// Encodes after `prefix` zero bytes the caller fills in later (a frame header), saving a copy.
    public func encode<T: Encodable>(_ value: T, reservingPrefix prefix: Int) throws -> [UInt8] {
        let writer = WireJSONWriter()
        if prefix > 0 { writer.bytes.append(contentsOf: repeatElement(0, count: prefix)) }
        try writer.encodeValue(value)
        writer.closeAll()
        return writer.bytes
    }
}

final class WireJSONWriter {
    var bytes: [UInt8] = []
    /// Open containers: whether each has written an element yet, and whether it is an object.
    fileprivate var open: [(isObject: Bool, hasElements: Bool)] = []
    /// The stack depth at which the value currently being encoded started.
    fileprivate var valueDepth = 0
    /// Whether the current value has produced anything yet (a container or a single value).
    fileprivate var valueStarted = false

    init() { bytes.reserveCapacity(512) }

    func closeAll() { close(downTo: 0) }

    fileprivate func close(downTo depth: Int) {
        while open.count > depth {
            let container = open.removeLast()
            bytes.append(container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Prepares to write the next element of the container at `index` (closing nested ones first).
    fileprivate func beginElement(in index: Int) {
        close(downTo: index + 1)
        if open[index].hasElements { bytes.append(UInt8(ascii: ",")) } else { open[index].hasElements = true }
    }

    fileprivate func openContainer(isObject: Bool) -> Int {
        bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append((isObject, false))
        valueStarted = true
        return open.count - 1
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == String.self {
            writeString(value as! String)
            return
        }
        if T.self == Int.self {
            writeInteger(value as! Int)
            return
        }
        if T.self == Int64.self {
            writeInteger(value as! Int64)
            return
        }
        if T.self == Bool.self {
            writeBool(value as! Bool)
            return
        }
        if T.self == Date.self {
            writeString(RFC3339.format(value as! Date))
            return
        }
        if T.self == UUID.self {
            writeString((value as! UUID).text)
            return
        }
        if T.self == Double.self {
            writeDouble(value as! Double)
            return
        }
        if T.self == JSONValue.self {
            JSONWriter.write(value as! JSONValue, into: &bytes)
            return
        }
        let savedDepth = valueDepth
        let savedStarted = valueStarted
        valueDepth = open.count
        valueStarted = false
        defer {
            valueDepth = savedDepth
            valueStarted = savedStarted
        }
        try value.encode(to: WireEncoderFacade(writer: self))
        if !valueStarted {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(UInt8(ascii: "}"))
        }
        close(downTo: valueDepth)
    }

    static let nullBytes: [UInt8] = Array("null".utf8)
    static let trueBytes: [UInt8] = Array("true".utf8)
    static let falseBytes: [UInt8] = Array("false".utf8)

    func writeNull() { bytes.append(contentsOf: WireJSONWriter.nullBytes) }

    func writeBool(_ flag: Bool) { bytes.append(contentsOf: flag ? WireJSONWriter.trueBytes : WireJSONWriter.falseBytes) }

    /// Digits are appended least significant first, then reversed in place: no temporary array.
    func writeInteger<I: BinaryInteger>(_ value: I) {
        if value == 0 {
            bytes.append(48)
            return
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(UInt8(truncatingIfNeeded: 48 + Int(magnitude % 10)))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    func writeDouble(_ value: Double) {
        guard value.isFinite else {
            writeNull()
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            writeInteger(Int64(value))
            return
        }
        bytes.append(contentsOf: Array(value.description.utf8))
    }

    func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

private struct WireEncoderFacade: Encoder {
    let writer: WireJSONWriter
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // A second request for the same value's container (superclass encoding) reuses the first.
        if writer.valueStarted, writer.open.count > writer.valueDepth, writer.open[writer.valueDepth].isObject {
            return KeyedEncodingContainer(WireKeyedEncoder<Key>(writer: writer, index: writer.valueDepth))
        }
        return KeyedEncodingContainer(WireKeyedEncoder<Key>(writer: writer, index: writer.openContainer(isObject: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        WireUnkeyedEncoder(writer: writer, index: writer.openContainer(isObject: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { WireSingleEncoder(writer: writer) }
}

private struct WireKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: WireJSONWriter
    let index: Int
    var codingPath: [any CodingKey] { [] }

    private func key(_ key: Key) {
        writer.beginElement(in: index)
        writer.writeString(key.stringValue)
        writer.bytes.append(UInt8(ascii: ":"))
    }

    mutating func encodeNil(forKey key: Key) throws {
        self.key(key)
        writer.writeNull()
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        self.key(key)
        try writer.encodeValue(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        self.key(key)
        writer.writeString(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        self.key(key)
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        self.key(key)
        writer.writeDouble(Double(value))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        self.key(key)
        writer.writeInteger(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try writer.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        self.key(key)
        return KeyedEncodingContainer(WireKeyedEncoder<NestedKey>(writer: writer, index: writer.openContainer(isObject: true)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        self.key(key)
        return WireUnkeyedEncoder(writer: writer, index: writer.openContainer(isObject: false))
    }

    mutating func superEncoder() -> any Encoder { WireEncoderFacade(writer: writer) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        self.key(key)
        return WireEncoderFacade(writer: writer)
    }
}

private struct WireUnkeyedEncoder: UnkeyedEncodingContainer {
    let writer: WireJSONWriter
    let index: Int
    var count = 0
    var codingPath: [any CodingKey] { [] }

    private mutating func element() {
        writer.beginElement(in: index)
        count += 1
    }

    mutating func encodeNil() throws {
        element()
        writer.writeNull()
    }
    mutating func encode(_ value: String) throws {
        element()
        writer.writeString(value)
    }
    mutating func encode(_ value: Int) throws {
        element()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64) throws {
        element()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Double) throws {
        element()
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Bool) throws {
        element()
        try writer.encodeValue(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        element()
        try writer.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element()
        return KeyedEncodingContainer(WireKeyedEncoder<NestedKey>(writer: writer, index: writer.openContainer(isObject: true)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        element()
        return WireUnkeyedEncoder(writer: writer, index: writer.openContainer(isObject: false))
    }

    mutating func superEncoder() -> any Encoder {
        element()
        return WireEncoderFacade(writer: writer)
    }
}

private struct WireSingleEncoder: SingleValueEncodingContainer {
    let writer: WireJSONWriter
    var codingPath: [any CodingKey] { [] }

    private func mark() { writer.valueStarted = true }

    mutating func encodeNil() throws {
        mark()
        writer.writeNull()
    }
    mutating func encode(_ value: Bool) throws {
        mark()
        try writer.encodeValue(value)
    }
    mutating func encode(_ value: String) throws {
        mark()
        writer.writeString(value)
    }
    mutating func encode(_ value: Double) throws {
        mark()
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float) throws {
        mark()
        writer.writeDouble(Double(value))
    }
    mutating func encode(_ value: Int) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int8) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int16) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int32) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt8) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt16) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt32) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt64) throws {
        mark()
        writer.writeInteger(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        mark()
        try writer.encodeValue(value)
    }
}
