import BillingCore
import Foundation
import LedgerContract

/// The checks an event passes before its account and meter are looked at.
enum UsageEventRules {
    static let maximumBatch = 1000
    static let maximumFutureSkew: TimeInterval = 300
    static let maximumPropertyKeys = 50
    static let maximumPropertyBytes = 4096
    /// Values are at most 15 integer and 12 fractional digits, so sums of billions of events stay exact.
    static let maximumValueMagnitude = DecimalNumber(significand: 1_000_000_000_000_000, scale: 0)
    static let maximumValueScale = 12

    static func eventId(_ id: String) throws(UsageRefusal) {
        guard (1...200).contains(id.utf8.count), id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw UsageRefusal(.invalidEventID, field: "eventId", "the event id must be 1 to 200 bytes of printable characters without spaces")
        }
    }

    /// When the event happened: its timestamp (at most 5 minutes ahead of `now`) or `now`.
    static func occurredAt(_ timestamp: Date?, now: Date) throws(UsageRefusal) -> Date {
        guard let timestamp else { return now }
        guard timestamp.timeIntervalSince(now) <= maximumFutureSkew else {
            throw UsageRefusal(
                .futureTimestamp, field: "timestamp",
                "timestamp \(RFC3339.format(timestamp)) is more than 5 minutes in the future (server time \(RFC3339.format(now)))")
        }
        return RFC3339.truncatedToMicroseconds(timestamp)
    }

    /// The cost centre as stored: 1 to 200 bytes, or nil.
    static func costCenter(_ costCenter: String?) throws(UsageRefusal) -> String? {
        guard let costCenter else { return nil }
        guard (1...200).contains(costCenter.utf8.count) else {
            throw UsageRefusal(.invalidCostCenter, field: "costCenter", "costCenter must be 1 to 200 bytes")
        }
        return costCenter
    }

    /// The properties as stored (an object, at most 50 keys and 4 KiB of JSON), or nil.
    static func properties(_ properties: JSONValue?) throws(UsageRefusal) -> String? {
        guard let properties, properties != .null else { return nil }
        guard case .object(let object) = properties else {
            throw UsageRefusal(.invalidProperties, field: "properties", "properties must be an object, not \(properties.typeDescription)")
        }
        let text = JSONWriter.string(properties)
        guard object.keys.count <= maximumPropertyKeys, text.utf8.count <= maximumPropertyBytes else {
            throw UsageRefusal(
                .propertiesTooLarge, field: "properties",
                """
                properties hold \(object.keys.count) keys and \(text.utf8.count) bytes; at most \(maximumPropertyKeys) keys and \
                \(maximumPropertyBytes) bytes
                """
            )
        }
        return text
    }

    static func value(_ value: DecimalNumber, field: String) throws(UsageRefusal) -> DecimalNumber {
        let magnitude = value.isNegative ? value.negated : value
        guard magnitude < maximumValueMagnitude, value.scale <= maximumValueScale else {
            throw UsageRefusal(.valueOutOfRange, field: field, "\(field) must be below 10^15 in magnitude with at most 12 decimal places")
        }
        return value
    }
}
