import Foundation

/// An e-mail address with an optional display name: `Zoë Souza <zoe@example.com>`.
///
/// The address is checked once, when made: ASCII only (no SMTPUTF8), exactly one `@`, a dot-atom local part and a host
/// name domain, so it can go into an SMTP command or a header as it is (no CR, LF, spaces, `<`, `>`, quotes or commas).
/// The display name may be anything: it is rendered quoted or as RFC 2047 encoded-words, line breaks become spaces.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    /// `local@domain`, as given.
    public let email: String
    /// What mail clients show instead of, or beside, the address.
    public var name: String?

    /// `nil` when `email` is not an address ``isValid(email:)`` accepts.
    public init?(email: String, name: String? = nil) {
        guard Self.isValid(email: email) else { return nil }
        self.email = email
        self.name = name
    }

    /// From `billing@example.com`, `<billing@example.com>`, `Billing <billing@example.com>` or
    /// `"Billing, Inc." <billing@example.com>` (configuration values); `nil` when the address is invalid or text follows it.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.hasSuffix(">") else {
            self.init(email: text)
            return
        }
        guard let open = text.lastIndex(of: "<") else { return nil }
        let email = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        var name = text[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") {
            var unquoted = ""
            var escaped = false
            for character in name.dropFirst().dropLast() {
                if !escaped && character == "\\" {
                    escaped = true
                    continue
                }
                unquoted.append(character)
                escaped = false
            }
            name = unquoted
        }
        self.init(email: email, name: name.isEmpty ? nil : name)
    }

    /// Whether `email` is `local@domain` with a dot-atom local part (at most 64 characters of letters, digits and
    /// ``!#$%&'*+-/=?^_`{|}~``, dots between them) and a domain of dot-separated host labels (letters, digits, inner
    /// hyphens; at most 63 characters each), 254 characters at most in all.
    public static func isValid(email: String) -> Bool {
        let bytes = Array(email.utf8)
        guard bytes.count <= 254, bytes.count(where: { $0 == UInt8(ascii: "@") }) == 1,
            let at = bytes.firstIndex(of: UInt8(ascii: "@"))
        else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), !domain.isEmpty else { return false }
        let localAtoms = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard localAtoms.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isAtomText) }) else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// The part after the `@`.
    public var domain: Substring { email[email.index(after: email.firstIndex(of: "@")!)...] }

    /// `Name <email>` or `email`, for logs (not a header: see ``MailMessage/rendered()``).
    public var description: String { name.map { "\($0) <\(email)>" } ?? email }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// RFC 5322 `atext`.
    private static func isAtomText(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }
}
