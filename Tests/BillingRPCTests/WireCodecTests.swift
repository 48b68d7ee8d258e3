import BillingCore
import BillingRPC
import Foundation
import Testing

@Suite("Internal wire JSON codec")
struct WireCodecTests {
    enum Status: String, Codable, Equatable { case active = "ACTIVE", closed = "CLOSED" }

    struct Line: Codable, Equatable {
        var description: String
        var quantity: Int64
        var amount: Money
        var tags: [String]
    }

    struct Everything: Codable, Equatable {
        var id: UUID
        var name: String
        var status: Status
        var count: Int
        var big: Int64
        var small: Int8
        var unsigned: UInt64
        var ratio: Double
        var flag: Bool
        var at: Date
        var credits: Credits
        var decimal: DecimalNumber
        var optionalPresent: String?
        var optionalAbsent: String?
        var lines: [Line]
        var metadata: [String: String]
        var nested: [[Int]]
        var empty: [String]
        var currency: Currency
        var json: JSONValue?
    }

    static let sample = Everything(
        id: UUID(uuidString: "01936f5e-8a4c-7c3e-9f1a-2b3c4d5e6f70")!,
        name: "Empresa \"ABC\" Ltda\\ \n\t ünï 😀 \u{01}",
        status: .active, count: -42, big: Int64.min, small: -128, unsigned: UInt64.max, ratio: 0.1, flag: true,
        at: RFC3339.parse("2026-11-21T15:34:00.123456Z")!,
        credits: try! Credits.parse("0.084"), decimal: try! DecimalNumber(parsing: "-12.5e-3"),
        optionalPresent: "x", optionalAbsent: nil,
        lines: [
            Line(description: "Plano Pro", quantity: 1, amount: Money(minorUnits: 29_990, currency: .brl), tags: ["a", "b"]),
            Line(description: "", quantity: 0, amount: Money(minorUnits: -5, currency: .jpy), tags: []),
        ],
        metadata: ["k": "v", "ç": "ü"], nested: [[1, 2], [], [3]], empty: [], currency: .usd, json: nil)

    @Test("round-trips every shape the contracts use")
    func roundTrip() throws {
        let bytes = try WireJSONEncoder().encode(WireCodecTests.sample)
        let decoded = try WireJSONDecoder().decode(Everything.self, from: bytes)
        #expect(decoded == WireCodecTests.sample)
    }

    /// Foundation's coders with the wire's RFC 3339 dates: the reference the wire codec is checked against.
    static func foundationEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    static func foundationDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 timestamp")
            }
            return date
        }
        return decoder
    }

    @Test("writes JSON that Foundation reads identically, and reads what Foundation writes")
    func interoperatesWithFoundation() throws {
        let bytes = try WireJSONEncoder().encode(WireCodecTests.sample)
        let viaFoundation = try Self.foundationDecoder().decode(Everything.self, from: Data(bytes))
        #expect(viaFoundation == WireCodecTests.sample)
        let foundationBytes = try Self.foundationEncoder().encode(WireCodecTests.sample)
        #expect(try WireJSONDecoder().decode(Everything.self, from: Array(foundationBytes)) == WireCodecTests.sample)
    }

    struct Small: Codable, Equatable {
        var a: Int
        var b: String?
    }

    @Test("ignores unknown keys, accepts keys in any order and escaped keys")
    func keys() throws {
        let text = #"{"zzz":{"deep":[1,{"x":null}]},"b":"two","a":1,"extra":true}"#
        #expect(try WireJSONDecoder().decode(Small.self, from: Array(text.utf8)) == Small(a: 1, b: "two"))
        let escaped = #"{"\u0061":7}"#
        #expect(try WireJSONDecoder().decode(Small.self, from: Array(escaped.utf8)) == Small(a: 7, b: nil))
        let nullOptional = #"{"a":1,"b":null}"#
        #expect(try WireJSONDecoder().decode(Small.self, from: Array(nullOptional.utf8)) == Small(a: 1, b: nil))
    }

    @Test("names the path of a missing or mistyped field")
    func errors() throws {
        do {
            _ = try WireJSONDecoder().decode(Everything.self, from: Array(#"{"lines":[{"description":5}]}"#.utf8))
            Issue.record("expected an error")
        } catch let error as WireDecodingError {
            #expect(!error.path.isEmpty)
        }
        do {
            _ = try WireJSONDecoder().decode(
                [Line].self, from: Array(#"[{"description":"x","quantity":1,"amount":{"amount":"1.001","currency":"BRL"},"tags":[]}]"#.utf8))
            Issue.record("expected an error")
        } catch let error as WireDecodingError {
            #expect(error.path == ["0", "amount", "amount"] || error.path.starts(with: ["0", "amount"]))
        }
        #expect(throws: WireDecodingError.self) { try WireJSONDecoder().decode(Small.self, from: Array(#"{"a":1.5}"#.utf8)) }
        #expect(throws: WireDecodingError.self) { try WireJSONDecoder().decode(Small.self, from: Array(#"{"a":99999999999999999999}"#.utf8)) }
        #expect(throws: WireDecodingError.self) { try WireJSONDecoder().decode(Small.self, from: Array(#"{"a":1"#.utf8)) }
        #expect(throws: WireDecodingError.self) { try WireJSONDecoder().decode(Small.self, from: Array(#"{"a":1} x"#.utf8)) }
    }

    @Test("RPC errors survive the codec, including a missing details map")
    func rpcErrors() throws {
        let error = RPCError(.failedPrecondition, "account is CLOSED", reason: "ACCOUNT_CLOSED", details: ["field": "billingAccountId"])
        #expect(try WireJSONDecoder().decode(RPCError.self, from: try WireJSONEncoder().encode(error)) == error)
        let minimal = try WireJSONDecoder().decode(RPCError.self, from: Array(#"{"code":"not_found","message":"x"}"#.utf8))
        #expect(minimal == RPCError(.notFound, "x"))
    }
}

@Suite("Internal wire JSON codec: free-form JSON")
struct WireCodecJSONValueTests {
    struct Event: Codable, Equatable { var properties: JSONValue }

    @Test("keeps number literals digit for digit")
    func exactNumbers() throws {
        let properties = try JSONParser.parse(#"{"tokens":9007199254740993,"price":12.50,"tiny":1e-8,"list":[1,"x",null,true],"nested":{"a":{}}}"#)
        let bytes = try WireJSONEncoder().encode(Event(properties: properties))
        #expect(try WireJSONDecoder().decode(Event.self, from: bytes) == Event(properties: properties))
        #expect(String(decoding: bytes, as: UTF8.self).contains("9007199254740993"))
    }
}
