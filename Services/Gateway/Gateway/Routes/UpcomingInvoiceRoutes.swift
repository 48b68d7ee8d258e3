import BillingCore
import BillingRPC
import CatalogContract
import Foundation
import HTTPTypes
import InvoicingContract

/// `GET /billing-accounts/{id}/upcoming-invoice` and `GET /subscriptions/{id}/upcoming-invoice`: the next invoice, computed
/// (Stripe's upcoming invoice); customers read their own (``CustomerRoutes``). `POST /invoices/{id}/discount`: a coupon on one
/// draft (operators).
enum UpcomingInvoiceRoutes {
    static let type = "upcoming-invoices"

    static func routes(client: RPCClient) -> [APIRoute] {
        let response = APIRoute.ResponseSpec(status: .ok, resourceType: type, attributes: .of(UpcomingInvoice.self), isCollection: false)
        let noNext = [409: "Nothing will be invoiced next: no live subscription (or it ends at period end) and no pending item (NO_UPCOMING_INVOICE)"]
        @Sendable func document(_ upcoming: UpcomingInvoice, id: String) throws -> JSONValue {
            JSONAPI.document(try JSONAPI.resource(type: type, id: id, from: upcoming))
        }
        return [
            APIRoute(
                method: .get, path: "/api/v1/billing-accounts/{id}/upcoming-invoice", operationID: "getAccountUpcomingInvoice",
                tag: InvoiceRoutes.tag,
                summary:
                    """
                    The account's next invoice as things stand, nothing written: the next period of the subscription that renews first \
                    (its plan and add-ons, a change scheduled for the period's end included), the current period's usage so far priced, \
                    proration lines and one-off items waiting, the coupon in force, and the account credit it would take.
                    """,
                permission: .invoicesRead, requestBody: nil, response: response, queryParameters: [], additionalErrors: noNext
            ) { request in
                try request.query.requireOnly([])
                let account = try request.id(AccountID.self, resource: "billing account")
                let upcoming = try await client.call(
                    InvoicingAPI.upcoming, UpcomingInvoiceRequest(billingAccountId: account), options: request.options)
                return .ok(try document(upcoming, id: account.description))
            },
            APIRoute(
                method: .get, path: "/api/v1/subscriptions/{id}/upcoming-invoice", operationID: "getSubscriptionUpcomingInvoice",
                tag: InvoiceRoutes.tag,
                summary: "The subscription's next invoice as things stand (as for the account's), nothing written.",
                permission: .invoicesRead, requestBody: nil, response: response, queryParameters: [], additionalErrors: noNext
            ) { request in
                try request.query.requireOnly([])
                let subscription = try request.id(SubscriptionID.self, resource: "subscription")
                let upcoming = try await client.call(
                    InvoicingAPI.upcoming, UpcomingInvoiceRequest(subscriptionId: subscription), options: request.options)
                return .ok(try document(upcoming, id: subscription.description))
            },
            APIRoute(
                method: .post, path: "/api/v1/invoices/{id}/discount", operationID: "applyInvoiceDiscount", tag: InvoiceRoutes.tag,
                summary:
                    """
                    Apply a coupon (`couponId`) or a promotion code (`promotionCode`, any case) to one DRAFT: a DISCOUNT line after each \
                    line it discounts (subscription lines, one-off lines and items), the totals and account credit computed again. A \
                    coupon restricted by `appliesTo`, or a first-subscription-only code, is refused (422).
                    """,
                permission: .invoicesUpdate,
                requestBody: .init(resourceType: "invoice-discounts", attributes: .of(CouponChoice.self), optional: false),
                response: .init(status: .ok, resourceType: InvoiceRoutes.invoiceType, attributes: .of(Invoice.self), isCollection: false),
                queryParameters: [], additionalErrors: [409: InvoiceRoutes.draftOnly]
            ) { request in
                let id = try request.id(InvoiceID.self, resource: "invoice")
                let choice = try request.attributes(CouponChoice.self, resourceType: "invoice-discounts")
                let invoice = try await client.call(
                    InvoicingAPI.applyDiscount, InvoiceDiscountRequest(invoiceId: id, couponId: choice.couponId, promotionCode: choice.promotionCode),
                    options: request.options)
                return .ok(try InvoiceRoutes.document(invoice))
            },
        ]
    }
}
