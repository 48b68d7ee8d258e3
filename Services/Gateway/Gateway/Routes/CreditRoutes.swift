import AccountsContract
import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import HTTPTypes
import LedgerContract

/// AI credit wallets (seeds 000, 002, 003): grants, charges, authorize-then-settle, reports and settings.
enum CreditRoutes {
    static let grantType = "credit-grants"
    static let chargeType = "credit-charges"
    static let authorizationType = "credit-authorizations"
    static let settlementType = "credit-settlements"
    static let walletType = "credit-wallets"
    static let settingsType = "credit-wallet-settings"
    static let auditType = "credit-wallet-audits"
    static let consumptionType = "credit-consumption"
    static let executionType = "credit-executions"
    static let tag = "AI credits"
    static let walletBase = "/api/v1/credit-wallets/{id}"

    static func routes(client: RPCClient) -> [APIRoute] {
        let execution = { (type: String, status: HTTPResponse.Status) in
            APIRoute.ResponseSpec(status: status, resourceType: type, attributes: .of(CreditExecution.self), isCollection: false)
        }
        let walletResponse = APIRoute.ResponseSpec(status: .ok, resourceType: walletType, attributes: .of(CreditWallet.self), isCollection: false)
        let refusals = [
            402: "Not enough available credits (INSUFFICIENT_CREDITS, meta: available, required) or a spending cap reached (SPENDING_CAP_REACHED)",
            429: "An execution rate limit reached (RATE_LIMITED, meta: period, limit)",
        ]
        let holdConflicts = [409: "The hold was resolved already: HOLD_ALREADY_SETTLED, HOLD_ALREADY_RELEASED or HOLD_EXPIRED"]
        return [
            APIRoute(
                method: .post, path: "/api/v1/credit-grants", operationID: "grantCredits", tag: tag,
                summary:
                    """
                    Add credits to an account's wallet: MANUAL (default), BONUS, ADDON, MONTHLY or PURCHASE, with priority (lower is spent \
                    first; default purchases 10, add-on/bonus/manual 20, monthly 30), effectiveAt and expiresAt. A `reference` grants once.
                    """,
                permission: .creditsGrant,
                requestBody: .init(resourceType: grantType, attributes: .of(GrantCreditsRequest.self), optional: false),
                response: .init(status: .created, resourceType: grantType, attributes: .of(CreditGrant.self), isCollection: false),
                queryParameters: []
            ) { request in
                let attributes = try request.attributes(GrantCreditsRequest.self, resourceType: grantType)
                let grant = try await client.call(LedgerAPI.grantCredits, attributes, options: request.options)
                return .created(
                    JSONAPI.document(try JSONAPI.resource(type: grantType, id: grant.id, from: grant)),
                    location: walletPath(grant.billingAccountId))
            },
            APIRoute(
                method: .get, path: "/api/v1/credit-grants", operationID: "listCreditGrants", tag: tag,
                summary:
                    """
                    Grants (seed 002's credit history), oldest first, with cursor pagination: source, credits and what is left, validity, \
                    reference, and `status` ACTIVE, EXPIRED (its validity ended) or USED_UP (spent before any expiry).
                    """,
                permission: .creditsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: grantType, attributes: .of(CreditGrant.self), isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's grants", schema: .string(format: "uuid")),
                    .init(name: "filter[source]", summary: "MONTHLY, PURCHASE, ADDON, BONUS or MANUAL", schema: .of(CreditSource.self)),
                    .init(name: "filter[status]", summary: "ACTIVE, EXPIRED or USED_UP", schema: .of(GrantStatus.self)),
                    .init(name: "filter[since]", summary: "created at or after (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "filter[until]", summary: "created before (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[source]", "filter[status]", "filter[since]", "filter[until]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(GrantID.self), size = try query.pageSize()
                let page = try await client.call(
                    LedgerAPI.listGrants,
                    ListCreditGrantsRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self),
                        source: try query.filter("filter[source]", as: CreditSource.self),
                        status: try query.filter("filter[status]", as: GrantStatus.self), since: try query.instant("filter[since]"),
                        until: try query.instant("filter[until]"), pageSize: size, after: after), options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: grantType, id: $0.id, from: $0) }
                return .ok(
                    JSONAPI.collection(
                        items, base: "/api/v1/credit-grants", filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: "/api/v1/credit-executions", operationID: "listCreditExecutions", tag: tag,
                summary:
                    """
                    Every charge and authorization (seed 003 "quem usou quanto e quando"), oldest first, with cursor pagination: kind, \
                    status, model, user, feature, the estimate and the real tokens and credits, what was not covered, when.
                    """,
                permission: .creditsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: executionType, attributes: .of(CreditExecution.self), isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's executions", schema: .string(format: "uuid")),
                    .init(name: "filter[userId]", summary: "one user's", schema: .string(format: nil)),
                    .init(name: "filter[featureId]", summary: "one feature's", schema: .string(format: nil)),
                    .init(name: "filter[model]", summary: "one AI model's", schema: .string(format: nil)),
                    .init(name: "filter[costCenter]", summary: "one cost centre's", schema: .string(format: nil)),
                    .init(name: "filter[status]", summary: "CHARGED, HELD, SETTLED, RELEASED or EXPIRED", schema: .of(ExecutionStatus.self)),
                    .init(name: "filter[since]", summary: "created at or after (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "filter[until]", summary: "created before (RFC 3339)", schema: .string(format: "date-time")),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = [
                    "filter[billingAccountId]", "filter[userId]", "filter[featureId]", "filter[model]", "filter[costCenter]", "filter[status]",
                    "filter[since]", "filter[until]",
                ]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(ExecutionID.self), size = try query.pageSize()
                let page = try await client.call(
                    LedgerAPI.listExecutions,
                    ListExecutionsRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self), userId: query["filter[userId]"],
                        featureId: query["filter[featureId]"], costCenter: query["filter[costCenter]"], model: query["filter[model]"],
                        status: try query.filter("filter[status]", as: ExecutionStatus.self), since: try query.instant("filter[since]"),
                        until: try query.instant("filter[until]"), pageSize: size, after: after), options: request.options)
                let items = try page.items.map { execution in
                    let path = execution.kind == "CHARGE" ? "/api/v1/credit-charges" : "/api/v1/credit-authorizations"
                    return try JSONAPI.resource(type: executionType, from: execution, selfLink: "\(path)/\(execution.id)")
                }
                return .ok(
                    JSONAPI.collection(
                        items, base: "/api/v1/credit-executions", filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .post, path: "/api/v1/credit-charges", operationID: "chargeCredits", tag: tag,
                summary:
                    """
                    Charge an AI call's token counts now, at the catalog rate of `model` (input, output and cached rates, markup, block \
                    rounding), across grants in consumption order. Refused with 402 before anything is charged when available credits (balance \
                    minus holds, plus any overdraft) fall short. `idempotencyKey` makes retries safe: a repeat answers the first charge (200, \
                    replayed true).
                    """,
                permission: .creditsCharge,
                requestBody: .init(resourceType: chargeType, attributes: .of(ChargeCreditsRequest.self), optional: false),
                response: execution(chargeType, .created), queryParameters: [], additionalErrors: refusals
            ) { request in
                let attributes = try request.attributes(ChargeCreditsRequest.self, resourceType: chargeType)
                return try answer(try await client.call(LedgerAPI.chargeCredits, attributes, options: request.options), type: chargeType)
            },
            APIRoute(
                method: .post, path: "/api/v1/credit-authorizations", operationID: "authorizeCredits", tag: tag,
                summary:
                    """
                    Hold the estimated credits of an AI call before it runs (seed 003 \"estimativa vs real\"). The hold releases itself after \
                    `ttlSeconds` (default 300). Same refusals as a charge.
                    """,
                permission: .creditsCharge,
                requestBody: .init(resourceType: authorizationType, attributes: .of(AuthorizeCreditsRequest.self), optional: false),
                response: execution(authorizationType, .created), queryParameters: [], additionalErrors: refusals
            ) { request in
                let attributes = try request.attributes(AuthorizeCreditsRequest.self, resourceType: authorizationType)
                return try answer(try await client.call(LedgerAPI.authorizeCredits, attributes, options: request.options), type: authorizationType)
            },
            APIRoute(
                method: .get, path: "/api/v1/credit-authorizations/{id}", operationID: "getCreditAuthorization", tag: tag,
                summary: "One authorization: its estimate, status and, once settled, the real tokens and credits.",
                permission: .creditsRead, requestBody: nil, response: execution(authorizationType, .ok), queryParameters: []
            ) { request in
                try await read(request, client: client, kind: "AUTHORIZATION", type: authorizationType)
            },
            APIRoute(
                method: .get, path: "/api/v1/credit-charges/{id}", operationID: "getCreditCharge", tag: tag,
                summary: "One direct charge.", permission: .creditsRead, requestBody: nil, response: execution(chargeType, .ok),
                queryParameters: []
            ) { request in
                try await read(request, client: client, kind: "CHARGE", type: chargeType)
            },
            APIRoute(
                method: .post, path: "/api/v1/credit-authorizations/{id}/settle", operationID: "settleCreditAuthorization", tag: tag,
                summary:
                    """
                    Charge the real token counts and release the rest of the hold. Above the estimate the extra is charged only as far as the \
                    wallet can pay; the rest is reported as `uncoveredCredits` and never overspent. A hold resolves once: settle, release and \
                    expiry racing have one winner, the others get 409.
                    """,
                permission: .creditsCharge,
                requestBody: .init(resourceType: settlementType, attributes: .of(TokenUsageAttributes.self), optional: false),
                response: execution(authorizationType, .ok), queryParameters: [], additionalErrors: holdConflicts
            ) { request in
                let id = try pathID(request)
                let tokens = try request.attributes(TokenUsageAttributes.self, resourceType: settlementType)
                let settled = try await client.call(
                    LedgerAPI.settleCredits, SettleCreditsRequest(authorizationId: id, tokens: tokens), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: authorizationType, id: settled.id, from: settled)))
            },
            APIRoute(
                method: .post, path: "/api/v1/credit-authorizations/{id}/release", operationID: "releaseCreditAuthorization", tag: tag,
                summary: "Cancel a hold (the AI call did not run); nothing is charged.", permission: .creditsCharge, requestBody: nil,
                response: execution(authorizationType, .ok), queryParameters: [], additionalErrors: holdConflicts
            ) { request in
                let released = try await client.call(LedgerAPI.releaseCredits, ExecutionRequest(id: try pathID(request)), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: authorizationType, id: released.id, from: released)))
            },
            APIRoute(
                method: .get, path: walletBase, operationID: "getCreditWallet", tag: tag,
                summary:
                    """
                    The account's wallet (seed 000 \"Créditos de IA\"): balance, held, available, monthly/purchased/other remaining, allowance \
                    used, settings and open grants in consumption order.
                    """,
                permission: .creditsRead, requestBody: nil, response: walletResponse, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                return .ok(
                    try walletDocument(
                        try await client.call(LedgerAPI.wallet, WalletRequest(billingAccountId: try account(request)), options: request.options)))
            },
            APIRoute(
                method: .put, path: walletBase + "/settings", operationID: "setCreditWalletSettings", tag: tag,
                summary:
                    """
                    Replace the wallet's policies: `overdraftLimit` (postpaid, seed 003 \"Cliente B\"; default 0), `spendingCaps` per account or \
                    user per DAY/WEEK/MONTH, `rateLimits` (executions per minute/hour/day) and `autoRecharge` (package and threshold).
                    """,
                permission: .creditsManage,
                requestBody: .init(resourceType: settingsType, attributes: .of(WalletSettings.self), optional: false),
                response: walletResponse, queryParameters: []
            ) { request in
                var settings = try request.attributes(WalletSettings.self, resourceType: settingsType)
                if request.principal.isCustomer {
                    // How far the balance may go below zero is credit the tenant extends: its operators set it, the customer keeps it.
                    let current = try await client.call(
                        LedgerAPI.wallet, WalletRequest(billingAccountId: try account(request)), options: request.options)
                    if let asked = settings.overdraftLimit, asked != (current.settings.overdraftLimit ?? .zero) {
                        throw APIError.operatorOnlyAttribute("overdraftLimit")
                    }
                    settings.overdraftLimit = current.settings.overdraftLimit
                }
                return .ok(
                    try walletDocument(
                        try await client.call(
                            LedgerAPI.setWalletSettings,
                            SetWalletSettingsRequest(billingAccountId: try account(request), settings: settings),
                            options: request.options)))
            },
            APIRoute(
                method: .get, path: walletBase + "/audit", operationID: "auditCreditWallet", tag: tag,
                summary:
                    """
                    Verify the wallet's books: balance = sum of the journal = grants' remaining minus debt; held = journal = open holds; \
                    `consistent` says whether all agree.
                    """,
                permission: .creditsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: auditType, attributes: .of(WalletAudit.self), isCollection: false),
                queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let audit = try await client.call(
                    LedgerAPI.auditWallet, WalletRequest(billingAccountId: try account(request)), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: auditType, id: audit.billingAccountId, from: audit)))
            },
            APIRoute(
                method: .get, path: walletBase + "/consumption", operationID: "getCreditConsumption", tag: tag,
                summary:
                    """
                    Credits and tokens charged, grouped by user, feature, model or day (seed 003's dashboards), with input vs output tokens and \
                    the accuracy of estimates (charged / estimated, in percent).
                    """,
                permission: .creditsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: consumptionType, attributes: .of(ConsumptionRow.self), isCollection: true, idFormat: nil),
                queryParameters: [
                    .init(
                        name: "filter[groupBy]", summary: "USER, FEATURE, MODEL or DAY (default DAY)",
                        schema: .enumeration(ConsumptionGrouping.allCases.map(\.rawValue))),
                    .init(
                        name: "filter[since]", summary: "RFC 3339 instant (default: start of the current month in the account's time zone)",
                        schema: .string(format: "RFC 3339 date-time")),
                    .init(
                        name: "filter[until]", summary: "RFC 3339 instant, exclusive (default: end of the current month)",
                        schema: .string(format: "RFC 3339 date-time")),
                ]
            ) { request in
                let query = request.query
                try query.requireOnly(["filter[groupBy]", "filter[since]", "filter[until]"])
                let grouping =
                    try query["filter[groupBy]"].map { text in
                        guard let value = ConsumptionGrouping(rawValue: text.uppercased()) else {
                            throw APIError.badRequest(
                                "filter[groupBy] must be USER, FEATURE, MODEL or DAY", parameter: "filter[groupBy]", code: "INVALID_FILTER")
                        }
                        return value
                    } ?? .day
                let reportRequest = ConsumptionReportRequest(
                    billingAccountId: try account(request), groupBy: grouping,
                    since: try query.instant("filter[since]"), until: try query.instant("filter[until]"))
                let report = try await QueryParameters.naming { () async throws(RPCError) in
                    try await client.call(LedgerAPI.consumption, reportRequest, options: request.options)
                }
                let items = try report.rows.map { try JSONAPI.resource(type: consumptionType, id: $0.key, from: $0) }
                return .ok(
                    JSONAPI.document(
                        .array(items),
                        meta: [
                            ("groupBy", .string(report.groupBy.rawValue)), ("since", .string(RFC3339.format(report.since))),
                            ("until", .string(RFC3339.format(report.until))),
                        ]))
            },
        ]
    }

    /// A new execution is 201; a repeat of its idempotency key answers the first with 200.
    private static func answer(_ execution: CreditExecution, type: String) throws -> APIResponse {
        let document = JSONAPI.document(try JSONAPI.resource(type: type, id: execution.id, from: execution))
        return execution.replayed ? .ok(document) : .created(document, location: "/api/v1/\(type)/\(execution.id)")
    }

    private static func read(_ request: APIRequest, client: RPCClient, kind: String, type: String) async throws -> APIResponse {
        try request.query.requireOnly([])
        let id = try pathID(request)
        let found = try await client.call(LedgerAPI.getExecution, ExecutionRequest(id: id), options: request.options)
        guard found.kind == kind else { throw APIError.notFound("\(type.dropLast()) '\(id)' not found") }
        return .ok(JSONAPI.document(try JSONAPI.resource(type: type, id: found.id, from: found)))
    }

    private static func walletDocument(_ wallet: CreditWallet) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: walletType, id: wallet.billingAccountId, from: wallet))
    }

    private static func walletPath(_ account: AccountID) -> String { "/api/v1/credit-wallets/\(account)" }

    private static func account(_ request: APIRequest) throws -> AccountID { try request.id(AccountID.self, resource: "billing account") }

    private static func pathID(_ request: APIRequest) throws -> ExecutionID {
        guard let text = request.pathParameters["id"], let id = ExecutionID(text) else {
            throw APIError.notFound("'\((request.pathParameters["id"] ?? "").prefix(60))' not found")
        }
        return id
    }

}
