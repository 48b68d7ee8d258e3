import InvoicingContract
import Testing

@testable import Invoicing

@Suite("Invoice lifecycle: the one transition table")
struct InvoiceLifecycleTests {
    /// Every (from, to) pair and whether it is allowed, written out: DRAFT → PENDING/PAID/CANCELED, PENDING → PAID/OVERDUE/VOID,
    /// OVERDUE → PAID/VOID, PENDING/OVERDUE → CREDITED (credit notes took all that was due); PAID, CANCELED, VOID and CREDITED
    /// are final.
    static let allowed: Set<String> = [
        "DRAFT>PENDING", "DRAFT>PAID", "DRAFT>CANCELED", "PENDING>PAID", "PENDING>OVERDUE", "PENDING>VOID",
        "OVERDUE>PAID", "OVERDUE>VOID", "PENDING>CREDITED", "OVERDUE>CREDITED",
    ]

    @Test("every pair of statuses", arguments: InvoiceStatus.allCases)
    func transitions(from: InvoiceStatus) {
        for to in InvoiceStatus.allCases {
            let expected = Self.allowed.contains("\(from.rawValue)>\(to.rawValue)")
            #expect((InvoiceLifecycle.allowed[from]?.contains(to) == true) == expected, "\(from) → \(to)")
        }
        #expect(InvoiceLifecycle.isPayable(from) == [.pending, .overdue].contains(from))
    }
}
