import Foundation

/// Who receives PIX payments: the key, name and city the BR Code carries (`BILLING_INVOICING_PIX_*`).
public struct PixMerchant: Sendable {
    public let key: String
    public let name: String
    public let city: String
    public init(key: String, name: String, city: String) {
        self.key = key
        self.name = name
        self.city = city
    }
}
