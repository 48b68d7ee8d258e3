import Foundation

extension UUID {
    /// The one text form of an id everywhere (wire, API, stored, logs): lower case, as PostgreSQL prints a `uuid`.
    public var text: String { uuidString.lowercased() }
}
