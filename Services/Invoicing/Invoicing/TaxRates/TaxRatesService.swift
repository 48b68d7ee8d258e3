import BillingCore
import BillingPostgres
import BillingRPC
import Foundation
import InvoicingContract
import PostgresNIO

/// The tenant's tax rates (issue 26, Stripe's TaxRate with the Brazilian withholdings): created, read, listed, renamed and
/// deactivated; their terms never change. Finalization applies the active ones (``TaxRateStore/active(tenant:on:)``).
struct TaxRatesService: Sendable {
    let database: Database
    let clock: any BillingClock
    let store: TaxRateStore

    func register(on router: inout RPCRouter) {
        router.register(InvoicingAPI.createTaxRate) { request, context in try await create(request, context: context) }
        router.register(InvoicingAPI.getTaxRate) { request, context in try await get(request.id, tenant: context.tenant) }
        router.register(InvoicingAPI.listTaxRates) { request, context in try await list(request, tenant: context.tenant) }
        router.register(InvoicingAPI.updateTaxRate) { request, context in try await update(request, context: context) }
    }

    /// A new active rate, once per idempotency key; 422 naming the field at fault (see ``TaxRateRules/rate(_:id:at:)``).
    func create(_ request: CreateTaxRateRequest, context: RPCServerContext) async throws -> TaxRate {
        let now = clock.now()
        let rate = try TaxRateRules.rate(request, id: .generate(at: now), at: now)
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.createTaxRate.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            try await store.insert(rate, tenant: tenant, on: connection)
            return rate
        }
    }

    func get(_ id: TaxRateID, tenant: String) async throws -> TaxRate {
        try await database.withTenant(tenant) { connection in
            guard let rate = try await store.find(id, tenant: tenant, on: connection) else { throw Self.notFound(id) }
            return rate
        }
    }

    func list(_ request: ListTaxRatesRequest, tenant: String) async throws -> TaxRatePage {
        guard (1...100).contains(request.pageSize) else {
            throw InvoicingError.invalid("page[size]", "page size must be between 1 and 100", reason: "INVALID_PAGE_SIZE")
        }
        return try await database.withTenant(tenant) { try await store.list(request, tenant: tenant, on: $0) }
    }

    /// Changes the name, description, jurisdiction or `active` of a rate, once per idempotency key; 404 for a rate the tenant does
    /// not have.
    func update(_ request: UpdateTaxRateRequest, context: RPCServerContext) async throws -> TaxRate {
        let tenant = context.tenant
        return try await database.idempotent(
            tenant: tenant, operation: InvoicingAPI.updateTaxRate.name, key: context.metadata.idempotencyKey, request: request
        ) { connection in
            guard let rate = try await store.find(request.id, forUpdate: true, tenant: tenant, on: connection) else {
                throw Self.notFound(request.id)
            }
            let changed = try TaxRateRules.updated(rate, with: request, at: clock.now())
            if changed != rate { try await store.update(changed, tenant: tenant, on: connection) }
            return changed
        }
    }

    private static func notFound(_ id: TaxRateID) -> InvoicingError {
        InvoicingError.notFound("tax rate", id.description, reason: "TAX_RATE_NOT_FOUND")
    }
}
