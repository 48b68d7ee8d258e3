import AccountsContract
import BillingCore
import BillingRPC
import HTTPTypes

/// `/api/v1/billing-accounts` (seed 001 "Contas de faturamento").
enum AccountRoutes {
    static let type = "billing-accounts"
    static let base = "/api/v1/billing-accounts"

    static func routes(client: AccountsClient) -> [APIRoute] {
        let account = CodableSchema.of(BillingAccount.self)
        let statusChange = APIRoute.BodySpec(resourceType: type, attributes: .of(AccountStatusChangeAttributes.self), optional: true)
        func single(_ status: HTTPStatus = .ok) -> APIRoute.ResponseSpec {
            .init(status: status, resourceType: type, attributes: account, isCollection: false)
        }
        return [
            APIRoute(
                method: .post, path: base, operationID: "createBillingAccount", tag: "Billing accounts",
                summary:
                    """
                    Create a billing account. CPF/CNPJ are validated by their check digits; a tax id already used by another open account of the \
                    tenant is a 409.
                    """,
                permission: .accountsCreate,
                requestBody: .init(resourceType: type, attributes: .of(CreateAccountRequest.self), optional: false),
                response: single(.created), queryParameters: []
            ) { request in
                let attributes = try request.attributes(CreateAccountRequest.self, resourceType: type)
                let created = try await client.create(attributes, options: request.options)
                return .created(try document(created), location: "\(base)/\(created.id)")
            },
            APIRoute(
                method: .get, path: base, operationID: "listBillingAccounts", tag: "Billing accounts",
                summary: "List the tenant's billing accounts, oldest first, with cursor pagination.",
                permission: .accountsRead, requestBody: nil,
                response: .init(status: .ok, resourceType: type, attributes: account, isCollection: true),
                queryParameters: [
                    .init(name: "filter[status]", summary: "ACTIVE, SUSPENDED or CLOSED", schema: .of(AccountStatus.self)),
                    .init(name: "filter[email]", summary: "exact e-mail, case-insensitive", schema: .string(format: nil)),
                    .init(name: "filter[taxId]", summary: "CPF/CNPJ formatted or bare, or a foreign id", schema: .string(format: nil)),
                    .init(name: "page[size]", summary: "1 to 100, default 20", schema: .integer),
                    .init(name: "page[after]", summary: "the cursor from links.next", schema: .string(format: "uuid")),
                ]
            ) { request in
                let query = request.query
                let filters = ["filter[status]", "filter[email]", "filter[taxId]"]
                try query.requireOnly(Set(filters + ["page[size]", "page[after]"]))
                let after = try query.cursor(AccountID.self)
                let size = try query.pageSize()
                let page = try await client.list(
                    ListAccountsRequest(
                        status: try query.filter("filter[status]", as: AccountStatus.self),
                        email: query["filter[email]"], taxId: query["filter[taxId]"],
                        pageSize: size, after: after), options: request.options)
                let items = try page.items.map { try JSONAPI.resource(type: type, from: $0, selfLink: "\(base)/\($0.id)") }
                return .ok(
                    JSONAPI.collection(
                        items, base: base, filters: query.present(filters), pageSize: size, after: after?.description,
                        next: page.nextCursor?.description))
            },
            APIRoute(
                method: .get, path: base + "/{id}", operationID: "getBillingAccount", tag: "Billing accounts",
                summary: "One billing account.", permission: .accountsRead, requestBody: nil, response: single(), queryParameters: []
            ) { request in
                try request.query.requireOnly([])
                return .ok(try document(try await client.get(try request.id(AccountID.self, resource: "billing account"), options: request.options)))
            },
            APIRoute(
                method: .patch, path: base + "/{id}", operationID: "updateBillingAccount", tag: "Billing accounts",
                summary: "Change attributes of an account that is not CLOSED; the currency is fixed at creation.",
                permission: .accountsUpdate,
                requestBody: .init(resourceType: type, attributes: .of(AccountChanges.self), optional: false),
                response: single(), queryParameters: []
            ) { request in
                let id = try request.id(AccountID.self, resource: "billing account")
                let changes = try request.attributes(AccountChanges.self, resourceType: type)
                return .ok(try document(try await client.update(UpdateAccountRequest(id: id, changes: changes), options: request.options)))
            },
            APIRoute(
                method: .post, path: base + "/{id}/suspend", operationID: "suspendBillingAccount", tag: "Billing accounts",
                summary: "ACTIVE → SUSPENDED, with an optional reason.", permission: .accountsUpdate, requestBody: statusChange,
                response: single(), queryParameters: []
            ) { request in
                try await changeStatus(request, client.suspend)
            },
            APIRoute(
                method: .post, path: base + "/{id}/reactivate", operationID: "reactivateBillingAccount", tag: "Billing accounts",
                summary: "SUSPENDED → ACTIVE.", permission: .accountsUpdate, requestBody: statusChange,
                response: single(), queryParameters: []
            ) { request in
                try await changeStatus(request, client.reactivate)
            },
            APIRoute(
                method: .post, path: base + "/{id}/close", operationID: "closeBillingAccount", tag: "Billing accounts",
                summary: "Close an account for good; it accepts no new operation afterwards.", permission: .accountsDelete,
                requestBody: statusChange, response: single(), queryParameters: []
            ) { request in
                try await changeStatus(request, client.close)
            },
            APIRoute(
                method: .delete, path: base + "/{id}", operationID: "deleteBillingAccount", tag: "Billing accounts",
                summary: "Same as POST …/close: accounts are closed, never erased (their invoices must stay).",
                permission: .accountsDelete, requestBody: nil, response: single(), queryParameters: []
            ) { request in
                try await changeStatus(request, client.close)
            },
        ]
    }

    static func document(_ account: BillingAccount) throws -> JSONValue {
        JSONAPI.document(try JSONAPI.resource(type: type, from: account, selfLink: "\(base)/\(account.id)"))
    }

    private static func changeStatus(
        _ request: APIRequest, _ call: (ChangeAccountStatusRequest, RPCCallOptions) async throws(RPCError) -> BillingAccount
    ) async throws -> APIResponse {
        let id = try request.id(AccountID.self, resource: "billing account")
        let attributes = try request.attributes(AccountStatusChangeAttributes.self, resourceType: type, optional: true)
        return .ok(try document(try await call(ChangeAccountStatusRequest(id: id, reason: attributes.reason), request.options)))
    }
}

typealias HTTPStatus = HTTPResponse.Status
