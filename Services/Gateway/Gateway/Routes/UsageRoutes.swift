import AccountsContract
import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import HTTPTypes
import LedgerContract

/// Usage metering and plan limits (seed 001 "Eventos de uso", seed 004).
enum UsageRoutes {
    static let eventType = "usage-events"
    static let summaryType = "usage-summaries"
    static let limitType = "usage-limits"
    static let checkType = "usage-limit-checks"
    static let tag = "Usage"

    static func routes(client: RPCClient) -> [APIRoute] {
        let limitsResponse = APIRoute.ResponseSpec(
            status: .ok, resourceType: limitType, attributes: .of(ResourceUsage.self), isCollection: true,
            idFormat: nil)
        return [
            APIRoute(
                method: .post, path: "/api/v1/usage-events", operationID: "recordUsageEvents", tag: tag,
                summary:
                    """
                    Record one usage event or a batch of up to 1,000; `id` is your event id. A replayed id is acknowledged (DUPLICATE) and never \
                    counted twice. Each event is ACCEPTED, DUPLICATE or REFUSED with a reason and a pointer; valid events of a batch are stored \
                    even when others are refused. Events of a meter that names a `limitResource` count against the account's limit of it (the \
                    plan's, or the account's own): past a HARD limit they are REFUSED with LIMIT_REACHED, past a SOFT one ACCEPTED with \
                    `overLimit`. A single refused event is a 422 (409 when its period or account is closed, 402 past a HARD limit).
                    """,
                permission: .usageEventsCreate,
                requestBody: .init(
                    resourceType: eventType, attributes: .of(UsageEventAttributes.self), optional: false,
                    batchWithClientIDs: UsageEventBatch.maximum),
                response: .init(status: .ok, resourceType: eventType, attributes: .of(UsageEventOutcome.self), isCollection: true, idFormat: nil),
                queryParameters: [],
                additionalErrors: [402: "A single event that would pass a HARD limit (LIMIT_REACHED)"]
            ) { request in
                try request.query.requireOnly([])
                return try await UsageEventBatch(body: request.body).record(client: client, options: request.options)
            },
            APIRoute(
                method: .get, path: "/api/v1/usage-events", operationID: "listUsageEvents", tag: tag,
                summary:
                    """
                    An account's recorded usage events (seed 001 USAGE_EVENTS_READ, "visualizar eventos"), oldest first by timestamp: one meter's \
                    or all, in `[filter[since], filter[until])`, with cursor pagination.
                    """,
                permission: .usageEventsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: eventType, attributes: .of(UsageEventRecord.self), isCollection: true, idFormat: nil),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "the account (required)", schema: .string(format: "uuid")),
                    .init(name: "filter[meterCode]", summary: "one meter (default: every meter)", schema: .string(format: nil)),
                    .init(name: "filter[costCenter]", summary: "one cost centre's events", schema: .string(format: nil)),
                    .init(name: "filter[since]", summary: "RFC 3339 instant (inclusive)", schema: .string(format: "RFC 3339 date-time")),
                    .init(name: "filter[until]", summary: "RFC 3339 instant (exclusive)", schema: .string(format: "RFC 3339 date-time")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: nil)),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[meterCode]", "filter[costCenter]", "filter[since]", "filter[until]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let size = try query.pageSize()
                let after = query["page[after]"]
                // The ledger's cursor: `<microseconds>~<event id>`.
                if let after, after.split(separator: "~", maxSplits: 1).count != 2 || Int64(after.prefix { $0 != "~" }) == nil {
                    throw APIError.badRequest("page[after] must be the cursor from links.next", parameter: "page[after]", code: "INVALID_CURSOR")
                }
                let listRequest = ListUsageEventsRequest(
                    billingAccountId: try requiredAccount(query), meterCode: query["filter[meterCode]"],
                    since: try query.instant("filter[since]"), until: try query.instant("filter[until]"), pageSize: size, after: after,
                    costCenter: query["filter[costCenter]"])
                let page = try await QueryParameters.naming { () async throws(RPCError) in
                    try await client.call(LedgerAPI.listEvents, listRequest, options: request.options)
                }
                let items = try page.items.map { try JSONAPI.resource(type: eventType, id: $0.eventId, from: $0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: "/api/v1/usage-events", filters: query.present(filters), pageSize: size, after: after, next: page.nextCursor))
            },
            APIRoute(
                method: .get, path: "/api/v1/usage-summaries", operationID: "listUsageSummaries", tag: tag,
                summary:
                    """
                    Each meter's aggregate (COUNT, SUM, MAX, LAST, AVERAGE, COUNT_DISTINCT) for an account over a period: the calendar month \
                    `filter[month]` (default: the current one) in the account's time zone, or `filter[periodStart]`/`filter[periodEnd]`.
                    """,
                permission: .usageEventsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: summaryType, attributes: .of(UsageSummary.self), isCollection: true, idFormat: nil),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "the account (required)", schema: .string(format: "uuid")),
                    .init(
                        name: "filter[meterCode]", summary: "one meter (default: every meter with usage in the period)", schema: .string(format: nil)),
                    .init(name: "filter[month]", summary: "YYYY-MM, in the account's time zone", schema: .string(format: nil)),
                    .init(
                        name: "filter[periodStart]", summary: "RFC 3339 instant, with filter[periodEnd]",
                        schema: .string(format: "RFC 3339 date-time")),
                    .init(name: "filter[periodEnd]", summary: "RFC 3339 instant (exclusive)", schema: .string(format: "RFC 3339 date-time")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[meterCode]", "filter[month]", "filter[periodStart]", "filter[periodEnd]"]
                try query.requireOnly(Set(filters))
                let summaryRequest = UsageSummaryRequest(
                    billingAccountId: try requiredAccount(query), meterCode: query["filter[meterCode]"],
                    periodStart: try query.instant("filter[periodStart]"),
                    periodEnd: try query.instant("filter[periodEnd]"), month: query["filter[month]"])
                let summaries = try await QueryParameters.naming { () async throws(RPCError) in
                    try await client.call(LedgerAPI.summary, summaryRequest, options: request.options)
                }
                let items = try summaries.summaries.map {
                    try JSONAPI.resource(type: summaryType, id: "\($0.billingAccountId):\($0.meterCode):\(RFC3339.format($0.periodStart))", from: $0)
                }
                return .ok(
                    JSONAPI.document(
                        .array(items), links: [("self", .string("/api/v1/usage-summaries?" + QueryParameters.encode(query.present(filters))))],
                        meta: period(summaries.periodStart, summaries.periodEnd, timezone: summaries.timezone)))
            },
            APIRoute(
                method: .post, path: "/api/v1/usage-limits/check", operationID: "checkUsageLimit", tag: tag,
                summary:
                    """
                    Check a resource (`messages`, `storage`, `users`, `whatsapp_sessions`, …) against the account's limit and consume `quantity` \
                    (default 1) in one atomic step. Over a HARD limit: 402 LIMIT_REACHED, \"Limite de <resource> atingido - faça upgrade\", \
                    nothing consumed and the action must not run. Over a SOFT limit: allowed, with overLimit true.
                    """,
                permission: .usageEventsCreate,
                requestBody: .init(resourceType: checkType, attributes: .of(UsageLimitCheckRequest.self), optional: false),
                response: .init(status: .ok, resourceType: checkType, attributes: .of(UsageLimitCheck.self), isCollection: false, idFormat: nil),
                queryParameters: [],
                additionalErrors: [402: "A HARD limit is reached (LIMIT_REACHED); meta holds resource, limit, used and requested"]
            ) { request in
                let attributes = try request.attributes(UsageLimitCheckRequest.self, resourceType: checkType)
                let check = try await client.call(LedgerAPI.checkLimit, attributes, options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: checkType, id: "\(check.billingAccountId):\(check.resource)", from: check)))
            },
            APIRoute(
                method: .get, path: "/api/v1/usage-limits", operationID: "listUsageLimits", tag: tag,
                summary:
                    """
                    Usage against each of an account's limits (seed 004's UsageMetrics): PERIOD limits in the current calendar month of the \
                    account's time zone, NEVER limits as running counts.
                    """,
                permission: .usageEventsRead, requestBody: nil, response: limitsResponse,
                queryParameters: [.init(name: "filter[billingAccountId]", summary: "the account (required)", schema: .string(format: "uuid"))]
            ) { request in
                try request.query.requireOnly(["filter[billingAccountId]"])
                let account = try requiredAccount(request.query)
                let limits = try await QueryParameters.naming { () async throws(RPCError) in
                    try await client.call(LedgerAPI.accountLimits, AccountUsageLimitsRequest(billingAccountId: account), options: request.options)
                }
                return .ok(limitsDocument(limits))
            },
            APIRoute(
                method: .put, path: AccountRoutes.base + "/{id}/usage-limits", operationID: "setUsageLimits", tag: tag,
                summary: "Replace an account's usage limits (admin; until subscriptions provide the plan's limits). Usage already counted is kept.",
                permission: .usageLimitsUpdate,
                requestBody: .init(resourceType: limitType, attributes: .of(UsageLimitsAttributes.self), optional: false),
                response: limitsResponse, queryParameters: []
            ) { request in
                let id = try request.id(AccountID.self, resource: "billing account")
                let attributes = try request.attributes(UsageLimitsAttributes.self, resourceType: limitType)
                return .ok(
                    limitsDocument(
                        try await client.call(
                            LedgerAPI.setLimits,
                            SetUsageLimitsRequest(
                                billingAccountId: id,
                                limits: attributes.limits),
                            options: request.options)))
            },
        ]
    }

    static func limitsDocument(_ limits: AccountUsageLimits) -> JSONValue {
        let items = limits.limits.compactMap { try? JSONAPI.resource(type: limitType, id: "\(limits.billingAccountId):\($0.resource)", from: $0) }
        return JSONAPI.document(
            .array(items),
            meta: [("billingAccountId", .string(limits.billingAccountId.description))]
                + period(limits.periodStart, limits.periodEnd, timezone: limits.timezone))
    }

    private static func period(_ start: Date, _ end: Date, timezone: String) -> [(String, JSONValue)] {
        [("periodStart", .string(RFC3339.format(start))), ("periodEnd", .string(RFC3339.format(end))), ("timezone", .string(timezone))]
    }

    private static func requiredAccount(_ query: QueryParameters) throws -> AccountID {
        guard let account = try query.id("filter[billingAccountId]", as: AccountID.self) else {
            throw APIError.badRequest("filter[billingAccountId] is required", parameter: "filter[billingAccountId]", code: "MISSING_FILTER")
        }
        return account
    }

}

/// The attributes of one usage event in `POST /usage-events` (its `id` is the client's event id).
struct UsageEventAttributes: Codable, Sendable, Equatable {
    var billingAccountId: String
    var meterCode: String
    /// The quantity; when absent the meter's property is read from `properties`.
    var value: DecimalNumber?
    /// When it happened (default: now); at most 5 minutes in the future.
    var timestamp: Date?
    /// An object of at most 50 keys and 4 KiB.
    var properties: JSONValue?
    /// The cost centre it is charged to (seed 003 enterprise), 1 to 200 bytes.
    var costCenter: String?
}

/// What happened to one event, as the public API reports it.
struct UsageEventOutcome: Codable, Sendable, Equatable {
    var status: UsageEventStatus
    var reason: UsageRefusalReason?
    var message: String?
    /// Where in the request document the problem is (`/data/3/attributes/meterCode`).
    var pointer: String?
    /// Accepted past a SOFT limit of the resource its meter counts against.
    var overLimit: Bool?
}

/// One `POST /usage-events` document: its events parsed one by one, so a malformed event is refused alone.
struct UsageEventBatch {
    static let maximum = 1000

    private let single: Bool
    private var inputs: [(position: Int, event: UsageEventInput)] = []
    private var outcomes: [Int: (eventId: String, outcome: UsageEventOutcome)] = [:]
    private let count: Int

    init(body: JSONValue?) throws {
        guard case .object(let document)? = body else {
            throw APIError.unprocessable("the body must be a JSON:API document {\"data\": [...]}", pointer: "")
        }
        for key in document.keys where !["data", "meta", "jsonapi"].contains(key) {
            throw APIError.unprocessable("unknown top-level member '\(key.prefix(60))'", pointer: "/" + JSONPointer.escape(key))
        }
        let items: [JSONValue]
        switch document["data"] {
        case .array(let array)?:
            items = array
            single = false
        case .object?:
            items = [document["data"]!]
            single = true
        default:
            throw APIError.unprocessable("'data' must be a usage event or an array of them", pointer: "/data")
        }
        guard (1...Self.maximum).contains(items.count) else {
            throw APIError.unprocessable(
                "a batch holds 1 to \(Self.maximum) events, not \(items.count)", pointer: "/data", code: "INVALID_BATCH_SIZE")
        }
        count = items.count
        for (position, item) in items.enumerated() {
            let base = single ? "/data" : "/data/\(position)"
            do {
                inputs.append((position, try Self.event(item, base: base)))
            } catch let refusal as EventRefusal {
                outcomes[position] = (
                    refusal.eventId,
                    UsageEventOutcome(
                        status: .refused, reason: refusal.reason, message: refusal.message,
                        pointer: refusal.pointer)
                )
            }
        }
    }

    /// Sends the well-formed events to the ledger and answers for all, in the order sent.
    func record(client: RPCClient, options: RPCCallOptions) async throws -> APIResponse {
        var outcomes = outcomes
        if !inputs.isEmpty {
            let response = try await client.call(LedgerAPI.ingest, IngestUsageRequest(events: inputs.map(\.event)), options: options)
            for (input, result) in zip(inputs, response.results) {
                let base = single ? "/data" : "/data/\(input.position)"
                outcomes[input.position] = (
                    result.eventId,
                    UsageEventOutcome(
                        status: result.status, reason: result.reason, message: result.message,
                        pointer: result.field.map { $0 == "eventId" ? base + "/id" : APIError.attributePointer($0, resource: base) },
                        overLimit: result.overLimit)
                )
            }
        }
        let ordered = (0..<count).map { outcomes[$0]! }
        if single, let (eventId, outcome) = ordered.first, outcome.status == .refused {
            let conflict = outcome.reason == .periodClosed || outcome.reason == .accountClosed
            let limit = outcome.reason == .limitReached
            throw APIError(
                limit ? HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required") : conflict ? .conflict : .unprocessableContent,
                code: outcome.reason?.rawValue ?? "INVALID_EVENT",
                title: limit ? "Payment required" : conflict ? "Conflict" : "Invalid attribute", detail: outcome.message ?? "the event was refused",
                pointer: outcome.pointer, meta: ["eventId": eventId])
        }
        let resources = try ordered.map { try JSONAPI.resource(type: UsageRoutes.eventType, id: $0.eventId, from: $0.outcome) }
        let counts = [UsageEventStatus.accepted, .duplicate, .refused].map { status in ordered.count { $0.outcome.status == status } }
        return .ok(
            JSONAPI.document(
                single ? resources[0] : .array(resources),
                meta: [("accepted", .number(counts[0])), ("duplicates", .number(counts[1])), ("refused", .number(counts[2]))]))
    }

    private struct EventRefusal: Error {
        let eventId: String
        let reason: UsageRefusalReason
        let message: String
        let pointer: String
    }

    private static func event(_ item: JSONValue, base: String) throws -> UsageEventInput {
        guard case .object(let resource) = item else {
            throw EventRefusal(
                eventId: "", reason: .invalidEvent, message: "each event must be a resource object, not \(item.typeDescription)", pointer: base)
        }
        guard case .string(let id)? = resource["id"] else {
            throw EventRefusal(
                eventId: "", reason: .invalidEventID, message: "'id' (your event id) is required and must be a string", pointer: base + "/id")
        }
        guard resource["type"] == .string(UsageRoutes.eventType) else {
            throw EventRefusal(eventId: id, reason: .invalidEvent, message: "'type' must be \"\(UsageRoutes.eventType)\"", pointer: base + "/type")
        }
        for key in resource.keys where !["type", "id", "attributes", "meta"].contains(key) {
            throw EventRefusal(
                eventId: id, reason: .invalidEvent, message: "unknown member '\(key.prefix(60))'", pointer: base + "/" + JSONPointer.escape(key))
        }
        let attributes: UsageEventAttributes
        do {
            attributes = try JSONValueDecoder().decode(
                UsageEventAttributes.self, from: resource["attributes"] ?? .object(JSONObject()),
                pointerPrefix: base + "/attributes")
        } catch {
            let field = error.pointer.split(separator: "/").last.map(String.init) ?? ""
            throw EventRefusal(
                eventId: id, reason: .invalidEvent, message: error.unknownKeys.isEmpty ? "\(field): \(error.message)" : error.message,
                pointer: error.pointer)
        }
        // An id that is not a UUID names no account: refused like an unknown one.
        guard let account = AccountID(attributes.billingAccountId) else {
            throw EventRefusal(
                eventId: id, reason: .unknownAccount, message: "billing account '\(attributes.billingAccountId.prefix(60))' not found",
                pointer: base + "/attributes/billingAccountId")
        }
        return UsageEventInput(
            eventId: id, billingAccountId: account, meterCode: attributes.meterCode, value: attributes.value,
            timestamp: attributes.timestamp, properties: attributes.properties, costCenter: attributes.costCenter)
    }
}
