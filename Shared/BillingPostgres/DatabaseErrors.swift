import PostgresNIO

// What these errors mean to a caller is decided at the service edge (BillingService maps them to RPC codes), not here.

/// The database could not be reached or refused work for a transient reason.
public struct DatabaseUnavailableError: Error, CustomStringConvertible {
    public let underlying: String
    public var description: String { "database unavailable: \(underlying)" }
}

/// A transaction lost a race (serialization failure, deadlock, lock timeout) and may be retried.
public struct DatabaseConflictError: Error, CustomStringConvertible {
    public let sqlState: String
    public var description: String { "transaction conflict (SQLSTATE \(sqlState))" }
}

/// A statement ran past its time limit (`statement_timeout`, or the caller's deadline cancelled it).
public struct DatabaseTimeoutError: Error, CustomStringConvertible {
    public var description: String { "statement timed out" }
}

/// An idempotency key came back with a different request than the one it was first used with.
public struct IdempotencyKeyReusedError: Error, CustomStringConvertible {
    public let operation: String
    public var description: String { "this Idempotency-Key was already used with a different request (\(operation))" }
}

/// Sorts PostgreSQL failures into what callers can act on; domain errors pass through untouched.
public enum DatabaseErrors {
    public static func classify(_ error: any Error) -> any Error {
        guard let psql = error as? PSQLError else { return error }
        guard let state = psql.serverInfo?[.sqlState] else {
            // No SQLSTATE: the failure is the connection itself.
            return DatabaseUnavailableError(underlying: "\(psql.code)")
        }
        switch state {
        case "40001", "40P01", "55P03": return DatabaseConflictError(sqlState: state)
        case "57014": return DatabaseTimeoutError()
        case "57P01", "57P02", "57P03", "53300": return DatabaseUnavailableError(underlying: state)
        default:
            if state.hasPrefix("08") { return DatabaseUnavailableError(underlying: state) }
            return error
        }
    }

    /// The SQLSTATE of a PostgreSQL error, if it is one.
    public static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The constraint a PostgreSQL error names, if any.
    public static func constraint(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.constraintName]
    }

    public static func isUniqueViolation(_ error: any Error, constraint: String? = nil) -> Bool {
        guard sqlState(of: error) == "23505" else { return false }
        return constraint == nil || self.constraint(of: error) == constraint
    }
}
