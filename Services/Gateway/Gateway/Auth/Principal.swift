/// Who is calling: the tenant and subject of a verified token, and what they may do.
///
/// Two kinds of callers hold tenant tokens. *Operators* (the tenant's back-end and staff) hold the permissions they list, or
/// all of them through the `owner`/`admin` roles. *Customers* carry `billingAccountId`: their `owner`/`admin` is the customer's
/// admin (seed 000), and whatever they list, they reach only the routes open to customers, on their own account only.
struct Principal: Sendable, Equatable {
    /// The tenant (`organizationId`); the only source of tenancy, never a header, body or URL.
    let tenant: String
    let subject: String
    let roles: Set<String>
    let permissions: Set<String>
    /// The billing account a customer token is scoped to (lowercased UUID); nil for operator tokens.
    var customerAccount: String? = nil

    /// Roles that hold every permission of the caller's kind (seed 000: "Apenas usuarios com role owner ou admin").
    static let privilegedRoles: Set<String> = ["owner", "admin"]

    var isCustomer: Bool { customerAccount != nil }

    /// Whether the token grants the permission (a customer's route access is checked on the route, ``APIRoute/customer``).
    func holds(_ permission: Permission) -> Bool {
        !roles.isDisjoint(with: Principal.privilegedRoles) || permissions.contains(permission.name)
    }
}
