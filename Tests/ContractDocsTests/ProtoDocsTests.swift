import ContractCatalog
import Foundation
import Testing

@Suite("proto-docs")
struct ProtoDocsTests {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the committed pages match the Contract targets (run `make proto-docs` when this fails)")
    func upToDate() throws {
        for (name, expected) in ContractCatalog.protoDocs() {
            let url = ProtoDocsTests.root.appendingPathComponent("proto-docs").appendingPathComponent(name)
            let committed = try? String(contentsOf: url, encoding: .utf8)
            #expect(committed == expected, "proto-docs/\(name) is stale: run `make proto-docs`")
        }
    }
}
