import Testing

@testable import BillingCore

@Suite("Exact decimal parsing")
struct DecimalNumberTests {
    // Digits are passed as text: Int128 test arguments crash Swift Testing on Linux.
    @Test(
        "parses JSON number syntax exactly",
        arguments: [
            ("0.1", "1", 1),
            ("299.90", "2999", 1),
            ("1e-8", "1", 8),
            ("-0", "0", 0),
            ("-0.0", "0", 0),
            ("12E2", "1200", 0),
            ("1.5e+1", "15", 0),
            ("0.00000001", "1", 8),
            ("9007199254740993", "9007199254740993", 0),
            ("-123.4500", "-12345", 2),
            ("123456789012345678901234567890.12345678", "12345678901234567890123456789012345678", 8),
        ])
    func parses(text: String, significand: String, scale: Int) throws {
        let value = try DecimalNumber(parsing: text)
        #expect(value.significand == Int128(significand))
        #expect(value.scale == scale)
    }

    @Test(
        "refuses what is not a JSON number",
        arguments: [
            "", "-", ".5", "1.", "+1", "01", "1e", "1e+", "NaN", "Infinity", "0x10", "1,5", " 1", "1 ", "--1", "1.2.3",
        ])
    func refusesMalformed(text: String) {
        #expect(throws: DecimalParseError.malformed(text)) { try DecimalNumber(parsing: text) }
    }

    @Test(
        "refuses more digits than fit exactly",
        arguments: [
            "123456789012345678901234567890123456789", "1e-31", "1e40",
        ])
    func refusesOutOfRange(text: String) {
        #expect(throws: DecimalParseError.outOfRange(text)) { try DecimalNumber(parsing: text) }
    }

    @Test("equal values compare equal whatever their trailing zeros")
    func normalises() throws {
        #expect(try DecimalNumber(parsing: "1.50") == DecimalNumber(parsing: "1.5"))
        #expect(try DecimalNumber(parsing: "-0") == DecimalNumber.zero)
        #expect(try DecimalNumber(parsing: "0.1") < DecimalNumber(parsing: "0.10000001"))
        #expect(try DecimalNumber(parsing: "-2") < DecimalNumber(parsing: "-1.99"))
    }

    @Test(
        "formats without exponent",
        arguments: [
            ("1e-8", "0.00000001"), ("299.90", "299.9"), ("-0.5", "-0.5"), ("12E2", "1200"), ("0", "0"),
        ])
    func formats(text: String, expected: String) throws {
        #expect(try DecimalNumber(parsing: text).text == expected)
    }

    @Test("formats with a minimum number of decimals")
    func formatsPadded() throws {
        #expect(try DecimalNumber(parsing: "299.9").formatted(minimumFractionDigits: 2) == "299.90")
        #expect(try DecimalNumber(parsing: "-0.05").formatted(minimumFractionDigits: 2) == "-0.05")
        #expect(try DecimalNumber(parsing: "7").formatted(minimumFractionDigits: 3) == "7.000")
        #expect(DecimalNumber.zero.formatted(minimumFractionDigits: 2) == "0.00")
        #expect(Money.zero(.brl).amountText == "0.00")
    }
}

@Suite("Rounding rules")
struct RoundingRuleTests {
    // (value, halfEven, halfUp, ceiling, floor, towardZero) rounded to an integer.
    @Test(
        "every rule at and around the .5 boundary",
        arguments: [
            ("2.5", 2, 3, 3, 2, 2),
            ("3.5", 4, 4, 4, 3, 3),
            ("-2.5", -2, -3, -2, -3, -2),
            ("-3.5", -4, -4, -3, -4, -3),
            ("2.4999999", 2, 2, 3, 2, 2),
            ("2.5000001", 3, 3, 3, 2, 2),
            ("-2.5000001", -3, -3, -2, -3, -2),
            ("0.5", 0, 1, 1, 0, 0),
            ("-0.5", 0, -1, 0, -1, 0),
            ("7", 7, 7, 7, 7, 7),
            ("0.0000001", 0, 0, 1, 0, 0),
            ("-0.0000001", 0, 0, 0, -1, 0),
        ] as [(String, Int, Int, Int, Int, Int)])
    func roundsToInteger(text: String, halfEven: Int, halfUp: Int, ceiling: Int, floor: Int, towardZero: Int) throws {
        let value = try DecimalNumber(parsing: text)
        #expect(value.significand(atScale: 0, rounding: .halfEven) == Int128(halfEven))
        #expect(value.significand(atScale: 0, rounding: .halfUp) == Int128(halfUp))
        #expect(value.significand(atScale: 0, rounding: .ceiling) == Int128(ceiling))
        #expect(value.significand(atScale: 0, rounding: .floor) == Int128(floor))
        #expect(value.significand(atScale: 0, rounding: .towardZero) == Int128(towardZero))
    }

    @Test(
        "integer division rounds by the rule",
        arguments: [
            (Int64(1300), Int64(1000), RoundingRule.ceiling, Int64(2)),
            (1000, 1000, .ceiling, 1),
            (1001, 1000, .ceiling, 2),
            (5, 2, .halfEven, 2),
            (7, 2, .halfEven, 4),
            (-7, 2, .halfUp, -4),
            (7, -2, .floor, -4),
        ] as [(Int64, Int64, RoundingRule, Int64)])
    func divides(dividend: Int64, divisor: Int64, rule: RoundingRule, expected: Int64) {
        #expect(rule.divide(Int128(dividend), by: Int128(divisor)) == Int128(expected))
    }
}
