import Foundation

/// A UUID that names one kind of thing (`AccountID`, `InvoiceID`), so ids of different kinds never mix.
///
/// Conformers are one-line structs; encoding is the lower-case UUID string.
public protocol TypedIdentifier: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    var rawValue: UUID { get }
    init(rawValue: UUID)
}

extension TypedIdentifier {
    /// A new time-ordered id.
    public static func generate(at date: Date = Date()) -> Self { Self(rawValue: UUIDv7.generate(at: date)) }

    /// Parses the canonical text form; nil when it is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.init(rawValue: uuid)
    }

    public var description: String { rawValue.text }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text.prefix(40))' is not a valid id")
        }
        self.init(rawValue: uuid)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
