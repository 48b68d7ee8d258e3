import BillingCore
import BillingRPC
import BillingService
import CatalogContract
import Foundation
import InvoicingContract
import PostgresNIO

/// Editing a DRAFT (seed 001): its memo, purchase order and due date, and its ONE_OFF lines; each edit under the invoice's lock,
/// once per idempotency key, with the totals and the account credit the draft takes computed again (``DraftEditing``).
extension InvoicesService {
    func update(_ request: UpdateInvoiceRequest, context: RPCServerContext) async throws -> Invoice {
        try await change(request.id, context: context) { invoice, now, _ in
            try DraftEditing.apply(request.changes, to: &invoice, today: Self.startOfDay(now))
            return []
        }
    }

    func addLine(_ request: InvoiceLineRequest, context: RPCServerContext) async throws -> Invoice {
        let attributes = request.attributes ?? InvoiceLineAttributes()
        // The catalog is asked before the invoice is locked: no call to another service while holding a row lock.
        let product = try await oneOffProduct(attributes.productId, context: context)
        return try await editLines(request.invoiceId, context: context) { invoice, currency in
            invoice.lines.append(try DraftEditing.line(attributes, product: product, currency: currency))
        }
    }

    func updateLine(_ request: InvoiceLineRequest, context: RPCServerContext) async throws -> Invoice {
        let attributes = request.attributes ?? InvoiceLineAttributes()
        let lineID = try Self.lineID(request)
        let product = try await oneOffProduct(attributes.productId, context: context)
        return try await editLines(request.invoiceId, context: context) { invoice, currency in
            let index = try DraftEditing.index(of: lineID, in: invoice)
            try DraftEditing.change(&invoice.lines[index], with: attributes, product: product, currency: currency)
        }
    }

    func removeLine(_ request: InvoiceLineRequest, context: RPCServerContext) async throws -> Invoice {
        let lineID = try Self.lineID(request)
        return try await editLines(request.invoiceId, context: context) { invoice, _ in
            invoice.lines.remove(at: try DraftEditing.index(of: lineID, in: invoice))
        }
    }

    /// Locks the DRAFT, applies `edit` to its lines, and computes its totals and account credit again.
    func editLines(
        _ id: InvoiceID, context: RPCServerContext, _ edit: @escaping (inout Invoice, Currency) throws -> Void
    ) async throws -> Invoice {
        try await change(id, context: context) { invoice, now, connection in
            try await editDraftLines(&invoice, at: now, tenant: context.tenant, traceparent: context.metadata.traceparent, on: connection, edit)
            return []
        }
    }

    /// Applies `edit` to the lines of a locked DRAFT and computes its totals and account credit again (the caller saves it): what
    /// every line edit does, by hand or an invoice item added to a draft. 409 for a finalized invoice, 422 (`unitAmount`) for a total
    /// below zero.
    func editDraftLines(
        _ invoice: inout Invoice, at now: Date, tenant: String, traceparent: String?, on connection: PostgresConnection,
        _ edit: (inout Invoice, Currency) throws -> Void
    ) async throws {
        try DraftEditing.requireDraft(invoice)
        try edit(&invoice, invoice.total.currency)
        try await credit.rebalance(&invoice, at: now, tenant: tenant, traceparent: traceparent, on: connection)
    }

    /// The catalog product a ONE_OFF line names: 422 when it does not exist (or is another tenant's), is archived, or prices in
    /// tiers.
    private func oneOffProduct(_ id: CatalogItemID?, context: RPCServerContext) async throws -> OneOffProduct? {
        guard let id else { return nil }
        guard
            let product = try await RPCError.unlessNotFound({ () async throws(RPCError) in
                try await catalog.call(CatalogAPI.products.get, GetItemRequest(id: id), options: context.outgoing(timeout: .seconds(5)))
            })
        else { throw InvoicingError.invalid("productId", "product \(id) not found", reason: "PRODUCT_NOT_FOUND") }
        guard product.status == .active else {
            throw InvoicingError.invalid("productId", "product \(id) is \(product.status.rawValue); only an ACTIVE product is sold")
        }
        let price = product.attributes
        return OneOffProduct(
            id: id, name: price.name, currency: price.currency,
            unitAmount: price.pricingModel == .flatFee
                ? price.flatAmount : [.perUnit, .package].contains(price.pricingModel) ? price.unitAmount : nil, taxCode: price.taxCode)
    }

    private static func lineID(_ request: InvoiceLineRequest) throws -> InvoiceLineID {
        guard let id = request.lineId else { throw InvoicingError.invalid("lineId", "lineId is required") }
        return id
    }

    static func startOfDay(_ time: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.startOfDay(for: time)
    }
}

/// A coupon on one DRAFT (issue 26).
extension InvoicesService {
    /// Redeems the coupon with the catalog (before the draft is locked, once per call key), then adds its DISCOUNT lines to the
    /// draft and takes its account credit again. First-time-only promotion codes are for subscriptions (refused here).
    func applyDiscount(_ request: InvoiceDiscountRequest, context: RPCServerContext) async throws -> Invoice {
        guard (request.couponId == nil) != (request.promotionCode == nil) else {
            throw InvoicingError.invalid("couponId", "name a coupon (couponId) or a promotion code, not both")
        }
        let draft = try await get(request.invoiceId, tenant: context.tenant)
        try DraftEditing.requireDraft(draft)
        let redemption = try await catalog.call(
            CatalogAPI.redeemCoupon,
            RedeemCouponRequest(
                couponId: request.couponId, promotionCode: request.promotionCode, billingAccountId: draft.billingAccountId,
                firstTimeCustomer: false, reference: "invoice-discount:\(request.invoiceId):\(context.metadata.idempotencyKey ?? UUID().uuidString)",
                currency: draft.currency),
            options: context.outgoing(timeout: .seconds(5)))
        guard redemption.coupon.appliesTo == nil else {
            throw InvoicingError.invalid(
                request.couponId == nil ? "promotionCode" : "couponId",
                "a coupon restricted by appliesTo applies to subscriptions, not to one invoice",
                reason: "COUPON_RESTRICTED")
        }
        return try await editLines(request.invoiceId, context: context) { invoice, _ in
            invoice.lines = try Discounts.apply(redemption.coupon, toDraft: invoice.lines)
        }
    }
}
