import BillingCore
import BillingRPC
import CatalogContract
import Foundation

/// Usage priced as the catalog's price preview prices it, from product versions kept per process: a catalog version never
/// changes, so each one is read once per process and tenant instead of a `PricePreviews` call per invoice (10,000 renewal
/// invoices of one tenant's 3 usage products: 3 reads, where there were 10,000 calls).
final class ProductPrices: Sendable {
    private struct Product: Sendable {
        let version: Int
        let pricingModel: PricingModel
        let specification: PriceSpecification?
    }

    private let products = FetchCache<Product>(lifetime: nil, limit: 10_000)

    /// One preview per item, in order; the catalog's refusals as it answers them (an unknown product or version: not found;
    /// a quantity the pricing model refuses or an unknown currency: invalid argument).
    func previews(
        _ items: [PricePreviewRequest], catalog: CatalogClient, tenant: String, options: RPCCallOptions
    ) async throws(RPCError) -> [PricePreview] {
        var previews: [PricePreview] = []
        for item in items {
            let product = try await product(item, catalog: catalog, tenant: tenant, options: options)
            guard let specification = product.specification else {
                throw RPCError(.invalidArgument, "unknown currency", reason: "INVALID_QUANTITY", details: ["field": "currency"])
            }
            do {
                let breakdown = try PriceCalculator.price(specification, quantity: item.quantity)
                previews.append(
                    PricePreview(
                        productId: item.productId, version: product.version, pricingModel: product.pricingModel, breakdown: breakdown,
                        quantity: item.quantity))
            } catch {
                throw RPCError(.invalidArgument, error.message, reason: "INVALID_QUANTITY", details: ["field": error.field])
            }
        }
        return previews
    }

    /// A pinned version from the cache; the current version (no version asked, which a later version changes) always from the catalog.
    private func product(
        _ item: PricePreviewRequest, catalog: CatalogClient, tenant: String, options: RPCCallOptions
    ) async throws(RPCError) -> Product {
        @Sendable func fetch() async throws(RPCError) -> Product {
            let found = try await catalog.call(CatalogAPI.products.get, GetItemRequest(id: item.productId, version: item.version), options: options)
            return Product(version: found.version, pricingModel: found.attributes.pricingModel, specification: found.attributes.priceSpecification)
        }
        guard let version = item.version else { return try await fetch() }
        do {
            return try await products.value(for: "\(tenant)\u{1}\(item.productId)\u{1}\(version)", now: Date()) { try await fetch() }
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.unavailable, "the catalog could not be read: \(error)")
        }
    }
}
