import BillingCore
import CatalogContract
import LedgerContract

/// What one event adds to its meter: nothing (filtered out), one count, a number, or a distinct key.
struct MeterContribution: Sendable, Equatable {
    /// False when the meter's filters leave the event out (it is still recorded).
    let counted: Bool
    /// The number SUM, MAX, LAST and AVERAGE aggregate.
    let value: DecimalNumber?
    /// What COUNT_DISTINCT counts.
    let distinctKey: String?

    static let filteredOut = MeterContribution(counted: false, value: nil, distinctKey: nil)
}

/// Applies a meter to an event (pure: the same event and meter always give the same answer).
enum MeterEvaluator {
    static func contribution(of event: UsageEventInput, to meter: MeterDefinition) throws(UsageRefusal) -> MeterContribution {
        let properties = event.properties?.objectValue
        for (property, allowed) in meter.filters {
            guard let value = properties?[property].flatMap(scalarText), allowed.contains(value) else { return .filteredOut }
        }
        switch meter.aggregation {
        case .count:
            return MeterContribution(counted: true, value: nil, distinctKey: nil)
        case .countDistinct:
            let property = meter.property ?? ""
            guard let raw = properties?[property], raw != .null else {
                throw UsageRefusal(
                    .missingProperty, field: "properties.\(property)",
                    "meter '\(meter.code)' counts distinct values of property '\(property)', which the event does not have")
            }
            guard let key = scalarText(raw) else {
                throw UsageRefusal(
                    .invalidProperties, field: "properties.\(property)",
                    "property '\(property)' must be a string, number or boolean to be counted, not \(raw.typeDescription)")
            }
            return MeterContribution(counted: true, value: nil, distinctKey: key)
        case .sum, .max, .last, .average:
            if let value = event.value {
                return MeterContribution(counted: true, value: try UsageEventRules.value(value, field: "value"), distinctKey: nil)
            }
            let property = meter.property ?? ""
            let field = "properties.\(property)"
            guard let raw = properties?[property], raw != .null else {
                throw UsageRefusal(
                    .missingProperty, field: field,
                    "meter '\(meter.code)' (\(meter.aggregation.rawValue)) needs a value: give 'value' or property '\(property)'")
            }
            guard let number = raw.decimalValue else {
                throw UsageRefusal(
                    .nonNumericValue, field: field,
                    "meter '\(meter.code)' (\(meter.aggregation.rawValue)) needs a number in property '\(property)', not \(raw.typeDescription)")
            }
            return MeterContribution(counted: true, value: try UsageEventRules.value(number, field: field), distinctKey: nil)
        }
    }

    /// The text a filter compares and COUNT_DISTINCT counts: strings as they are, numbers normalised (`10.0` is `10`), booleans.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number: return value.decimalValue?.text
        case .bool(let flag): return flag ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }
}
