import BillingCore
import Foundation
import NIOCore
import PostgresNIO

/// A typed id binds and reads as the `uuid` it wraps, so stores take `AccountID` where the column is a `uuid`.
public protocol PostgresIdentifier: TypedIdentifier, PostgresEncodable, PostgresDecodable {}

extension PostgresIdentifier {
    public static var psqlType: PostgresDataType { UUID.psqlType }
    public static var psqlFormat: PostgresFormat { UUID.psqlFormat }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        rawValue.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(rawValue: try UUID(from: &buffer, type: type, format: format, context: context))
    }
}

extension AccountID: PostgresIdentifier {}
extension CatalogItemID: PostgresIdentifier {}
extension SubscriptionID: PostgresIdentifier {}
extension TestClockID: PostgresIdentifier {}
extension InvoiceID: PostgresIdentifier {}
extension PaymentID: PostgresIdentifier {}
extension GrantID: PostgresIdentifier {}
extension ExecutionID: PostgresIdentifier {}
extension RechargeRequestID: PostgresIdentifier {}
extension RefundID: PostgresIdentifier {}
extension PaymentMethodID: PostgresIdentifier {}
