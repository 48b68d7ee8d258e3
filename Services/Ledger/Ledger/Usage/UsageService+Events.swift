import BillingCore
import BillingRPC
import Foundation
import LedgerContract

extension UsageService {
    /// An account's recorded events, oldest first by timestamp (ties by event id), `pageSize` at a time; the cursor is the last one's
    /// timestamp (microseconds) and id.
    func events(_ request: ListUsageEventsRequest, context: RPCServerContext) async throws -> UsageEventPage {
        guard (1...100).contains(request.pageSize) else { throw LedgerError.invalid("pageSize", "pageSize must be from 1 to 100") }
        if let since = request.since, let until = request.until, until <= since {
            throw LedgerError.invalid("until", "until must be after since")
        }
        let after = try request.after.map { cursor -> (Date, String) in
            guard let position = UsageEventCursor.parse(cursor) else {
                throw LedgerError.invalid("after", "after must be the nextCursor of the previous page")
            }
            return position
        }
        let tenant = context.tenant
        let account = try await references.account(request.billingAccountId, tenant: tenant, options: context.peerCallOptions)
        let meter = try await request.meterCode.asyncMap { try await references.meter(code: $0, tenant: tenant, options: context.peerCallOptions) }
        var items = try await database.withTenant(tenant) { connection in
            try await usage.events(
                account: account.id, meter: meter?.id, costCenter: request.costCenter, since: request.since, until: request.until, after: after,
                limit: request.pageSize + 1,
                tenant: tenant, on: connection)
        }
        let next: String? = items.trimPage(to: request.pageSize).map { UsageEventCursor.text(timestamp: $0.timestamp, eventId: $0.eventId) }
        return UsageEventPage(items: items, nextCursor: next)
    }
}

/// The position of an event in timestamp order: `<microseconds since 1970>~<event id>`.
enum UsageEventCursor {
    static func text(timestamp: Date, eventId: String) -> String { "\(RFC3339.microsecondsSince1970(timestamp))~\(eventId)" }

    static func parse(_ text: String) -> (Date, String)? {
        guard let separator = text.firstIndex(of: "~"), let micros = Int64(text[..<separator]) else { return nil }
        let eventId = String(text[text.index(after: separator)...])
        guard !eventId.isEmpty else { return nil }
        return (RFC3339.instant(microsecondsSince1970: micros), eventId)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
