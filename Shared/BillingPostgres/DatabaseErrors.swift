import BillingRPC
import PostgresNIO

/// The database could not be reached or refused work for a transient reason.
public struct DatabaseUnavailableError: Error, RPCErrorConvertible, CustomStringConvertible {
    public let underlying: String
    public var rpcError: RPCError { RPCError(.unavailable, "database unavailable, try again", reason: "DATABASE_UNAVAILABLE") }
    public var description: String { "database unavailable: \(underlying)" }
}

/// A transaction lost a race (serialization failure, deadlock, lock timeout) and may be retried.
public struct DatabaseConflictError: Error, RPCErrorConvertible, CustomStringConvertible {
    public let sqlState: String
    public var rpcError: RPCError { RPCError(.aborted, "concurrent update, try again", reason: "CONCURRENT_UPDATE") }
    public var description: String { "transaction conflict (SQLSTATE \(sqlState))" }
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
        case "57014": return RPCError.deadlineExceeded("statement timed out")
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
