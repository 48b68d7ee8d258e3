import BillingPostgres
import BillingRPC

// The service edge: what the database's errors mean to an RPC caller. Declared here, where both modules meet, so that
// BillingPostgres knows nothing of RPC; every service links this module, and the router finds these conformances.

extension DatabaseUnavailableError: RPCErrorConvertible {
    public var rpcError: RPCError { RPCError(.unavailable, "database unavailable, try again", reason: "DATABASE_UNAVAILABLE") }
}

extension DatabaseConflictError: RPCErrorConvertible {
    public var rpcError: RPCError { RPCError(.aborted, "concurrent update, try again", reason: "CONCURRENT_UPDATE") }
}

extension DatabaseTimeoutError: RPCErrorConvertible {
    public var rpcError: RPCError { .deadlineExceeded("statement timed out") }
}

extension IdempotencyKeyReusedError: RPCErrorConvertible {
    public var rpcError: RPCError {
        .invalidArgument("this Idempotency-Key was already used with a different request", reason: "IDEMPOTENCY_KEY_REUSED")
    }
}
