import AccountsContract
import BillingCore
import Foundation
import Testing

@testable import Accounts

@Suite("Account validation (pure)")
struct AccountValidationTests {
    @Test("normalises valid attributes")
    func valid() throws {
        let validated = try AccountValidation.validate(
            CreateAccountRequest(
                name: "  Empresa ABC Ltda ", email: "Financeiro@Empresa-ABC.COM.br", currency: "BRL", taxId: "12.345.678/0001-95", taxIdType: .cnpj,
                timezone: "America/Sao_Paulo", metadata: ["crm": "42"]))
        #expect(validated.name == "Empresa ABC Ltda")
        #expect(validated.email == "Financeiro@empresa-abc.com.br")
        #expect(validated.taxID == "12345678000195")
        #expect(validated.timezone == "America/Sao_Paulo")
    }

    @Test(
        "refuses bad attributes, naming the field",
        arguments: [
            (CreateAccountRequest(name: " ", email: "a@b.co", currency: "BRL"), "name"),
            (CreateAccountRequest(name: "x", email: "a@b", currency: "BRL"), "email"),
            (CreateAccountRequest(name: "x", email: "a b@c.com", currency: "BRL"), "email"),
            (CreateAccountRequest(name: "x", email: "a@b.co", currency: "brl"), "currency"),
            (CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", taxId: "529.982.247-24", taxIdType: .cpf), "taxId"),
            (CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", taxId: "123"), "taxIdType"),
            (CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", taxIdType: .cpf), "taxId"),
            (CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", timezone: "Nowhere/Place"), "timezone"),
            (
                CreateAccountRequest(
                    name: "x", email: "a@b.co", currency: "BRL", metadata: Dictionary(uniqueKeysWithValues: (0..<51).map { ("k\($0)", "v") })),
                "metadata"
            ),
            (CreateAccountRequest(name: String(repeating: "n", count: 201), email: "a@b.co", currency: "BRL"), "name"),
            (
                CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", contacts: [.init(email: "a@b.co"), .init(email: "b@")]),
                "contacts[1].email"
            ),
            (
                CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", contacts: [.init(email: "a@b.co"), .init(email: "A@B.CO")]),
                "contacts[1].email"
            ),
            (
                CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", contacts: (0..<11).map { .init(email: "c\($0)@b.co") }),
                "contacts"
            ),
            (
                CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", contacts: [.init(email: "a@b.co", name: "a\u{7}")]),
                "contacts[0].name"
            ),
        ])
    func invalid(request: CreateAccountRequest, field: String) {
        do {
            _ = try AccountValidation.validate(request)
            Issue.record("expected \(field) to be refused")
        } catch {
            #expect(error.rpcError.field == field)
            #expect(error.rpcError.code == .invalidArgument)
        }
    }

    @Test("the currency of an account cannot change, other attributes can")
    func changes() throws {
        let current = try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL"))
        let (updated, changed) = try AccountValidation.apply(AccountChanges(name: "y", currency: "BRL"), to: current)
        #expect(updated.name == "y")
        #expect(changed == ["name"])
        #expect(throws: AccountsError.self) { try AccountValidation.apply(AccountChanges(currency: "USD"), to: current) }
    }

    @Test("e-mail preferences: pt-BR for BRL and English otherwise by default; contacts normalised, types once in catalog order")
    func notificationPreferences() throws {
        #expect(try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL")).locale == .portuguese)
        #expect(try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "USD")).locale == .english)
        let current = try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL"))
        let (updated, changed) = try AccountValidation.apply(
            AccountChanges(
                locale: .english,
                contacts: [
                    .init(email: " Fin@ACME.example ", name: "  ", notifications: [.paymentFailed, .invoiceIssued, .paymentFailed]),
                    .init(email: "cto@acme.example", notifications: []),
                ],
                notificationOptOuts: [.creditsExpiring, .creditsExpiring]), to: current)
        #expect(changed == ["locale", "contacts", "notificationOptOuts"])
        #expect(
            updated.contacts == [
                .init(email: "Fin@acme.example", name: nil, notifications: [.invoiceIssued, .paymentFailed]), .init(email: "cto@acme.example"),
            ])
        #expect(updated.notificationOptOuts == [.creditsExpiring])
        #expect(try AccountValidation.apply(AccountChanges(contacts: []), to: updated).0.contacts.isEmpty)
    }

    @Test("taxes (issue 26): taxExempt defaults to false, is set at creation and changed by an update; absent in a stored account is false")
    func taxExempt() throws {
        #expect(try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL")).taxExempt == false)
        let exempt = try AccountValidation.validate(CreateAccountRequest(name: "x", email: "a@b.co", currency: "BRL", taxExempt: true))
        #expect(exempt.taxExempt)
        let (updated, changed) = try AccountValidation.apply(AccountChanges(taxExempt: false), to: exempt)
        #expect(!updated.taxExempt && changed == ["taxExempt"])
        #expect(try AccountValidation.apply(AccountChanges(name: "y"), to: exempt).0.taxExempt, "absent: unchanged")
        #expect(try AccountValidation.apply(AccountChanges(taxExempt: true), to: exempt).1.isEmpty, "the same value changes nothing")
        // Accounts in events and stored answers from before taxes.
        let account = BillingAccount(
            id: .generate(), name: "x", email: "a@b.co", currency: "BRL", taxId: nil, taxIdType: nil, timezone: "UTC", metadata: [:],
            status: .active, statusReason: nil, balance: .zero(.brl), createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0), closedAt: nil, taxExempt: true)
        let encoded = try JSONEncoder().encode(account)
        #expect(try JSONDecoder().decode(BillingAccount.self, from: encoded) == account)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object.removeValue(forKey: "taxExempt")
        let old = try JSONDecoder().decode(BillingAccount.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.taxExempt == false)
    }
}

@Suite("Account lifecycle (pure)")
struct AccountLifecycleTests {
    static let id = AccountID.generate()

    @Test(
        "every transition, legal and illegal",
        arguments: [
            (AccountStatus.active, AccountLifecycle.Operation.suspend, AccountStatus?.some(.suspended)),
            (.active, .reactivate, nil),
            (.active, .close, .closed),
            (.suspended, .reactivate, .active),
            (.suspended, .suspend, nil),
            (.suspended, .close, .closed),
            (.closed, .suspend, nil),
            (.closed, .reactivate, nil),
            (.closed, .close, nil),
            (.closed, .update, nil),
            (.active, .update, .active),
        ])
    func transitions(from: AccountStatus, operation: AccountLifecycle.Operation, to expected: AccountStatus?) {
        do {
            let next = try AccountLifecycle.next(from: from, operation, id: AccountLifecycleTests.id)
            #expect(next == expected)
        } catch {
            #expect(expected == nil)
            #expect(error.rpcError.code == .failedPrecondition)
            #expect(error.rpcError.message.contains(from.rawValue))
        }
    }
}
