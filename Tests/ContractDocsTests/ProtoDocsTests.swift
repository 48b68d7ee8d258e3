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

    /// The console's list of event types (the audit trail's filter, what a webhook endpoint subscribes to) is the catalogue's.
    @Test("the console knows every event type the contexts publish, and no other")
    func consoleEventTypes() throws {
        let script = try String(
            contentsOf: Self.root.appendingPathComponent("Services/Gateway/Gateway/Console/static/console.js"), encoding: .utf8)
        let start = try #require(script.range(of: "const EVENT_TYPES = ["))
        let end = try #require(script.range(of: "];", range: start.upperBound..<script.endIndex))
        let listed = Set(
            script[start.upperBound..<end.lowerBound].split(separator: "'").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
        let published = Set(ContractCatalog.entries.flatMap(\.events).map(\.type))
        #expect(listed == published, "missing: \(published.subtracting(listed).sorted()), unknown: \(listed.subtracting(published).sorted())")
    }
}
