import Foundation
import Testing

@testable import BillingCore

@Suite("JSON parsing and exact decoding")
struct JSONTests {
    @Test("keeps number literals as written")
    func keepsNumbers() throws {
        let value = try JSONParser.parse(#"{"basePrice": 299.90, "tiny": 1e-8, "big": 9007199254740993}"#)
        #expect(value["basePrice"] == .number("299.90"))
        #expect(value["tiny"] == .number("1e-8"))
        #expect(value["big"]?.decimalValue == DecimalNumber(9_007_199_254_740_993))
    }

    @Test(
        "refuses malformed documents with the offset",
        arguments: [
            "", "{", #"{"a":1,}"#, #"{"a" 1}"#, "[1 2]", #"{"a":01}"#, #""\x""#, "nul", #"{"a":1}x"#,
            #"{"a":1,"a":2}"#, #""\uD800""#, "[\"\u{01}\"]",
        ])
    func refusesMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("refuses invalid UTF-8 and deep nesting")
    func refusesInvalidBytes() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test("decodes escapes and surrogate pairs")
    func escapes() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\n", "\u00e9\ud83d\ude00"]"#)
        #expect(value == .array([.string("a\"b\\c\n"), .string("é😀")]))
    }

    @Test("writes what it parsed")
    func roundTrip() throws {
        let text = #"{"b":[1,2.50,null,true],"a":"x\"y","c":{}}"#
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
    }

    struct Attributes: Codable, Equatable {
        var name: String
        var basePrice: DecimalNumber
        var trialDays: Int?
        var credits: Credits?
        var startsAt: Date?
        var tags: [String]?
    }

    @Test("decodes exact numbers and reports unknown keys by pointer")
    func decodes() throws {
        let json = try JSONParser.parse(#"{"name":"Plano Pro","basePrice":299.90,"credits":"0.084","startsAt":"2026-01-31T10:00:00Z"}"#)
        let decoded = try JSONValueDecoder().decode(Attributes.self, from: json)
        #expect(decoded.basePrice == (try DecimalNumber(parsing: "299.9")))
        #expect(decoded.credits == (try Credits.parse("0.084")))
        #expect(decoded.startsAt == RFC3339.parse("2026-01-31T10:00:00Z"))

        let unknown = try JSONParser.parse(#"{"name":"x","basePrice":1,"colour":"red"}"#)
        #expect(throws: JSONDecodingFailure(pointer: "/data/attributes/colour", message: "unknown attribute 'colour'", unknownKeys: ["colour"])) {
            try JSONValueDecoder().decode(Attributes.self, from: unknown, pointerPrefix: "/data/attributes")
        }
    }

    @Test("names the field of a wrong type or a missing value")
    func wrongTypes() throws {
        let wrongType = try JSONParser.parse(#"{"name":"x","basePrice":1,"trialDays":"14"}"#)
        do {
            _ = try JSONValueDecoder().decode(Attributes.self, from: wrongType, pointerPrefix: "/data/attributes")
            Issue.record("expected a failure")
        } catch {
            #expect(error.pointer == "/data/attributes/trialDays")
            #expect(error.message.contains("integer"))
        }
        let missing = try JSONParser.parse(#"{"basePrice":1}"#)
        do {
            _ = try JSONValueDecoder().decode(Attributes.self, from: missing)
            Issue.record("expected a failure")
        } catch {
            #expect(error.pointer == "/name")
            #expect(error.message == "is required")
        }
        let fraction = try JSONParser.parse(#"{"name":"x","basePrice":1,"trialDays":1.5}"#)
        #expect(throws: JSONDecodingFailure.self) { try JSONValueDecoder().decode(Attributes.self, from: fraction) }
    }

    @Test("free-form JSON members decode as they are, numbers included")
    func freeForm() throws {
        struct Wrapper: Codable, Equatable { var data: JSONValue }
        let json = try JSONParser.parse(#"{"data":{"n":12.50,"list":[1,null,"x"],"deep":{"t":true}}}"#)
        #expect(try JSONValueDecoder().decode(Wrapper.self, from: json).data == json["data"])
    }

    @Test("encodes decimals as exact number literals and absent optionals as null")
    func encodes() throws {
        let value = Attributes(
            name: "n", basePrice: try DecimalNumber(parsing: "299.90"), trialDays: nil, credits: try Credits.parse("0.084"),
            startsAt: RFC3339.parse("2026-02-28T00:00:00.5Z"), tags: ["a"])
        let json = try JSONValueEncoder().encode(value)
        #expect(
            JSONWriter.string(json)
                == #"{"name":"n","basePrice":299.9,"trialDays":null,"credits":0.084,"startsAt":"2026-02-28T00:00:00.5Z","tags":["a"]}"#)
    }
}

@Suite("RFC 3339")
struct RFC3339Tests {
    @Test(
        "round-trips with microseconds",
        arguments: [
            "2026-11-21T15:34:00Z", "2024-02-29T23:59:59.999999Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z", "2200-02-28T12:00:00.000001Z",
        ])
    func roundTrips(text: String) throws {
        let date = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(date) == text)
    }

    @Test("instants are stored by PostgresNIO as the microsecond they format as, and truncation is idempotent")
    func storableInstants() {
        let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
        var moved = 0
        for _ in 0..<200_000 {
            let micros = Int64.random(in: 1_700_000_000_000_000...1_900_000_000_000_000)
            let instant = RFC3339.instant(microsecondsSince1970: micros)
            // What PostgresNIO writes: whole microseconds since 2000, truncated.
            let stored = Int64(instant.timeIntervalSince(postgresEpoch) * 1_000_000) + 946_684_800_000_000
            #expect(stored == micros || stored == micros + 1, "\(micros)")
            if stored != micros { moved += 1 }
            #expect(RFC3339.parse(RFC3339.format(instant)) == instant)
            #expect(RFC3339.truncatedToMicroseconds(instant) == instant)
        }
        #expect(moved < 200, "only rare microseconds move: \(moved)")
    }

    @Test("applies offsets and refuses impossible dates")
    func offsets() {
        #expect(RFC3339.parse("2026-01-01T00:00:00-03:00") == RFC3339.parse("2026-01-01T03:00:00Z"))
        #expect(RFC3339.parse("2025-02-29T00:00:00Z") == nil)
        #expect(RFC3339.parse("2026-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("2026-01-01") == nil)
        #expect(RFC3339.parse("2026-01-01T00:00:00") == nil)
        #expect(RFC3339.parse("2026-01-01T00:00:00.1234567Z") != nil)
    }
}

@Suite("UUIDv7")
struct UUIDv7Tests {
    @Test("is version 7, variant 10, and strictly increasing")
    func ordered() {
        var previous = UUIDv7.generate().text
        for _ in 0..<5000 {
            let next = UUIDv7.generate().text
            #expect(next > previous)
            let characters = Array(next)
            #expect(characters[14] == "7")
            #expect("89ab".contains(characters[19]))
            previous = next
        }
    }
}
