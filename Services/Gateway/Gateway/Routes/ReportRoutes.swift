import BillingCore
import BillingRPC
import Foundation
import HTTPTypes
import LedgerContract
import SubscriptionsContract

/// `/api/v1/reports/...`: the operator's revenue reports (issue 26). Operators only; customers' tokens never reach them.
enum ReportRoutes {
    static let revenueType = "revenue-months"
    static let creditsType = "credit-months"
    static let tag = "Reports"

    /// The month range every report takes.
    static let monthRange: [APIRoute.QueryParameterSpec] = [
        .init(name: "filter[from]", summary: "first month, YYYY-MM (required)", schema: .string(format: "YYYY-MM")),
        .init(
            name: "filter[to]", summary: "last month, YYYY-MM (required; at most 36 months, not after the current one)",
            schema: .string(format: "YYYY-MM")),
        .init(
            name: "filter[timeZone]", summary: "IANA time zone whose calendar months are reported (default UTC)",
            schema: .string(format: "iana-time-zone")),
    ]

    static func routes(subscriptions: SubscriptionsClient, ledger: RPCClient) -> [APIRoute] {
        [
            APIRoute(
                method: .get, path: "/api/v1/reports/revenue", operationID: "getRevenueReport", tag: tag,
                summary:
                    """
                    MRR per calendar month and currency (never added across currencies): the monthly-normalized recurring price (plan × \
                    quantity + active add-ons − a recurring discount; yearly ÷ 12, quarterly ÷ 3, weekly × 52 ÷ 12, daily × 365 ÷ 12) of ACTIVE and PAST_DUE \
                    subscriptions at each month's end (the current month: now), with the movements per account — new, reactivation, \
                    expansion, contraction, churned, net new — active subscriptions and accounts, ARPA, logo churn, gross and net revenue \
                    churn (percent). Amounts are summed exactly and rounded half-even to the currency's minor unit once.
                    """,
                permission: .reportsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: revenueType, attributes: .of(RevenueMonth.self), isCollection: true, idFormat: nil),
                queryParameters: monthRange + [
                    .init(
                        name: "filter[testClockId]", summary: "report a test clock's subscriptions as of its time (default: live ones, now)",
                        schema: .string(format: "uuid"))
                ]
            ) { request in
                let query = request.query
                try query.requireOnly(["filter[from]", "filter[to]", "filter[timeZone]", "filter[testClockId]"])
                let reportRequest = RevenueReportRequest(
                    from: query["filter[from]"] ?? "", to: query["filter[to]"] ?? "", timeZone: query["filter[timeZone]"],
                    testClockId: try query.id("filter[testClockId]", as: TestClockID.self))
                let report = try await QueryParameters.naming { () async throws(RPCError) in
                    try await subscriptions.call(SubscriptionsAPI.revenueReport, reportRequest, options: request.options)
                }
                let items = try report.months.map { try JSONAPI.resource(type: revenueType, id: "\($0.month)-\($0.currency)", from: $0) }
                return .ok(
                    JSONAPI.document(
                        .array(items),
                        meta: [
                            ("from", .string(report.from)), ("to", .string(report.to)), ("timeZone", .string(report.timeZone)),
                            ("asOf", .string(RFC3339.format(report.asOf))),
                        ]))
            },
            APIRoute(
                method: .get, path: "/api/v1/reports/credits", operationID: "getCreditsReport", tag: tag,
                summary:
                    """
                    AI credits per calendar month of the tenant's live wallets (test credits left out): sold (PURCHASE grants), granted \
                    (every grant, and per source), consumed (charges and settled holds), expired, and the accounts that consumed; exact to \
                    10⁻⁸ credit.
                    """,
                permission: .reportsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: creditsType, attributes: .of(CreditsMonth.self), isCollection: true, idFormat: nil),
                queryParameters: monthRange
            ) { request in
                let query = request.query
                try query.requireOnly(["filter[from]", "filter[to]", "filter[timeZone]"])
                let reportRequest = CreditsReportRequest(
                    from: query["filter[from]"] ?? "", to: query["filter[to]"] ?? "", timeZone: query["filter[timeZone]"])
                let report = try await QueryParameters.naming { () async throws(RPCError) in
                    try await ledger.call(LedgerAPI.creditsReport, reportRequest, options: request.options)
                }
                let items = try report.months.map { try JSONAPI.resource(type: creditsType, id: $0.month, from: $0) }
                return .ok(
                    JSONAPI.document(
                        .array(items),
                        meta: [("from", .string(report.from)), ("to", .string(report.to)), ("timeZone", .string(report.timeZone))]))
            },
        ]
    }
}
