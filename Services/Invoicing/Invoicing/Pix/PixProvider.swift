import AccountsContract
import BillingCore
import BillingPostgres
import BillingService
import Foundation

/// A PIX charge as the invoice asks a PSP for it: an immediate charge (`cob`), or one with a due date (`cobv`) when `dueDate` is
/// set, carrying the fine and interest the tenant charges after it.
public struct PixChargeRequest: Sendable, Equatable {
    /// 26 to 35 letters and digits, derived from the invoice: asking again is the same charge.
    public var txid: String
    public var amount: Money
    /// Seconds the immediate charge can be paid after it is created (`calendario.expiracao`).
    public var expiresIn: Int
    /// `YYYY-MM-DD`: a charge with a due date (`cobv`), payable `daysPayableAfterDue` days after it.
    public var dueDate: String?
    public var daysPayableAfterDue: Int
    /// Percent of the amount charged once after the due date (`multa`, modality 2), and percent a month (`juros`, modality 3).
    public var finePercent: DecimalNumber?
    public var monthlyInterestPercent: DecimalNumber?
    /// The payer: CPF (11 digits) or CNPJ (14) and name; required with a due date.
    public var debtorTaxID: String?
    public var debtorName: String?
    /// What the payer's bank app shows (`solicitacaoPagador`, ≤ 140).
    public var description: String
}

/// A charge as the PSP holds it.
public struct PixChargeState: Sendable, Equatable {
    public enum Status: String, Sendable {
        case active = "ATIVA"
        case completed = "CONCLUIDA"
        case removedByReceiver = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
        case removedByPSP = "REMOVIDA_PELO_PSP"
    }

    public var txid: String
    public var status: Status
    /// The payload URL (no scheme) the dynamic BR Code points at.
    public var location: String
    public var createdAt: Date
    /// When it stops being payable: creation + `expiracao`, or the due date + the days payable after it (end of that day, UTC-3).
    public var expiresAt: Date
}

/// A PIX received by the PSP (a webhook item, or a line of `GET /pix`).
public struct ReceivedPix: Sendable, Equatable {
    public var endToEndId: String
    public var txid: String?
    public var amount: DecimalNumber
    public var time: Date

    /// 32 letters and digits: a PIX's end-to-end id.
    static func isEndToEndID(_ text: String) -> Bool { text.count == 32 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
}

/// Where a refund at a provider stands: a PIX devolução at the PSP, a card refund at the card provider.
public enum ProviderRefundStatus: Sendable, Equatable {
    case processing
    case refunded
    case notDone(reason: String)
}

/// A PSP reached through the Banco Central's API Pix: charges, received PIX, refunds and the webhook registration.
public protocol PixProvider: Sendable {
    var name: String { get }
    /// The receiving key (`chave`) charges are paid to.
    var key: String { get }
    func createCharge(_ request: PixChargeRequest) async throws(InvoicingError) -> PixChargeState
    /// nil when the PSP does not know the charge.
    func charge(txid: String, withDueDate: Bool) async throws(InvoicingError) -> PixChargeState?
    /// Withdraws an ACTIVE charge (REMOVIDA_PELO_USUARIO_RECEBEDOR); false when the PSP holds none to withdraw (unknown, or no
    /// longer ACTIVE: paid meanwhile, which its notification records).
    func withdrawCharge(txid: String, withDueDate: Bool) async throws(InvoicingError) -> Bool
    func received(from start: Date, to end: Date) async throws(InvoicingError) -> [ReceivedPix]
    /// `id` derived from our refund: asking again is the same refund.
    func refund(endToEndId: String, id: String, amount: Money, description: String?) async throws(InvoicingError) -> ProviderRefundStatus
    func refundStatus(endToEndId: String, id: String) async throws(InvoicingError) -> ProviderRefundStatus
    func registerWebhook(url: String) async throws(InvoicingError)
}

/// How invoices are paid by PIX (`BILLING_INVOICING_PIX_PROVIDER`): a static BR Code to the configured key (`static`, the sandbox:
/// development only, its default there), dynamic charges at a PSP through API Pix (`apipix`, the default elsewhere), or not at all
/// (`none`).
public enum PixRail: Sendable {
    case staticKey
    case psp(any PixProvider, PixChargeSettings)
    case disabled

    static let variable = "BILLING_INVOICING_PIX_PROVIDER"

    static let unavailable = InvoicingError.conflict(
        "PIX payments are not available: no PIX provider is configured (\(variable))", reason: "PIX_PAYMENTS_UNAVAILABLE",
        field: "paymentMethod")

    var provider: (any PixProvider)? {
        if case .psp(let provider, _) = self { return provider }
        return nil
    }

    /// The PSP's charges for invoices, when the rail is one.
    func charges(database: Database, clock: any BillingClock, accounts: AccountsClient, invoices: InvoiceStore, payments: PaymentStore) -> PixCharges?
    {
        guard case .psp(let provider, let settings) = self else { return nil }
        return PixCharges(
            database: database, clock: clock, accounts: accounts, invoices: invoices, store: PixChargeStore(logger: database.logger),
            payments: payments, provider: provider, settings: settings)
    }

    /// Reads the rail from the environment; `apipix` needs the PSP's URL, credentials and client certificate.
    static func configured(_ reader: ConfigurationReader, environment: DeploymentEnvironment) throws -> PixRail {
        switch reader.string(variable, default: environment.isDevelopment ? "static" : "apipix") {
        case "static":
            try environment.requireDevelopment(for: variable, "the static PIX BR Code (no PSP confirms what is paid)")
            return .staticKey
        case "none":
            return .disabled
        case "apipix":
            let client = try APIPixClient(configuration: try APIPixConfiguration(reader))
            return .psp(client, try PixChargeSettings(reader))
        case let other:
            throw ConfigurationError(variable: variable, message: "'\(other)' is not a PIX provider (static in development, apipix, none)")
        }
    }
}

/// The platform's charge settings: how long an immediate charge can be paid, and how often received PIX are reconciled.
public struct PixChargeSettings: Sendable {
    public var expiresIn: Int
    public var reconcileInterval: Duration
    /// How far back the first reconciliation after a start reaches.
    public var reconcileLookback: TimeInterval

    public init(expiresIn: Int = 86_400, reconcileInterval: Duration = .seconds(300), reconcileLookback: TimeInterval = 2 * 86_400) {
        self.expiresIn = expiresIn
        self.reconcileInterval = reconcileInterval
        self.reconcileLookback = reconcileLookback
    }

    init(_ reader: ConfigurationReader) throws {
        self.init(
            expiresIn: try reader.int("BILLING_INVOICING_PIX_EXPIRATION_SECONDS", default: 86_400, range: 60...2_592_000),
            reconcileInterval: .milliseconds(try reader.int("BILLING_INVOICING_PIX_RECONCILE_INTERVAL_MS", default: 300_000, range: 100...86_400_000))
        )
    }
}
