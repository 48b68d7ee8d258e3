/// Why a text is not an exact decimal number.
public enum DecimalParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a number in JSON number syntax (`-12.5`, `1e-8`).
    case malformed(String)
    /// More digits than an exact value can hold (38 significant, 30 fractional).
    case outOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let text): return "'\(text.prefix(40))' is not a decimal number"
        case .outOfRange(let text): return "'\(text.prefix(40))' has more digits than can be held exactly"
        }
    }
}

extension DecimalNumber {
    /// Parses JSON number syntax (`-?int(.frac)?([eE][+-]?exp)?`) from its digits.
    ///
    /// Throws ``DecimalParseError/malformed(_:)`` for anything else (including `NaN`, `.5`, `1.`, `+1`)
    /// and ``DecimalParseError/outOfRange(_:)`` when the digits do not fit exactly.
    public init(parsing text: some StringProtocol) throws(DecimalParseError) {
        var utf8 = Array(text.utf8)
        let original = String(text)
        guard !utf8.isEmpty else { throw .malformed(original) }
        var index = 0
        var negative = false
        if utf8[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var digits: Int128 = 0
        var significantDigits = 0
        var fractionDigits = 0
        var sawIntegerDigit = false

        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        func accumulate(_ byte: UInt8) throws(DecimalParseError) {
            if digits == 0 && byte == 48 { return }  // leading zeros carry no information
            significantDigits += 1
            guard significantDigits <= 38 else { throw .outOfRange(original) }
            digits = digits * 10 + Int128(byte - 48)
        }

        // Integer part: "0" or a non-zero digit followed by digits.
        guard index < utf8.count, isDigit(utf8[index]) else { throw .malformed(original) }
        if utf8[index] == 48 {
            index += 1
            sawIntegerDigit = true
            if index < utf8.count, isDigit(utf8[index]) { throw .malformed(original) }
        } else {
            while index < utf8.count, isDigit(utf8[index]) {
                try accumulate(utf8[index])
                sawIntegerDigit = true
                index += 1
            }
        }
        guard sawIntegerDigit else { throw .malformed(original) }

        if index < utf8.count, utf8[index] == UInt8(ascii: ".") {
            index += 1
            var sawFractionDigit = false
            while index < utf8.count, isDigit(utf8[index]) {
                if digits == 0 && utf8[index] == 48 {
                    // Leading fractional zeros still move the decimal point.
                } else {
                    try accumulate(utf8[index])
                }
                fractionDigits += 1
                sawFractionDigit = true
                index += 1
            }
            guard sawFractionDigit else { throw .malformed(original) }
        }

        var exponent = 0
        if index < utf8.count, utf8[index] == UInt8(ascii: "e") || utf8[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < utf8.count, utf8[index] == UInt8(ascii: "+") || utf8[index] == UInt8(ascii: "-") {
                exponentNegative = utf8[index] == UInt8(ascii: "-")
                index += 1
            }
            var sawExponentDigit = false
            while index < utf8.count, isDigit(utf8[index]) {
                exponent = exponent * 10 + Int(utf8[index] - 48)
                guard exponent < 10_000 else { throw .outOfRange(original) }
                sawExponentDigit = true
                index += 1
            }
            guard sawExponentDigit else { throw .malformed(original) }
            if exponentNegative { exponent = -exponent }
        }
        guard index == utf8.count else { throw .malformed(original) }
        utf8.removeAll()

        var scale = fractionDigits - exponent
        if digits == 0 {
            self = .zero
            return
        }
        // Trailing zeros of an exact value are not precision; strip them before range checks.
        while scale > 0 && digits % 10 == 0 {
            digits /= 10
            scale -= 1
        }
        if scale < 0 {
            guard let widened = DecimalNumber.multiply(digits, byPowerOfTen: -scale) else { throw .outOfRange(original) }
            digits = widened
            scale = 0
        }
        guard scale <= DecimalNumber.maximumScale else { throw .outOfRange(original) }
        self.init(significand: negative ? -digits : digits, scale: scale)
    }

    /// Plain decimal text without exponent: `-12.5`, `0.00000001`, `300`.
    public var text: String { formatted(minimumFractionDigits: 0) }

    /// Plain decimal text with at least `minimumFractionDigits` fractional digits (`299.90` for BRL).
    public func formatted(minimumFractionDigits: Int) -> String {
        let digitsScale = max(scale, minimumFractionDigits)
        let padded: Int128
        let shownScale: Int
        if let widened = exactSignificand(atScale: digitsScale) {
            (padded, shownScale) = (widened, digitsScale)
        } else {
            (padded, shownScale) = (significand, scale)  // too many digits to pad: show as is
        }
        var magnitude = String(padded.magnitude)
        if shownScale > 0 {
            if magnitude.count <= shownScale {
                magnitude = String(repeating: "0", count: shownScale - magnitude.count + 1) + magnitude
            }
            magnitude.insert(".", at: magnitude.index(magnitude.endIndex, offsetBy: -shownScale))
        }
        return padded < 0 ? "-" + magnitude : magnitude
    }
}

extension DecimalNumber: CustomStringConvertible, LosslessStringConvertible {
    public var description: String { text }

    public init?(_ description: String) {
        guard let value = try? DecimalNumber(parsing: description) else { return nil }
        self = value
    }
}

extension DecimalNumber: Codable {
    /// Decodes from a JSON string holding the digits (the internal wire form); never from a `Double`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try DecimalNumber(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
