import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import HTTPTypes
import SubscriptionsContract

/// `/api/v1/subscriptions` (seeds 000, 001) and `/api/v1/test-clocks`.
enum SubscriptionRoutes {
    static let type = "subscriptions"
    static let changeType = "subscription-changes"
    static let entitlementsType = "entitlements"
    static let clockType = "test-clocks"
    static let base = "/api/v1/subscriptions"
    static let clocks = "/api/v1/test-clocks"
    static let tag = "Subscriptions"

    static func routes(client: SubscriptionsClient) -> [APIRoute] {
        let subscription = CodableSchema.of(Subscription.self)
        let single = APIRoute.ResponseSpec(status: .ok, resourceType: type, attributes: subscription, isCollection: false)
        let change = APIRoute.ResponseSpec(status: .ok, resourceType: changeType, attributes: .of(SubscriptionChange.self), isCollection: false)
        let entitlements = APIRoute.ResponseSpec(status: .ok, resourceType: entitlementsType, attributes: .of(Entitlements.self), isCollection: false)
        let clock = APIRoute.ResponseSpec(status: .ok, resourceType: clockType, attributes: .of(TestClock.self), isCollection: false)
        let transitions = [409: "The subscription's status does not allow it (INVALID_STATUS_TRANSITION, meta: status, requestedStatus)"]
        func action(
            _ path: String, _ operationID: String, _ summary: String, _ permission: Permission,
            _ method: UnaryMethod<SubscriptionRequest, Subscription>
        ) -> APIRoute {
            .idAction(
                base: base, action: path, operationID: operationID, tag: tag, summary: summary, permission: permission, response: single,
                conflict: transitions[409]!, resource: "subscription", client: client.rpc, method: method,
                request: { (id: SubscriptionID) in SubscriptionRequest(id: id) }, document: document)
        }
        return [
            APIRoute(
                method: .post, path: base, operationID: "createSubscription", tag: tag,
                summary:
                    """
                    Subscribe an ACTIVE billing account to a plan (seed 001 step 3), its current version pinned: quantity (default 1), the \
                    plan's trial or `trialDays`, `startDate` (now or future), an optional `testClockId`, and a coupon (`couponId`) or \
                    a promotion code (`promotionCode`, any case) discounting it from its first paid period.
                    """,
                permission: .subscriptionsCreate,
                requestBody: .init(resourceType: type, attributes: .of(CreateSubscriptionRequest.self), optional: false),
                response: .init(status: .created, resourceType: type, attributes: subscription, isCollection: false), queryParameters: [],
                additionalErrors: [409: "The account is not ACTIVE (ACCOUNT_NOT_ACTIVE) or the plan is archived (PLAN_ARCHIVED)"]
            ) { request in
                let attributes = try request.attributes(CreateSubscriptionRequest.self, resourceType: type)
                let created = try await client.call(SubscriptionsAPI.create, attributes, options: request.options)
                return .created(try document(created), location: "\(base)/\(created.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listSubscriptions", tag: tag,
                summary: "List the tenant's subscriptions, oldest first, with cursor pagination.", permission: .subscriptionsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: type, attributes: subscription, isCollection: true),
                queryParameters: [
                    .init(name: "filter[billingAccountId]", summary: "one account's subscriptions", schema: .string(format: "uuid")),
                    .init(
                        name: "filter[status]", summary: "TRIAL, ACTIVE, PAST_DUE, PAUSED, CANCELED or EXPIRED", schema: .of(SubscriptionStatus.self)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[billingAccountId]", "filter[status]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(SubscriptionID.self)
                let size = try query.pageSize()
                let page = try await client.call(
                    SubscriptionsAPI.list,
                    ListSubscriptionsRequest(
                        billingAccountId: try query.id("filter[billingAccountId]", as: AccountID.self),
                        status: try query.filter("filter[status]", as: SubscriptionStatus.self),
                        pageSize: size, after: after), options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: type, from: $0, selfLink: "\(base)/\($0.id)") }
                return .ok(
                    JSONAPI.collection(
                        items, base: base, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: base + "/{id}", operationID: "getSubscription", tag: tag, summary: "One subscription, with its add-ons.",
                permission: .subscriptionsRead, requestBody: nil, response: single, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                return .ok(try document(try await client.call(SubscriptionsAPI.get, SubscriptionRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/cancel", operationID: "cancelSubscription", tag: tag,
                summary:
                    """
                    Cancel at the end of the period (default: it keeps working until the renewal date, then EXPIRED) or now (`atPeriodEnd: \
                    false`, CANCELED), recording the reason (seed 000).
                    """,
                permission: .subscriptionsCancel,
                requestBody: .init(resourceType: type, attributes: .of(CancelSubscriptionAttributes.self), optional: true),
                response: single, queryParameters: [], additionalErrors: transitions
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let attributes = try request.attributes(CancelSubscriptionAttributes.self, resourceType: type, optional: true)
                return .ok(
                    try document(
                        try await client.call(
                            SubscriptionsAPI.cancel,
                            CancelSubscriptionRequest(
                                id: id, atPeriodEnd: attributes.atPeriodEnd ?? true, reason: attributes.reason), options: request.options)))
            },
            action(
                "reactivate", "reactivateSubscription",
                "Undo a cancellation before the period ends, add-ons included (seed 000); 409 REACTIVATION_WINDOW_CLOSED after it.",
                .subscriptionsUpdate, SubscriptionsAPI.reactivate),
            action("pause", "pauseSubscription", "TRIAL or ACTIVE → PAUSED: no renewals while paused.", .subscriptionsUpdate, SubscriptionsAPI.pause),
            action("resume", "resumeSubscription", "PAUSED → ACTIVE; a new period starts now.", .subscriptionsUpdate, SubscriptionsAPI.resume),
            APIRoute(
                method: .post, path: base + "/{id}/change-quantity", operationID: "changeSubscriptionQuantity", tag: tag,
                summary: "An increase takes effect now with proration lines for the next invoice; a decrease at the end of the period.",
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: changeType, attributes: .of(ChangeQuantityAttributes.self), optional: false),
                response: change, queryParameters: [], additionalErrors: transitions
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let attributes = try request.attributes(ChangeQuantityAttributes.self, resourceType: changeType)
                return .ok(
                    try changeDocument(
                        try await client.call(
                            SubscriptionsAPI.changeQuantity, ChangeQuantityRequest(id: id, quantity: attributes.quantity),
                            options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/change-plan", operationID: "changeSubscriptionPlan", tag: tag,
                summary:
                    """
                    Move to a plan of the same currency, interval and cycle type: one costing at least as much per period takes effect now, with \
                    proration lines (credit for the unused time, charge for the rest under the new plan, each rounded half-even); a cheaper one \
                    at period end. `preview: true` answers the same without changing anything. `billingInterval: YEARLY` moves a \
                    monthly subscription to the plan's yearly price (annual contract, `yearlyDiscountPercent`): a yearly period starts \
                    now, invoiced at once, with a credit for the unused monthly time.
                    """,
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: changeType, attributes: .of(ChangePlanAttributes.self), optional: false),
                response: change, queryParameters: [], additionalErrors: transitions
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let attributes = try request.attributes(ChangePlanAttributes.self, resourceType: changeType)
                return .ok(
                    try changeDocument(
                        try await client.call(
                            SubscriptionsAPI.changePlan,
                            ChangePlanRequest(
                                id: id, planId: attributes.planId, preview: attributes.preview ?? false,
                                billingInterval: attributes.billingInterval), options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/addons", operationID: "activateSubscriptionAddon", tag: tag,
                summary:
                    """
                    Activate an add-on (seed 000): a free one is ACTIVE at once and its feature flag on; a paid one is PENDING until its invoice \
                    is paid.
                    """,
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: "subscription-addons", attributes: .of(ActivateAddonAttributes.self), optional: false),
                response: single, queryParameters: [], additionalErrors: [409: "The add-on is already on the subscription (ADDON_ALREADY_ACTIVE)"]
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let attributes = try request.attributes(ActivateAddonAttributes.self, resourceType: "subscription-addons")
                return .ok(
                    try document(
                        try await client.call(
                            SubscriptionsAPI.activateAddon, AddonRequest(id: id, addonId: attributes.addonId),
                            options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/addons/{addonId}/cancel", operationID: "cancelSubscriptionAddon", tag: tag,
                summary: "Cancel an add-on at the end of the period (default) or now (`atPeriodEnd: false`); its feature flag goes off then.",
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: "subscription-addons", attributes: .of(CancelAddonAttributes.self), optional: true),
                response: single, queryParameters: []
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let addonID = try request.id(CatalogItemID.self, "addonId", resource: "add-on on this subscription")
                let attributes = try request.attributes(CancelAddonAttributes.self, resourceType: "subscription-addons", optional: true)
                return .ok(
                    try document(
                        try await client.call(
                            SubscriptionsAPI.cancelAddon, AddonRequest(id: id, addonId: addonID, atPeriodEnd: attributes.atPeriodEnd),
                            options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/discount", operationID: "applySubscriptionDiscount", tag: tag,
                summary:
                    """
                    Apply a coupon (`couponId`) or a promotion code (`promotionCode`, any case) to a live subscription, replacing its \
                    discount: it discounts the invoices from the next period on (the first paid one during a trial). Refusals (expired, \
                    redeemed its maximum, first subscription only, another currency) are 422 naming the attribute.
                    """,
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: "subscription-discounts", attributes: .of(CouponChoice.self), optional: false),
                response: single, queryParameters: [],
                additionalErrors: [409: "The subscription is not live, or ends at period end (INVALID_STATUS_TRANSITION)"]
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let attributes = try request.attributes(CouponChoice.self, resourceType: "subscription-discounts")
                return .ok(
                    try document(
                        try await client.call(
                            SubscriptionsAPI.applyDiscount,
                            ApplyDiscountRequest(id: id, couponId: attributes.couponId, promotionCode: attributes.promotionCode),
                            options: request.options)))
            },
            APIRoute(
                method: .delete, path: base + "/{id}/discount", operationID: "removeSubscriptionDiscount", tag: tag,
                summary: "Remove the subscription's discount: invoices drafted from now on are not discounted.",
                permission: .subscriptionsUpdate, requestBody: nil, response: single, queryParameters: []
            ) { request in
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                return .ok(
                    try document(try await client.call(SubscriptionsAPI.removeDiscount, SubscriptionRequest(id: id), options: request.options)))
            },
            APIRoute(
                method: .get, path: base + "/{id}/entitlements", operationID: "getSubscriptionEntitlements", tag: tag,
                summary: "What the subscription grants now: feature flags (plan and active add-ons), plan limits, included credits.",
                permission: .subscriptionsRead, requestBody: nil, response: entitlements, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let id = try request.id(SubscriptionID.self, resource: "subscription")
                let granted = try await client.call(SubscriptionsAPI.entitlements, EntitlementsRequest(subscriptionId: id), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: entitlementsType, id: id.description, from: granted)))
            },
            APIRoute(
                method: .get, path: "/api/v1/billing-accounts/{id}/entitlements", operationID: "getAccountEntitlements", tag: tag,
                summary: "What all live subscriptions of the account grant now (the larger limit wins where two grant the same resource).",
                permission: .subscriptionsRead, requestBody: nil, response: entitlements, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                let account = try request.id(AccountID.self, resource: "billing account")
                let granted = try await client.call(
                    SubscriptionsAPI.entitlements, EntitlementsRequest(billingAccountId: account), options: request.options)
                return .ok(JSONAPI.document(try JSONAPI.resource(type: entitlementsType, id: account, from: granted)))
            },
            APIRoute(
                method: .post, path: clocks, operationID: "createTestClock", tag: tag,
                summary:
                    "A test clock (as Stripe's) frozen at `frozenTime` (default now). Subscriptions created with its `testClockId` live on its time.",
                permission: .subscriptionsCreate,
                requestBody: .init(resourceType: clockType, attributes: .of(CreateTestClockRequest.self), optional: true),
                response: .init(status: .created, resourceType: clockType, attributes: .of(TestClock.self), isCollection: false), queryParameters: []
            ) { request in
                let attributes = try request.attributes(CreateTestClockRequest.self, resourceType: clockType, optional: true)
                let created = try await client.call(SubscriptionsAPI.createTestClock, attributes, options: request.options)
                return .created(try clockDocument(created), location: "\(clocks)/\(created.id)")
            },
            APIRoute(
                method: .get, path: clocks + "/{id}", operationID: "getTestClock", tag: tag, summary: "One test clock.",
                permission: .subscriptionsRead, requestBody: nil, response: clock, queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                return .ok(
                    try clockDocument(
                        try await client.call(
                            SubscriptionsAPI.getTestClock, TestClockRequest(id: try request.id(TestClockID.self, resource: "test clock")),
                            options: request.options)))
            },
            APIRoute(
                method: .post, path: clocks + "/{id}/advance", operationID: "advanceTestClock", tag: tag,
                summary:
                    """
                    Move the clock forward (at most five years); its subscriptions' trial ends, renewals, expiries at period end and grace ends \
                    happen on the way, each at its own instant, before this answers.
                    """,
                permission: .subscriptionsUpdate,
                requestBody: .init(resourceType: clockType, attributes: .of(AdvanceTestClockAttributes.self), optional: false),
                response: clock, queryParameters: []
            ) { request in
                let attributes = try request.attributes(AdvanceTestClockAttributes.self, resourceType: clockType)
                return .ok(
                    try clockDocument(
                        try await client.call(
                            SubscriptionsAPI.advanceTestClock,
                            AdvanceTestClockRequest(
                                id: try request.id(TestClockID.self, resource: "test clock"), frozenTime: attributes.frozenTime),
                            options: request.options)))
            },
        ]
    }

    static func document(_ subscription: Subscription) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: type, from: subscription, selfLink: "\(base)/\(subscription.id)"))
    }

    private static func changeDocument(_ change: SubscriptionChange) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: changeType, id: change.subscription.id.description, from: change))
    }

    private static func clockDocument(_ clock: TestClock) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: clockType, from: clock, selfLink: "\(clocks)/\(clock.id)"))
    }
}
