import AccountsContract
import BillingCore
import BillingEvents
import BillingEventsPostgres
import Foundation
import InvoicingContract
import PostgresNIO

/// What an account's closure does to its invoices: its open drafts are canceled (and the account credit they took given back); finalized
/// invoices stay, to be paid or voided. Every account event also keeps invoicing's copy of the account's tax standing (its tax id
/// type and exemption), which finalization reads.
extension InvoicesService {
    var accountHandlers: [String: EventHandler] {
        let profiles = taxProfiles
        return [
            AccountCreated.eventType: { envelope, connection in
                try await profiles.record(try envelope.decode(AccountCreated.self).account, tenant: envelope.tenantid, on: connection)
            },
            AccountUpdated.eventType: { envelope, connection in
                try await profiles.record(try envelope.decode(AccountUpdated.self).account, tenant: envelope.tenantid, on: connection)
            },
            AccountClosed.eventType: { envelope, connection in
                let closed = try envelope.decode(AccountClosed.self).account
                let account = closed.id
                let tenant = envelope.tenantid
                try await profiles.record(closed, tenant: tenant, on: connection)
                var after: InvoiceID?
                repeat {
                    let page = try await store.list(
                        ListInvoicesRequest(billingAccountId: account, status: .draft, pageSize: 100, after: after), account: account.rawValue,
                        tenant: tenant, on: connection)
                    for draft in page.items {
                        guard var invoice = try await store.find(draft.id, tenant: tenant, forUpdate: true, on: connection), invoice.status == .draft
                        else { continue }
                        let now = clock.now()
                        try InvoiceLifecycle.move(&invoice, to: .canceled)
                        try await credit.giveBack(of: invoice, at: now, tenant: tenant, traceparent: envelope.traceparent, on: connection)
                        invoice.updatedAt = now
                        try await store.save(invoice, tenant: tenant, on: connection)
                    }
                    after = page.nextCursor
                } while after != nil
            },
        ]
    }
}
