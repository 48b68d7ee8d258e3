/// Who is calling: the tenant and subject of a verified token, and what they may do.
struct Principal: Sendable, Equatable {
    /// The tenant (`organizationId`); the only source of tenancy, never a header, body or URL.
    let tenant: String
    let subject: String
    let roles: Set<String>
    let permissions: Set<String>

    /// Roles that hold every billing permission (seed 000: "Apenas usuarios com role owner ou admin").
    static let privilegedRoles: Set<String> = ["owner", "admin"]

    func holds(_ permission: Permission) -> Bool {
        !roles.isDisjoint(with: Principal.privilegedRoles) || permissions.contains(permission.name)
    }
}
