import BillingCore
import BillingService
import Foundation

/// A boleto as the invoice asks the bank to register it: our title number, the amount, the due date, the tenant's fine and
/// interest, the payer, and a PIX QR (boleto híbrido).
public struct BoletoRequest: Sendable, Equatable {
    /// 17 digits: the convênio (7) and our sequence (10): registering again is the same boleto.
    public var ourNumber: String
    /// What the beneficiary calls it (`numeroTituloBeneficiario`, ≤ 15): the invoice number.
    public var reference: String
    public var amount: Money
    public var issueDate: String
    /// `YYYY-MM-DD`.
    public var dueDate: String
    /// Percent of the amount charged once from the day after the due date (multa), and percent a month (juros de mora).
    public var finePercent: DecimalNumber?
    public var monthlyInterestPercent: DecimalNumber?
    public var payer: BoletoPayer
}

/// The payer a boleto names (required by the bank's registration).
public struct BoletoPayer: Sendable, Equatable {
    /// 11 (CPF) or 14 (CNPJ) digits.
    public var taxID: String
    public var name: String
    /// The payer's address when the platform knows it (billing accounts carry none yet: left out).
    public var address: String? = nil
    public var postalCode: String? = nil
    public var city: String? = nil
    public var district: String? = nil
    public var state: String? = nil
}

/// A boleto as the bank holds it.
public struct BoletoState: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        /// Registered and open (em ser).
        case open
        /// Settled (liquidado): the amount paid and the day.
        case paid(amount: DecimalNumber, on: String?)
        /// Written off (baixado) or otherwise closed unpaid.
        case canceled
    }

    public var ourNumber: String
    public var status: Status
    public var barcode: String?
    public var digitableLine: String?
    /// The PIX QR's EMV payload (copia e cola).
    public var pixCopyPaste: String?
}

/// A bank's collection API: register a boleto, read it, write it off (baixa).
public protocol BoletoProvider: Sendable {
    var name: String { get }
    /// FEBRABAN bank code (`001`).
    var bankCode: String { get }
    /// The 25-digit free field the bank puts in the bar code of our title number (its layout is the bank's).
    func freeField(ourNumber: String) -> String
    /// The 17-digit title number of our sequence number.
    func ourNumber(sequence: Int64) -> String
    /// Registers it, or reads it back when the bank holds it already (a retry).
    func register(_ request: BoletoRequest) async throws(InvoicingError) -> BoletoState
    /// nil when the bank does not know it.
    func boleto(ourNumber: String) async throws(InvoicingError) -> BoletoState?
    /// Writes it off; true when the bank wrote it off now or had before, false when it was paid meanwhile.
    func cancel(ourNumber: String) async throws(InvoicingError) -> Bool
}

/// How boletos are registered (`BILLING_INVOICING_BOLETO_PROVIDER`): at Banco do Brasil's API Cobranças (`bb`), or not at all
/// (`none`, the default: finalizing with BOLETO answers 409 BOLETO_UNAVAILABLE).
public enum BoletoRail: Sendable {
    case bank(any BoletoProvider, BoletoSettings)
    case disabled

    static let variable = "BILLING_INVOICING_BOLETO_PROVIDER"

    static let unavailable = InvoicingError.conflict(
        "boleto payments are not available: no bank is configured (\(variable))", reason: "BOLETO_UNAVAILABLE", field: "paymentMethod")

    static func configured(_ reader: ConfigurationReader) throws -> BoletoRail {
        switch reader.string(variable, default: "none") {
        case "none": return .disabled
        case "bb": return .bank(try BancoDoBrasilClient(configuration: try BancoDoBrasilConfiguration(reader)), try BoletoSettings(reader))
        case let other: throw ConfigurationError(variable: variable, message: "'\(other)' is not a boleto provider (bb, none)")
        }
    }
}

/// How often open boletos are reconciled with the bank (daily by default).
public struct BoletoSettings: Sendable {
    public var reconcileInterval: Duration

    public init(reconcileInterval: Duration = .seconds(86_400)) { self.reconcileInterval = reconcileInterval }

    init(_ reader: ConfigurationReader) throws {
        self.init(
            reconcileInterval: .milliseconds(
                try reader.int("BILLING_INVOICING_BOLETO_RECONCILE_INTERVAL_MS", default: 86_400_000, range: 100...86_400_000)))
    }
}
