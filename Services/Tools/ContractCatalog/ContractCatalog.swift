import AccountsContract
import BillingRPC
import CatalogContract
import InvoicingContract
import LedgerContract
import SubscriptionsContract

/// Every context's published contract, for documentation generation and its staleness test.
public enum ContractCatalog {
    public struct Entry: Sendable {
        public let service: any RPCServiceDescription.Type
        public let package: String
        public let module: String
    }

    public static let entries: [Entry] = [
        Entry(service: RPCHealth.self, package: "billing.health.v1", module: "BillingRPC"),
        Entry(service: AccountsAPI.self, package: AccountsAPI.package, module: "AccountsContract"),
        Entry(service: CatalogAPI.self, package: CatalogAPI.package, module: "CatalogContract"),
        Entry(service: SubscriptionsAPI.self, package: SubscriptionsAPI.package, module: "SubscriptionsContract"),
        Entry(service: LedgerAPI.self, package: LedgerAPI.package, module: "LedgerContract"),
        Entry(service: InvoicingAPI.self, package: InvoicingAPI.package, module: "InvoicingContract"),
    ]

    /// The generated pages: file name → Markdown.
    public static func protoDocs() -> [String: String] {
        var pages: [String: String] = [:]
        for entry in entries {
            pages["\(entry.service.contextName).md"] = RPCDocumentation.markdown(for: entry.service, package: entry.package, contractModule: entry.module)
        }
        return pages
    }
}
