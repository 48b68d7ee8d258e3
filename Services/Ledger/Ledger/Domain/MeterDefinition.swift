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
    /// The plan-limit resource its accepted events count against.
    let limitResource: String?

    init(
        id: UUID, code: String, aggregation: MeterAggregation, property: String?, filters: [String: [String]], limitResource: String? = nil
    ) {
        self.id = id
        self.code = code
        self.aggregation = aggregation
        self.property = property
        self.filters = filters
        self.limitResource = limitResource
    }

    init(_ item: CatalogItem<MeterAttributes>) {
        self.init(
            id: item.id.rawValue, code: item.attributes.code, aggregation: item.attributes.aggregation, property: item.attributes.property,
            filters: item.attributes.filters ?? [:], limitResource: item.attributes.limitResource)
    }
}
