import Foundation
import Testing

@testable import BillingCore

@Suite("Money")
struct MoneyTests {
    @Test(
        "parses exactly in the currency's minor units",
        arguments: [
            ("0.1", "BRL", Int64(10)),
            ("299.90", "BRL", Int64(29_990)),
            ("299.9", "BRL", Int64(29_990)),
            ("-0", "BRL", Int64(0)),
            ("1000", "JPY", Int64(1000)),
            ("1.234", "KWD", Int64(1234)),
            ("1.2345", "CLF", Int64(12345)),
            ("90071992547409.93", "BRL", Int64(9_007_199_254_740_993)),  // beyond 2^53 minor units
            ("92233720368547758.07", "USD", Int64.max),
            ("299.900", "BRL", Int64(29_990)),  // trailing zeros are not precision
        ])
    func parses(text: String, code: String, minorUnits: Int64) throws {
        let currency = try #require(Currency(code: code))
        #expect(try Money.parse(text, currency: currency).minorUnits == minorUnits)
    }

    @Test(
        "refuses more decimals than the currency has",
        arguments: [
            ("0.001", "BRL"), ("299.901", "BRL"), ("1.5", "JPY"), ("1.2345", "KWD"), ("1e-8", "USD"),
        ])
    func refusesTooManyDecimals(text: String, code: String) throws {
        let currency = try #require(Currency(code: code))
        #expect(throws: MoneyError.self) { try Money.parse(text, currency: currency) }
        do {
            _ = try Money.parse(text, currency: currency)
        } catch {
            #expect(error.description.contains("decimal places"))
        }
    }

    @Test("refuses values that do not fit Int64 minor units")
    func refusesOverflow() {
        #expect(throws: MoneyError.self) { try Money.parse("92233720368547758.08", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money.parse("1e30", currency: .brl) }
    }

    @Test("knows ISO 4217 exponents and refuses unknown codes")
    func currencies() {
        #expect(Currency(code: "BRL")?.minorUnitExponent == 2)
        #expect(Currency(code: "JPY")?.minorUnitExponent == 0)
        #expect(Currency(code: "BHD")?.minorUnitExponent == 3)
        #expect(Currency(code: "XXX") == nil)
        #expect(Currency(code: "brl") == nil)
    }

    @Test("formats with the currency's digits")
    func formats() throws {
        #expect(Money(minorUnits: 29_990, currency: .brl).amountText == "299.90")
        #expect(Money(minorUnits: -5, currency: .brl).amountText == "-0.05")
        #expect(Money(minorUnits: 1000, currency: .jpy).amountText == "1000")
    }

    @Test("arithmetic is checked and currency-safe")
    func arithmetic() throws {
        let price = Money(minorUnits: 29_990, currency: .brl)
        #expect(try price.multiplied(by: 3).minorUnits == 89_970)
        #expect(try price.adding(price).minorUnits == 59_980)
        #expect(throws: MoneyError.currencyMismatch(.brl, .usd)) { try price.adding(Money(minorUnits: 1, currency: .usd)) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .max, currency: .brl).adding(Money(minorUnits: 1, currency: .brl)) }
        // Stripe's proration example: $100 for 17 of 31 days, rounded once.
        #expect(try Money(minorUnits: 10_000, currency: .usd).scaled(numerator: 17, denominator: 31, rounding: .halfEven).minorUnits == 5484)
    }

    @Test("round-trips on the internal wire as digits")
    func codable() throws {
        let money = Money(minorUnits: 9_007_199_254_740_993, currency: .brl)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(money)
        #expect(String(decoding: data, as: UTF8.self) == #"{"amount":"90071992547409.93","currency":"BRL"}"#)
        #expect(try JSONDecoder().decode(Money.self, from: data) == money)
    }
}

@Suite("Credits")
struct CreditsTests {
    @Test(
        "parses up to eight decimals exactly",
        arguments: [
            ("0.1", Int64(10_000_000)), ("1e-8", Int64(1)), ("-0", Int64(0)), ("0.084", Int64(8_400_000)),
            ("300", Int64(30_000_000_000)), ("92233720368.54775807", Int64.max),
        ])
    func parses(text: String, units: Int64) throws {
        #expect(try Credits.parse(text).units == units)
    }

    @Test("refuses nine decimals and overflow", arguments: ["0.000000001", "1e-9", "92233720368.54775808", "x"])
    func refuses(text: String) {
        #expect(throws: CreditsError.self) { try Credits.parse(text) }
    }

    @Test("prints the shortest exact text and the fixed SQL text")
    func formats() throws {
        let credits = try Credits.parse("0.084")
        #expect(credits.text == "0.084")
        #expect(credits.fixedText == "0.08400000")
    }

    @Test(
        "rounds explicitly",
        arguments: [
            ("0.000000015", RoundingRule.halfEven, Int64(2)),
            ("0.000000025", RoundingRule.halfEven, Int64(2)),
            ("0.000000025", RoundingRule.halfUp, Int64(3)),
            ("0.000000021", RoundingRule.ceiling, Int64(3)),
            ("-0.000000021", RoundingRule.floor, Int64(-3)),
        ])
    func rounds(text: String, rule: RoundingRule, units: Int64) throws {
        #expect(try Credits(DecimalNumber(parsing: text), rounding: rule).units == units)
    }
}

@Suite("Money as people read it")
struct MoneyDisplayTests {
    @Test(
        "BRL in Brazilian style, others with the code",
        arguments: [
            ("1234.56", "BRL", "R$ 1.234,56"), ("0.07", "BRL", "R$ 0,07"), ("1234567.00", "BRL", "R$ 1.234.567,00"), ("-299.90", "BRL", "-R$ 299,90"),
            ("1234.5", "USD", "USD 1,234.50"), ("500", "JPY", "JPY 500"), ("999", "BRL", "R$ 999,00"),
        ])
    func display(_ row: (String, String, String)) throws {
        #expect(try Money.parse(row.0, currency: Currency(code: row.1)!).displayText == row.2)
    }
}

@Suite("Credits multiplied")
struct CreditsMultipliedTests {
    @Test("a package bought 3 times; overflow is an error, not a wrap")
    func multiplied() throws {
        #expect(try Credits.parse("300.5").multiplied(by: 3) == Credits.parse("901.5"))
        #expect(throws: CreditsError.self) { _ = try Credits(units: .max / 2).multiplied(by: 3) }
    }
}
