import BillingCore
import Foundation
import HTTPTypes

/// `/api/v1/billing-events`: the tenant's audit trail, newest first.
enum AuditRoutes {
    static let type = "billing-events"
    static let base = "/api/v1/billing-events"

    static func routes(trail: AuditTrail) -> [APIRoute] {
        [
            APIRoute(
                method: .get, path: base, operationID: "listBillingEvents", tag: "Audit trail",
                summary: "Every billing event of the tenant (CloudEvents), newest first, filtered by type, subject and time range.",
                permission: .eventsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: type, attributes: .of(AuditedEvent.self), isCollection: true),
                queryParameters: [
                    .init(name: "filter[type]", summary: "event type, e.g. billing.account.created", schema: .string(format: nil)),
                    .init(name: "filter[subject]", summary: "what the event is about (an account id, …)", schema: .string(format: nil)),
                    .init(name: "filter[since]", summary: "occurred at or after (RFC 3339)", schema: .string(format: "RFC 3339 date-time")),
                    .init(name: "filter[until]", summary: "occurred before (RFC 3339)", schema: .string(format: "RFC 3339 date-time")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                try query.requireOnly(["filter[type]", "filter[subject]", "filter[since]", "filter[until]", "page[size]", "page[after]"])
                func time(_ name: String) throws -> Date? {
                    guard let text = query[name] else { return nil }
                    guard let date = RFC3339.parse(text) else {
                        throw APIError.badRequest(
                            "\(name) must be an RFC 3339 timestamp (2026-01-31T00:00:00Z)", parameter: name, code: "INVALID_FILTER")
                    }
                    return date
                }
                var after: UUID?
                if let text = query["page[after]"] {
                    guard let cursor = UUID(uuidString: text) else {
                        throw APIError.badRequest("page[after] must be the cursor from links.next", parameter: "page[after]", code: "INVALID_CURSOR")
                    }
                    after = cursor
                }
                let size = try query.pageSize()
                let filter = AuditTrail.Filter(
                    type: query["filter[type]"], subject: query["filter[subject]"], since: try time("filter[since]"),
                    until: try time("filter[until]"), after: after, pageSize: size)
                let (events, next) = try await trail.list(tenant: request.principal.tenant, filter: filter)
                let items = try events.map { try JSONAPI.resource(type: type, from: $0, selfLink: "\(base)?filter%5Bsubject%5D=\($0.subject ?? "")") }
                return .ok(
                    JSONAPI.collection(
                        items, base: base, filters: query.present(["filter[type]", "filter[subject]", "filter[since]", "filter[until]"]),
                        pageSize: size, after: after?.text, next: next))
            }
        ]
    }
}
