import BillingCore

/// A pack of prepaid AI credits for sale (seed 002: Start 100 credits for R$ 39,70, …).
public struct CreditPackageAttributes: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var credits: Credits
    public var price: DecimalNumber
    public var currency: String
    /// Days the purchased credits stay valid; absent: they never expire (seed 000).
    public var validityDays: Int?

    public init(code: String, name: String, credits: Credits, price: DecimalNumber, currency: String, validityDays: Int? = nil) {
        self.code = code
        self.name = name
        self.credits = credits
        self.price = price
        self.currency = currency
        self.validityDays = validityDays
    }
}
