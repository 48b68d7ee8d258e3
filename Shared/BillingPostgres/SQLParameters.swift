import PostgresNIO

/// Parameters of a statement whose text is assembled at run time: `bind` appends a value and answers its `$n`.
public struct SQLParameters: Sendable {
    public private(set) var bindings = PostgresBindings()

    public init() {}

    /// Appends `value` (nil binds SQL NULL) and returns the placeholder that names it.
    public mutating func bind<Value: PostgresEncodable & Sendable>(_ value: Value?) throws -> String {
        if let value { try bindings.append(value, context: .default) } else { bindings.appendNull() }
        return "$\(bindings.count)"
    }

    /// The statement `sql`, whose placeholders came from ``bind(_:)``.
    public func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}
