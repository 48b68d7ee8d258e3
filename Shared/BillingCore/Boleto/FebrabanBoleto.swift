import Foundation

/// A boleto de cobrança as FEBRABAN lays it out: the 44-digit bar code — bank (3), currency (1, `9` = real), general check digit
/// (1, modulus 11), due-date factor (4), amount in cents (10), the bank's free field (25) — and the 47-digit linha digitável that
/// splits it into three fields of 10 digits each closed by a modulus-10 check digit (bank, currency and the free field's first 5;
/// its next 10; its last 10), then the general check digit, the factor and the amount.
///
/// Built from our own numbers, or read from what a bank answers and verified digit by digit: a bank's code is shown only when
/// its check digits and its content (bank, amount, due date, our number in the free field) agree with ours.
public struct FebrabanBoleto: Sendable, Equatable {
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    /// 44 digits.
    public let barcode: String

    /// Builds the bar code; `dueFactor` 0 is "no due date". `freeField` is the bank's 25 digits.
    public init(bank: String, currency: String = "9", dueFactor: Int, amountMinor: Int64, freeField: String) throws(Invalid) {
        guard bank.count == 3, Self.digitsOnly(bank) else { throw Invalid(message: "the bank code has 3 digits") }
        guard currency.count == 1, Self.digitsOnly(currency) else { throw Invalid(message: "the currency code is 1 digit") }
        guard dueFactor == 0 || (1_000...9_999).contains(dueFactor) else { throw Invalid(message: "the due-date factor is 0 or 1000 to 9999") }
        guard (0...9_999_999_999).contains(amountMinor) else { throw Invalid(message: "the amount has at most 10 digits in cents") }
        guard freeField.count == 25, Self.digitsOnly(freeField) else { throw Invalid(message: "the free field has 25 digits") }
        let factor = String(format: "%04d", dueFactor)
        let amount = String(format: "%010lld", amountMinor)
        let withoutCheck = bank + currency + factor + amount + freeField
        barcode = bank + currency + String(Self.modulus11(withoutCheck)) + factor + amount + freeField
    }

    /// Reads a bar code (44 digits) and verifies its general check digit.
    public init(barcode text: String) throws(Invalid) {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count == 44, Self.digitsOnly(digits) else { throw Invalid(message: "a boleto bar code has 44 digits") }
        let chars = Array(digits)
        let rest = String(chars[0..<4]) + String(chars[5...])
        guard let given = chars[4].wholeNumberValue, given == Self.modulus11(rest) else {
            throw Invalid(message: "the bar code's general check digit (position 5) does not match modulus 11")
        }
        barcode = digits
    }

    /// Reads a linha digitável (47 digits; dots and spaces allowed) and verifies its three field check digits and the general one.
    public init(digitableLine text: String) throws(Invalid) {
        let digits = text.filter { $0 != "." && !$0.isWhitespace }
        guard digits.count == 47, Self.digitsOnly(digits) else { throw Invalid(message: "a linha digitável has 47 digits") }
        let chars = Array(digits)
        for (number, range) in [(1, 0..<10), (2, 10..<21), (3, 21..<32)] {
            let field = String(chars[range])
            guard field.last?.wholeNumberValue == Self.modulus10(String(field.dropLast())) else {
                throw Invalid(message: "the check digit of field \(number) of the linha digitável does not match modulus 10")
            }
        }
        let barcode =
            String(chars[0..<4]) + String(chars[32]) + String(chars[33..<47]) + String(chars[4..<9]) + String(chars[10..<20])
            + String(chars[21..<31])
        try self.init(barcode: barcode)
    }

    public var bank: String { String(barcode.prefix(3)) }
    public var currency: String { String(Array(barcode)[3]) }
    public var dueFactor: Int { Int(String(Array(barcode)[5..<9]))! }
    public var amountMinor: Int64 { Int64(String(Array(barcode)[9..<19]))! }
    public var freeField: String { String(barcode.suffix(25)) }

    /// The 47 digits, unformatted.
    public var digitableLine: String {
        let chars = Array(barcode)
        let first = String(chars[0..<4]) + String(chars[19..<24])
        let second = String(chars[24..<34])
        let third = String(chars[34..<44])
        return first + String(Self.modulus10(first)) + second + String(Self.modulus10(second)) + third + String(Self.modulus10(third))
            + String(chars[4]) + String(chars[5..<19])
    }

    /// `AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE`, as printed on the boleto.
    public var formattedDigitableLine: String {
        let l = Array(digitableLine)
        func part(_ range: Range<Int>) -> String { String(l[range]) }
        return "\(part(0..<5)).\(part(5..<10)) \(part(10..<15)).\(part(15..<21)) \(part(21..<26)).\(part(26..<32)) \(part(32..<33)) \(part(33..<47))"
    }

    // MARK: Due-date factor

    /// Days since 1997-10-07, restarted at 1000 on 2025-02-22 (when it reached 9999) and every 9000 days after.
    public static func dueFactor(year: Int, month: Int, day: Int) throws(Invalid) -> Int {
        guard let days = daysSinceBase(year: year, month: month, day: day), days >= 1_000 else {
            throw Invalid(message: "a due date before 2000-07-03 has no factor")
        }
        return (days - 1_000) % 9_000 + 1_000
    }

    /// The factor of a `YYYY-MM-DD` day.
    public static func dueFactor(day text: String) throws(Invalid) -> Int {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { throw Invalid(message: "'\(text)' is not a YYYY-MM-DD day") }
        return try dueFactor(year: parts[0], month: parts[1], day: parts[2])
    }

    private static func daysSinceBase(year: Int, month: Int, day: Int) -> Int? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let base = calendar.date(from: DateComponents(year: 1997, month: 10, day: 7, hour: 12)),
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)),
            calendar.component(.day, from: date) == day
        else { return nil }
        return calendar.dateComponents([.day], from: base, to: date).day
    }

    // MARK: Check digits

    /// Weights 2, 1, 2, 1… from the right; a two-digit product counts the sum of its digits; 10 − (sum mod 10), 10 → 0.
    public static func modulus10(_ digits: String) -> Int {
        var sum = 0
        for (index, char) in digits.reversed().enumerated() {
            let product = (char.wholeNumberValue ?? 0) * (index % 2 == 0 ? 2 : 1)
            sum += product > 9 ? product - 9 : product
        }
        return (10 - sum % 10) % 10
    }

    /// The general check digit: weights 2 to 9 from the right, 11 − (sum mod 11); 0, 10 and 11 become 1.
    public static func modulus11(_ digits: String) -> Int {
        var sum = 0
        for (index, char) in digits.reversed().enumerated() { sum += (char.wholeNumberValue ?? 0) * (2 + index % 8) }
        let digit = 11 - sum % 11
        return digit == 0 || digit == 10 || digit == 11 ? 1 : digit
    }

    private static func digitsOnly(_ text: String) -> Bool { text.allSatisfy { $0.isASCII && $0.isNumber } }
}

/// The bar code as FEBRABAN prints it: Interleaved 2 of 5 (ITF), narrow bars 1 unit and wide ones 3, the start pattern
/// narrow-bar narrow-space twice, the stop pattern wide bar, narrow space, narrow bar; drawn as SVG rectangles.
public enum ITFBarcode {
    /// n = narrow, w = wide, for the digits 0–9.
    public static let patterns: [String] = ["nnwwn", "wnnnw", "nwnnw", "wwnnn", "nnwnw", "wnwnn", "nwwnn", "nnnww", "wnnwn", "nwnwn"]

    /// Widths in units, alternating bar and space, starting with a bar; nil unless an even number of digits.
    public static func modules(_ digits: String) -> [Int]? {
        let values = digits.compactMap(\.wholeNumberValue)
        guard values.count == digits.count, !values.isEmpty, values.count % 2 == 0 else { return nil }
        var widths = [1, 1, 1, 1]
        for pair in stride(from: 0, to: values.count, by: 2) {
            let bars = Array(patterns[values[pair]]), spaces = Array(patterns[values[pair + 1]])
            for index in 0..<5 {
                widths.append(bars[index] == "w" ? 3 : 1)
                widths.append(spaces[index] == "w" ? 3 : 1)
            }
        }
        widths += [3, 1, 1]
        return widths
    }

    /// An SVG of the bar code, `unit` user units per narrow module and a quiet zone of 10 modules each side.
    public static func svg(_ digits: String, unit: Int = 1, height: Int = 50) -> String? {
        guard let widths = modules(digits) else { return nil }
        let quiet = 10 * unit
        var x = quiet
        var rects = ""
        for (index, width) in widths.enumerated() {
            let w = width * unit
            if index % 2 == 0 { rects += "<rect x=\"\(x)\" y=\"0\" width=\"\(w)\" height=\"\(height)\"/>" }
            x += w
        }
        let total = x + quiet
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(height)\" width=\"\(total)\" height=\"\(height)\" "
            + "role=\"img\" aria-label=\"\(digits)\" shape-rendering=\"crispEdges\"><rect width=\"\(total)\" height=\"\(height)\" fill=\"#fff\"/>"
            + "<g fill=\"#000\">\(rects)</g></svg>"
    }
}
