import AccountsContract
import BillingCore
import Foundation

/// The checked, normalised attributes of an account (pure; no I/O).
struct ValidatedAccountAttributes: Equatable {
    var name: String
    var email: String
    var currency: Currency
    var taxID: String?
    var taxIDType: TaxIDType?
    var timezone: String
    var metadata: [String: String]
    var locale: AccountLocale
    var contacts: [AccountContact]
    var notificationOptOuts: [NotificationType]
    var taxExempt: Bool
}

/// Validates account attributes and puts them in canonical form.
///
/// Rules: name 1–200 characters; a plausible e-mail (domain lower-cased); an ISO 4217 currency;
/// `taxId` and `taxIdType` together, CPF/CNPJ by check digits (stored bare), OTHER 1–64 printable
/// characters; an IANA time zone; metadata up to 50 pairs, keys 1–40 and values up to 500 characters.
enum AccountValidation {
    static let maximumMetadataEntries = 50

    static func validate(_ request: CreateAccountRequest) throws(AccountsError) -> ValidatedAccountAttributes {
        let (taxID, taxIDType) = try taxIdentity(request.taxId, request.taxIdType)
        let currency = try currency(request.currency)
        return ValidatedAccountAttributes(
            name: try name(request.name), email: try email(request.email), currency: currency,
            taxID: taxID, taxIDType: taxIDType, timezone: try timezone(request.timezone ?? "UTC"), metadata: try metadata(request.metadata ?? [:]),
            locale: request.locale ?? .defaultFor(currency: currency.code), contacts: try contacts(request.contacts ?? []),
            notificationOptOuts: optOuts(request.notificationOptOuts ?? []), taxExempt: request.taxExempt ?? false)
    }

    /// Applies changes to current attributes; returns the new attributes and the names of those that changed.
    static func apply(
        _ changes: AccountChanges, to current: ValidatedAccountAttributes
    ) throws(AccountsError) -> (ValidatedAccountAttributes, [String]) {
        var updated = current
        if let value = changes.name { updated.name = try name(value) }
        if let value = changes.email { updated.email = try email(value) }
        if let value = changes.currency, value != current.currency.code {
            throw .invalid(
                "currency", "currency cannot be changed after the account is created (it is \(current.currency.code))", reason: "CURRENCY_IMMUTABLE")
        }
        if changes.taxId != nil || changes.taxIdType != nil {
            let (taxID, taxIDType) = try taxIdentity(changes.taxId ?? current.taxID, changes.taxIdType ?? current.taxIDType)
            updated.taxID = taxID
            updated.taxIDType = taxIDType
        }
        if let value = changes.timezone { updated.timezone = try timezone(value) }
        if let value = changes.metadata { updated.metadata = try metadata(value) }
        if let value = changes.locale { updated.locale = value }
        if let value = changes.contacts { updated.contacts = try contacts(value) }
        if let value = changes.notificationOptOuts { updated.notificationOptOuts = optOuts(value) }
        if let value = changes.taxExempt { updated.taxExempt = value }
        var changed: [String] = []
        if updated.name != current.name { changed.append("name") }
        if updated.email != current.email { changed.append("email") }
        if updated.taxID != current.taxID || updated.taxIDType != current.taxIDType { changed += ["taxId", "taxIdType"] }
        if updated.timezone != current.timezone { changed.append("timezone") }
        if updated.metadata != current.metadata { changed.append("metadata") }
        if updated.locale != current.locale { changed.append("locale") }
        if updated.contacts != current.contacts { changed.append("contacts") }
        if updated.notificationOptOuts != current.notificationOptOuts { changed.append("notificationOptOuts") }
        if updated.taxExempt != current.taxExempt { changed.append("taxExempt") }
        return (updated, changed)
    }

    static func name(_ value: String) throws(AccountsError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("name", "name must not be empty") }
        guard trimmed.count <= 200 else { throw .invalid("name", "name must have at most 200 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("name", "name must not contain control characters")
        }
        return trimmed
    }

    static let maximumContacts = 10

    /// Up to 10 contacts with distinct valid e-mails; names like an account's; each type listed once, in the catalog's order.
    static func contacts(_ value: [AccountContact]) throws(AccountsError) -> [AccountContact] {
        guard value.count <= maximumContacts else {
            throw .invalid("contacts", "an account has at most \(maximumContacts) contacts (got \(value.count))", reason: "TOO_MANY_CONTACTS")
        }
        var seen: Set<String> = []
        var checked: [AccountContact] = []
        for (index, contact) in value.enumerated() {
            let address = try email(contact.email, field: "contacts[\(index)].email")
            guard seen.insert(address.lowercased()).inserted else {
                throw .invalid("contacts[\(index)].email", "'\(address)' is listed twice", reason: "DUPLICATE_CONTACT")
            }
            var name: String?
            if let given = contact.name?.trimmingCharacters(in: .whitespacesAndNewlines), !given.isEmpty {
                guard given.count <= 200, !given.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw .invalid("contacts[\(index)].name", "a contact's name has at most 200 characters and no control characters")
                }
                name = given
            }
            let types = optOuts(contact.notifications ?? [])
            checked.append(AccountContact(email: address, name: name, notifications: types.isEmpty ? nil : types))
        }
        return checked
    }

    /// Each type once, in the catalog's order.
    static func optOuts(_ value: [NotificationType]) -> [NotificationType] { NotificationType.allCases.filter(value.contains) }

    static func email(_ value: String, field: String = "email") throws(AccountsError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        let invalid = AccountsError.invalid(field, "'\(trimmed.prefix(80))' is not a valid e-mail address", reason: "INVALID_EMAIL")
        guard trimmed.utf8.count <= 254, parts.count == 2 else { throw invalid }
        let local = parts[0], domain = parts[1].lowercased()
        guard !local.isEmpty, local.utf8.count <= 64,
            local.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"()<>[]:;,\\\"".unicodeScalars.contains($0) })
        else { throw invalid }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" }
            }),
            let tld = labels.last, tld.count >= 2, tld.unicodeScalars.allSatisfy({ CharacterSet.letters.contains($0) })
        else { throw invalid }
        return "\(local)@\(domain)"
    }

    static func currency(_ value: String) throws(AccountsError) -> Currency {
        guard let currency = Currency(code: value) else {
            throw .invalid("currency", "'\(value.prefix(10))' is not an ISO 4217 currency code (e.g. BRL, USD)", reason: "INVALID_CURRENCY")
        }
        return currency
    }

    static func taxIdentity(_ taxID: String?, _ type: TaxIDType?) throws(AccountsError) -> (String?, TaxIDType?) {
        switch (taxID, type) {
        case (nil, nil): return (nil, nil)
        case (nil, _?): throw .invalid("taxId", "taxId is required when taxIdType is given")
        case (_?, nil): throw .invalid("taxIdType", "taxIdType (CPF, CNPJ or OTHER) is required when taxId is given")
        case let (taxID?, type?):
            do {
                switch type {
                case .cpf: return (try BrazilianTaxID.normalizedCPF(taxID), .cpf)
                case .cnpj: return (try BrazilianTaxID.normalizedCNPJ(taxID), .cnpj)
                case .other:
                    let trimmed = taxID.trimmingCharacters(in: .whitespaces)
                    guard (1...64).contains(trimmed.count), trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                        throw AccountsError.invalid("taxId", "taxId must have 1 to 64 printable characters", reason: "INVALID_TAX_ID")
                    }
                    return (trimmed, .other)
                }
            } catch let error as TaxIDError {
                throw .invalid("taxId", "taxId '\(taxID.prefix(40))' is not a valid \(type.rawValue): \(error.description)", reason: "INVALID_TAX_ID")
            } catch let error as AccountsError {
                throw error
            } catch {
                throw .invalid("taxId", "invalid taxId", reason: "INVALID_TAX_ID")
            }
        }
    }

    /// The search form of a tax id filter: bare digits for CPF/CNPJ-looking input, as given otherwise.
    static func searchableTaxID(_ value: String) -> String {
        let bare = value.filter { !".-/ ".contains($0) }.uppercased()
        return bare.count == 11 || bare.count == 14 ? bare : value.trimmingCharacters(in: .whitespaces)
    }

    static func timezone(_ value: String) throws(AccountsError) -> String {
        guard value.count <= 64, value.contains("/") || value == "UTC" || value == "GMT", TimeZone(identifier: value) != nil else {
            throw .invalid("timezone", "'\(value.prefix(64))' is not an IANA time zone (e.g. America/Sao_Paulo, UTC)", reason: "INVALID_TIMEZONE")
        }
        return value
    }

    static func metadata(_ value: [String: String]) throws(AccountsError) -> [String: String] {
        guard value.count <= maximumMetadataEntries else {
            throw .invalid("metadata", "metadata holds at most \(maximumMetadataEntries) entries (got \(value.count))")
        }
        for (key, entry) in value {
            guard (1...40).contains(key.count) else { throw .invalid("metadata", "metadata keys have 1 to 40 characters ('\(key.prefix(50))')") }
            guard entry.count <= 500 else { throw .invalid("metadata", "metadata value of '\(key)' is longer than 500 characters") }
            // PostgreSQL text cannot hold U+0000: refused here rather than failing the insert.
            guard !key.contains("\u{0}"), !entry.contains("\u{0}") else {
                throw .invalid("metadata", "metadata keys and values cannot contain the NUL character")
            }
        }
        return value
    }
}
