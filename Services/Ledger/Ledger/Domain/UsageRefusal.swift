import LedgerContract

/// Why one event of a batch is not recorded, and the attribute at fault.
struct UsageRefusal: Error, Sendable, Equatable {
    let reason: UsageRefusalReason
    let field: String?
    let message: String

    init(_ reason: UsageRefusalReason, field: String?, _ message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    func result(eventId: String) -> UsageEventResult {
        UsageEventResult(eventId: eventId, status: .refused, reason: reason, message: message, field: field)
    }
}
