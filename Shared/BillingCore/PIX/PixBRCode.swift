import Foundation

/// A PIX "copia e cola" payload: an EMV® merchant-presented QR code as the Banco Central do Brasil's BR Code manual defines it.
///
/// Fields (ID, two-digit length, value): 00 payload format `01`; 26 merchant account information with 00 GUI `br.gov.bcb.pix`,
/// 01 the PIX key and 02 an optional description; 52 merchant category `0000`; 53 currency `986` (BRL); 54 the amount when there
/// is one; 58 country `BR`; 59 merchant name (≤ 25); 60 merchant city (≤ 15); 62 additional data with 05 the txid (≤ 25
/// letters and digits, `***` when none); 63 the CRC16-CCITT (polynomial 0x1021, initial 0xFFFF) of everything before it,
/// `6304` included, as four upper-case hex digits. Texts are folded to ASCII, since lengths count characters and readers
/// expect ASCII.
///
/// A dynamic code (a charge a PSP holds, API Pix) carries instead 01 point of initiation `12` (single use), the merchant account's
/// 25 with the charge's location URL (no scheme) in place of the key, no amount (the payer's bank reads it from the location) and
/// txid `***`.
public struct PixBRCode: Sendable, Equatable {
    /// The receiving key of a static code; empty in a dynamic one.
    public let key: String
    /// The payload location of a dynamic code.
    public let location: String?
    public let merchantName: String
    public let merchantCity: String
    /// In BRL, exact to the centavo; nil lets the payer type it.
    public let amount: Money?
    public let txid: String?
    public let description: String?

    public init(
        key: String, merchantName: String, merchantCity: String, amount: Money?, txid: String?, description: String? = nil
    ) throws(PixBRCodeError) {
        let key = key.trimmingCharacters(in: .whitespaces)
        guard (1...77).contains(key.count) else { throw .invalid("key", "a PIX key has 1 to 77 characters") }
        let name = Self.ascii(merchantName), city = Self.ascii(merchantCity)
        guard !name.isEmpty else { throw .invalid("merchantName", "the merchant name is required") }
        guard !city.isEmpty else { throw .invalid("merchantCity", "the merchant city is required") }
        if let amount {
            guard amount.currency.code == "BRL" else { throw .invalid("amount", "PIX amounts are in BRL") }
            guard amount.minorUnits > 0 else { throw .invalid("amount", "a PIX amount must be positive") }
        }
        if let txid {
            guard (1...25).contains(txid.count),
                txid.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
            else {
                throw .invalid("txid", "a txid has 1 to 25 letters and digits")
            }
        }
        self.key = key
        self.location = nil
        self.merchantName = String(name.prefix(25))
        self.merchantCity = String(city.prefix(15))
        self.amount = amount
        self.txid = txid
        self.description = description.map(Self.ascii).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A dynamic code pointing at a PSP's charge: `location` is its URL without the scheme (at most 77 characters).
    public init(location: String, merchantName: String, merchantCity: String) throws(PixBRCodeError) {
        var location = location.trimmingCharacters(in: .whitespaces)
        if let range = location.range(of: "://") { location = String(location[range.upperBound...]) }
        guard (1...77).contains(location.count), location.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
            throw .invalid("location", "a charge's location has 1 to 77 printable ASCII characters")
        }
        let name = Self.ascii(merchantName), city = Self.ascii(merchantCity)
        guard !name.isEmpty else { throw .invalid("merchantName", "the merchant name is required") }
        guard !city.isEmpty else { throw .invalid("merchantCity", "the merchant city is required") }
        self.key = ""
        self.location = location
        self.merchantName = String(name.prefix(25))
        self.merchantCity = String(city.prefix(15))
        self.amount = nil
        self.txid = nil
        self.description = nil
    }

    /// The "copia e cola" text, CRC included.
    public var payload: String {
        if let location {
            var text = Self.field("00", "01") + Self.field("01", "12")
            text += Self.field("26", Self.field("00", "br.gov.bcb.pix") + Self.field("25", location))
            text += Self.field("52", "0000") + Self.field("53", "986") + Self.field("58", "BR") + Self.field("59", merchantName)
            text += Self.field("60", merchantCity) + Self.field("62", Self.field("05", "***")) + "6304"
            return text + Self.crc16(text)
        }
        var account = Self.field("00", "br.gov.bcb.pix") + Self.field("01", key)
        if let description {
            // The merchant account template holds at most 99 characters: the description gets what is left.
            let room = 99 - account.count - 4
            if room > 0 { account += Self.field("02", String(description.prefix(room))) }
        }
        var text = Self.field("00", "01") + Self.field("26", account) + Self.field("52", "0000") + Self.field("53", "986")
        if let amount { text += Self.field("54", amount.amountText) }
        text += Self.field("58", "BR") + Self.field("59", merchantName) + Self.field("60", merchantCity)
        text += Self.field("62", Self.field("05", txid ?? "***")) + "6304"
        return text + Self.crc16(text)
    }

    /// The ID-length-value fields of a payload (or of a template such as 26 or 62), in order; nil when the lengths do not add up.
    public static func fields(of text: String) -> [(id: String, value: String)]? {
        var fields: [(id: String, value: String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.count >= 4, let length = Int(rest.dropFirst(2).prefix(2)), rest.count >= 4 + length else { return nil }
            fields.append((String(rest.prefix(2)), String(rest.dropFirst(4).prefix(length))))
            rest = rest.dropFirst(4 + length)
        }
        return fields
    }

    /// CRC16-CCITT-FALSE of the text's bytes, as four upper-case hex digits.
    public static func crc16(_ text: String) -> String {
        var crc: UInt16 = 0xFFFF
        for byte in text.utf8 {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        let hex = String(crc, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }

    private static func field(_ id: String, _ value: String) -> String {
        precondition(value.count <= 99, "an EMV field holds at most 99 characters")
        return id + (value.count < 10 ? "0" : "") + String(value.count) + value
    }

    /// Accents removed and anything else outside printable ASCII dropped ("São Paulo" → "Sao Paulo").
    static func ascii(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return String(String.UnicodeScalarView(folded.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }))
            .trimmingCharacters(in: .whitespaces)
    }
}

/// What is wrong with a BR Code's inputs: the field and why.
public struct PixBRCodeError: Error, Sendable, Equatable {
    public let field: String
    public let message: String
    static func invalid(_ field: String, _ message: String) -> PixBRCodeError { PixBRCodeError(field: field, message: message) }
}
