import CatalogContract
import Foundation

/// A meter as the ledger applies it: how it counts is fixed once created (the catalog refuses changes), so a cached
/// definition never goes stale.
struct MeterDefinition: Sendable, Equatable {
    let id: UUID
    let code: String
    let aggregation: MeterAggregation
    let property: String?
    let filters: [String: [String]]

    init(id: UUID, code: String, aggregation: MeterAggregation, property: String?, filters: [String: [String]]) {
        self.id = id
        self.code = code
        self.aggregation = aggregation
        self.property = property
        self.filters = filters
    }

    init(_ item: CatalogItem<MeterAttributes>) {
        self.init(
            id: item.id.rawValue, code: item.attributes.code, aggregation: item.attributes.aggregation, property: item.attributes.property,
            filters: item.attributes.filters ?? [:])
    }
}
