/// The status of a finished call, carried in the `rpc-status` trailer (DESIGN.md section 3).
public enum RPCCode: String, Sendable, Hashable, Codable, CaseIterable {
    case ok
    case cancelled
    case invalidArgument = "invalid_argument"
    case deadlineExceeded = "deadline_exceeded"
    case notFound = "not_found"
    case alreadyExists = "already_exists"
    case permissionDenied = "permission_denied"
    case resourceExhausted = "resource_exhausted"
    case failedPrecondition = "failed_precondition"
    case aborted
    case unimplemented
    case `internal`
    case unavailable
    case unauthenticated
}
