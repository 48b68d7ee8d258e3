import BillingCore
import Foundation
import InvoicingContract

/// Bank transfer references and inputs (issue 29).
///
/// The reference is an ISO 11649 structured creditor reference: `RF`, two check digits, and up to 21 letters or digits (here the
/// invoice number without its dashes: `2026-000123` → `RF18…2026000123`). The check digits are ISO 7064 MOD 97-10, as an IBAN's:
/// the body followed by `RF00`, letters as 10 to 35, is taken mod 97, and the check is 98 minus that; a reference is valid when
/// its first four characters moved to the end give 1 mod 97. A mistyped reference (one wrong or two swapped characters) fails it.
enum BankTransferRules {
    /// The reference of an invoice numbered `number`; nil when the number has more than 21 letters or digits.
    static func reference(forInvoiceNumber number: String) -> String? {
        let body = String(number.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        guard (1...21).contains(body.count), let remainder = mod97(body + "RF00") else { return nil }
        let check = 98 - remainder
        return "RF" + (check < 10 ? "0" : "") + String(check) + body
    }

    /// A reference as typed, upper case without spaces; nil unless a valid ISO 11649 reference.
    static func normalized(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard compact.count >= 5, compact.count <= 25, compact.hasPrefix("RF"),
            compact.unicodeScalars.allSatisfy({ $0.isASCII && CharacterSet.alphanumerics.contains($0) }),
            compact.dropFirst(2).prefix(2).allSatisfy(\.isNumber)
        else { return nil }
        let rearranged = String(compact.dropFirst(4)) + String(compact.prefix(4))
        return mod97(rearranged) == 1 ? compact : nil
    }

    /// The number of `text` (digits as themselves, letters A–Z as 10–35) mod 97; nil for any other character.
    static func mod97(_ text: String) -> Int? {
        var remainder = 0
        for scalar in text.unicodeScalars {
            let value: Int
            switch scalar {
            case "0"..."9": value = Int(scalar.value - 48)
            case "A"..."Z": value = Int(scalar.value - 55)
            default: return nil
            }
            remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97
        }
        return remainder
    }

    /// The tenant's bank account checked (each field named when wrong) and tidied.
    static func account(_ details: BankAccountDetails) throws(InvoicingError) -> BankAccountDetails {
        var result = details
        let field = "bankAccount"
        let digits = { (text: String) in text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        guard details.bankCode.count == 3, digits(details.bankCode) else {
            throw .invalid("\(field).bankCode", "bankCode is the bank's 3-digit COMPE code (e.g. 001, 341)")
        }
        result.bankName = details.bankName.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(result.bankName.count) else { throw .invalid("\(field).bankName", "bankName must have 1 to 100 characters") }
        func numbered(_ value: String, name: String, maximum: Int) throws(InvoicingError) {
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), (1...maximum).contains(parts[0].count), digits(String(parts[0])),
                parts.count == 1 || (parts[1].count == 1 && (digits(String(parts[1])) || parts[1] == "X" || parts[1] == "x"))
            else {
                throw .invalid("\(field).\(name)", "\(name) must be 1 to \(maximum) digits, optionally '-' and a check digit (0-9 or X)")
            }
        }
        try numbered(details.branch, name: "branch", maximum: 10)
        try numbered(details.accountNumber, name: "accountNumber", maximum: 20)
        result.holderName = details.holderName.trimmingCharacters(in: .whitespaces)
        guard (1...200).contains(result.holderName.count) else {
            throw .invalid("\(field).holderName", "holderName must have 1 to 200 characters")
        }
        do {
            let bare = details.holderTaxId.filter(\.isNumber)
            result.holderTaxId = bare.count == 11 ? try BrazilianTaxID.normalizedCPF(bare) : try BrazilianTaxID.normalizedCNPJ(bare)
        } catch {
            throw .invalid("\(field).holderTaxId", "holderTaxId must be a valid CNPJ or CPF: \(error)")
        }
        return result
    }

    /// A statement date `YYYY-MM-DD`, not after `today` (UTC) plus a day for time zones.
    static func receivedOn(_ text: String, today: Date) throws(InvoicingError) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (2000...9999).contains(year),
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
            calendar.component(.month, from: date) == month, calendar.component(.day, from: date) == day
        else {
            throw .invalid("receivedOn", "receivedOn must be a date as YYYY-MM-DD (e.g. 2026-03-05)")
        }
        guard date <= today.addingTimeInterval(86_400) else { throw .invalid("receivedOn", "receivedOn must not be in the future") }
        return text
    }
}
