import BillingCore
import BillingEvents
import BillingRPC

/// The published RPC API of the accounts context (`billing.accounts.v1`).
public enum AccountsAPI: RPCServiceDescription {
    public static let contextName = "accounts"
    public static let package = "billing.accounts.v1"
    static let service = package + ".Accounts"

    public static let create = UnaryMethod<CreateAccountRequest, BillingAccount>(
        service: service, method: "Create", retry: .withKey,
        callers: .gateway,
        summary:
            """
            Creates an ACTIVE account. CPF/CNPJ check digits are validated; a tax id already used by another open account of the tenant is \
            `already_exists`. Emits `billing.account.created`. Replays with the same `idempotency-key` return the first result.
            """
    )
    public static let get = UnaryMethod<GetAccountRequest, BillingAccount>(
        service: service, method: "Get", retry: .always, callers: .gateway(and: "subscriptions", "ledger", "invoicing", "notifications"),
        summary: "One account of the tenant; `not_found` otherwise.")
    public static let list = UnaryMethod<ListAccountsRequest, AccountPage>(
        service: service, method: "List", retry: .always,
        callers: .gateway, summary: "A page of the tenant's accounts, oldest first (`pageSize` 1–100), filtered by status, email or tax id.")
    public static let update = UnaryMethod<UpdateAccountRequest, BillingAccount>(
        service: service, method: "Update", retry: .withKey,
        callers: .gateway,
        summary: "Changes attributes of an account that is not CLOSED (`failed_precondition` otherwise). Emits `billing.account.updated`.")
    public static let suspend = UnaryMethod<ChangeAccountStatusRequest, BillingAccount>(
        service: service, method: "Suspend", callers: .gateway, summary: "ACTIVE → SUSPENDED. Emits `billing.account.suspended`.")
    public static let reactivate = UnaryMethod<ChangeAccountStatusRequest, BillingAccount>(
        service: service, method: "Reactivate", callers: .gateway, summary: "SUSPENDED → ACTIVE. Emits `billing.account.reactivated`.")
    public static let close = UnaryMethod<ChangeAccountStatusRequest, BillingAccount>(
        service: service, method: "Close", callers: .gateway, summary: "ACTIVE or SUSPENDED → CLOSED, for good. Emits `billing.account.closed`.")

    /// Events this context publishes (`proto-docs/events.md`).
    public static var events: [EventDescriptor] {
        [
            EventDescriptor(AccountCreated.self, producer: contextName, summary: "An account was created (seed 001)."),
            EventDescriptor(AccountUpdated.self, producer: contextName, summary: "Attributes of an account changed."),
            EventDescriptor(
                AccountSuspended.self, producer: contextName, summary: "An account was suspended; its subscriptions should pause (seed 001)."),
            EventDescriptor(AccountReactivated.self, producer: contextName, summary: "A suspended account is ACTIVE again."),
            EventDescriptor(AccountClosed.self, producer: contextName, summary: "An account was closed and accepts no new operation."),
        ]
    }

    /// Event types this context consumes, and why.
    public static var consumedEvents: [(type: String, purpose: String)] {
        [("billing.account_credit.changed", "the account's `balance` follows its credit with the platform, kept by invoicing")]
    }

    public static var methods: [any RPCMethodDescriptor] { [create, get, list, update, suspend, reactivate, close] }
}

/// A typed client of the accounts context.
public struct AccountsClient: Sendable {
    public let rpc: RPCClient

    public init(rpc: RPCClient) { self.rpc = rpc }

    public func create(_ request: CreateAccountRequest, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.create, request, options: options)
    }

    public func get(_ id: AccountID, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.get, GetAccountRequest(id: id), options: options)
    }

    public func list(_ request: ListAccountsRequest, options: RPCCallOptions) async throws(RPCError) -> AccountPage {
        try await rpc.call(AccountsAPI.list, request, options: options)
    }

    public func update(_ request: UpdateAccountRequest, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.update, request, options: options)
    }

    public func suspend(_ request: ChangeAccountStatusRequest, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.suspend, request, options: options)
    }

    public func reactivate(_ request: ChangeAccountStatusRequest, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.reactivate, request, options: options)
    }

    public func close(_ request: ChangeAccountStatusRequest, options: RPCCallOptions) async throws(RPCError) -> BillingAccount {
        try await rpc.call(AccountsAPI.close, request, options: options)
    }
}
