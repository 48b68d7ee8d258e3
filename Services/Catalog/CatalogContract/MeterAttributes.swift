import BillingCore

/// How a meter summarises a period's usage events (seed 001's five, plus COUNT).
public enum MeterAggregation: String, Codable, Sendable, CaseIterable, SchemaDescribing {
    case count = "COUNT"
    case sum = "SUM"
    case max = "MAX"
    case last = "LAST"
    case average = "AVERAGE"
    case countDistinct = "COUNT_DISTINCT"

    /// Whether the aggregated property must hold a number.
    public var needsNumericValue: Bool { self == .sum || self == .max || self == .last || self == .average }
}

/// A usage meter (seed 001 "Medidores de uso").
public struct MeterAttributes: Codable, Sendable, Equatable {
    /// The code usage events name; fixed once created.
    public var code: String
    public var name: String
    public var description: String?
    public var aggregation: MeterAggregation
    /// The event property aggregated (required except for COUNT; for COUNT_DISTINCT the property counted).
    public var property: String?
    /// Only events whose properties hold one of the listed values count (property → allowed values).
    public var filters: [String: [String]]?
    /// The plan-limit resource this meter's usage counts against (`messages`): each accepted event adds 1 (COUNT) or its value,
    /// rounded up (SUM), to that resource's usage, and is refused with `LIMIT_REACHED` past a HARD limit. COUNT and SUM meters
    /// only; fixed once created.
    public var limitResource: String?

    public init(
        code: String, name: String, description: String? = nil, aggregation: MeterAggregation, property: String? = nil,
        filters: [String: [String]]? = nil, limitResource: String? = nil
    ) {
        self.code = code
        self.name = name
        self.description = description
        self.aggregation = aggregation
        self.property = property
        self.filters = filters
        self.limitResource = limitResource
    }
}
