import PostgresNIO

extension PostgresBindings {
    /// Bindings `$1…$n` for a statement whose parameters may be nil (bound as SQL NULL).
    public static func of(_ values: (any PostgresEncodable & Sendable)?...) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value, context: .default) } else { bindings.appendNull() }
        }
        return bindings
    }
}
