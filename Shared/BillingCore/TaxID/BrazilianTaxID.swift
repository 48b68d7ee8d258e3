/// Brazilian taxpayer ids: CPF (people, 11 digits) and CNPJ (companies, 14 characters).
///
/// Both accept the formatted (`123.456.789-09`, `12.345.678/0001-95`) or bare form. CNPJ also accepts
/// the alphanumeric form in force since July 2026 (`12.ABC.345/01DE-35`): the first twelve characters
/// may be letters, valued as their ASCII code minus 48, and the two check digits stay numeric.
public enum BrazilianTaxID {
    /// The bare, upper-case form of a valid CPF, or why it is not one.
    public static func normalizedCPF(_ text: String) throws(TaxIDError) -> String {
        let characters = try bareCharacters(text, allowLetters: false)
        guard characters.count == 11 else { throw .wrongLength(kind: "CPF", expected: 11, actual: characters.count) }
        let values = characters.map { Int($0) - 48 }
        guard Set(values).count > 1 else { throw .repeatedDigits(kind: "CPF") }
        let first = cpfCheckDigit(values.prefix(9), firstWeight: 10)
        let second = cpfCheckDigit(values.prefix(10), firstWeight: 11)
        guard values[9] == first, values[10] == second else { throw .checkDigitsMismatch(kind: "CPF") }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The bare, upper-case form of a valid CNPJ (numeric or alphanumeric), or why it is not one.
    public static func normalizedCNPJ(_ text: String) throws(TaxIDError) -> String {
        let characters = try bareCharacters(text, allowLetters: true)
        guard characters.count == 14 else { throw .wrongLength(kind: "CNPJ", expected: 14, actual: characters.count) }
        guard characters.suffix(2).allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .invalidCharacters(kind: "CNPJ") }
        let values = characters.map { Int($0) - 48 }
        guard Set(values).count > 1 else { throw .repeatedDigits(kind: "CNPJ") }
        let first = cnpjCheckDigit(values.prefix(12))
        let second = cnpjCheckDigit(values.prefix(13))
        guard values[12] == first, values[13] == second else { throw .checkDigitsMismatch(kind: "CNPJ") }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The printed form of a bare CPF (`123.456.789-09`) or CNPJ (`12.345.678/0001-95`); other text unchanged.
    public static func formatted(_ bare: String) -> String {
        let characters = Array(bare)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        switch characters.count {
        case 11 where characters.allSatisfy(\.isNumber):
            return "\(part(0..<3)).\(part(3..<6)).\(part(6..<9))-\(part(9..<11))"
        case 14 where characters.allSatisfy({ $0.isNumber || ($0.isUppercase && $0.isASCII) }):
            return "\(part(0..<2)).\(part(2..<5)).\(part(5..<8))/\(part(8..<12))-\(part(12..<14))"
        default:
            return bare
        }
    }

    /// Strips the usual separators (`.`, `/`, `-`, spaces) and upper-cases letters.
    private static func bareCharacters(_ text: String, allowLetters: Bool) throws(TaxIDError) -> [UInt8] {
        var result: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: " "): continue
            case 48...57: result.append(byte)
            case 65...90 where allowLetters: result.append(byte)
            case 97...122 where allowLetters: result.append(byte - 32)
            default: throw .invalidCharacters(kind: allowLetters ? "CNPJ" : "CPF")
            }
        }
        return result
    }

    private static func cpfCheckDigit(_ values: ArraySlice<Int>, firstWeight: Int) -> Int {
        var sum = 0
        for (offset, value) in values.enumerated() { sum += value * (firstWeight - offset) }
        let remainder = sum * 10 % 11
        return remainder == 10 ? 0 : remainder
    }

    private static func cnpjCheckDigit(_ values: ArraySlice<Int>) -> Int {
        // Weights run 2...9 from the right, repeating.
        var sum = 0
        for (offset, value) in values.reversed().enumerated() { sum += value * (2 + offset % 8) }
        let remainder = sum % 11
        return remainder < 2 ? 0 : 11 - remainder
    }
}

/// Why a text is not a valid CPF or CNPJ.
public enum TaxIDError: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongLength(kind: String, expected: Int, actual: Int)
    case invalidCharacters(kind: String)
    case repeatedDigits(kind: String)
    case checkDigitsMismatch(kind: String)

    public var description: String {
        switch self {
        case .wrongLength(let kind, let expected, let actual):
            return "\(kind) must have \(expected) characters without punctuation (got \(actual))"
        case .invalidCharacters(let kind):
            return kind == "CPF"
                ? "CPF may only contain digits, '.' and '-'" : "CNPJ may only contain letters, digits, '.', '/' and '-' (check digits numeric)"
        case .repeatedDigits(let kind): return "\(kind) cannot be one repeated digit"
        case .checkDigitsMismatch(let kind): return "\(kind) check digits are wrong"
        }
    }
}
