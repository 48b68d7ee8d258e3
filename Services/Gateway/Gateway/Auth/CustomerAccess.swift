import BillingCore

/// How a route is open to customer tokens (``Principal/customerAccount``) and how the account it acts on is found. Routes
/// without one are for operators only (403 to customers); a customer naming another account's anything gets 404, as if it
/// did not exist, so ids of other accounts cannot be probed.
struct CustomerAccess: Sendable {
    enum Scope: Sendable {
        /// Nothing account-specific (the tenant's catalog).
        case tenantWide
        /// The path's `{id}` is the billing account.
        case pathAccount
        /// The body's `data.attributes.billingAccountId`.
        case bodyAccount
        /// The `filter[billingAccountId]` query parameter; set to the customer's account when absent.
        case queryAccount
        /// The account of the resource the path names, read before the route runs.
        case owner(resource: String, account: @Sendable (APIRequest) async throws -> String)
    }

    let scope: Scope
    /// Attributes only operators may send (a customer cannot choose its own trial): 403 naming the attribute.
    var operatorOnlyAttributes: [String] = []

    static let tenantWide = CustomerAccess(scope: .tenantWide)
    static let pathAccount = CustomerAccess(scope: .pathAccount)
    static let bodyAccount = CustomerAccess(scope: .bodyAccount)
    static let queryAccount = CustomerAccess(scope: .queryAccount)

    static func owner(_ resource: String, account: @escaping @Sendable (APIRequest) async throws -> String) -> CustomerAccess {
        CustomerAccess(scope: .owner(resource: resource, account: account))
    }

    /// How OpenAPI's `x-customer-access` names the scope.
    var documentedScope: String {
        switch scope {
        case .tenantWide: "tenant-wide"
        case .pathAccount: "account-in-path"
        case .bodyAccount: "account-in-body"
        case .queryAccount: "account-filter"
        case .owner: "owned-resource"
        }
    }

    /// Checks a customer's request against its account, answering the request the route runs (queries narrowed to the account).
    func authorize(_ request: APIRequest, account: String) async throws -> APIRequest {
        let attributes = request.body?["data"]?["attributes"]?.objectValue
        for name in operatorOnlyAttributes where attributes?[name] != nil && attributes?[name] != .null {
            throw APIError.operatorOnlyAttribute(name)
        }
        var request = request
        switch scope {
        case .tenantWide:
            break
        case .pathAccount:
            try Self.require(request.pathParameters["id"], is: account, resource: "billing account")
        case .bodyAccount:
            // Without it the route's own validation names the missing attribute.
            guard let named = attributes?["billingAccountId"]?.stringValue else { return request }
            try Self.require(named, is: account, resource: "billing account")
        case .queryAccount:
            if let named = request.query["filter[billingAccountId]"] {
                try Self.require(named, is: account, resource: "billing account")
            } else {
                request.query.set("filter[billingAccountId]", to: account)
            }
        case .owner(let resource, let lookup):
            try Self.require(try await lookup(request), is: account, resource: resource)
        }
        return request
    }

    private static func require(_ named: String?, is account: String, resource: String) throws {
        guard let named, named.lowercased() == account else {
            throw APIError.notFound("\(resource) '\((named ?? "").prefix(60))' not found")
        }
    }
}
