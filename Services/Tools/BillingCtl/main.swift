import ContractCatalog
import Foundation

/// `billingctl`: operator and build commands.
///
///     billingctl proto-docs <directory>   write one Markdown page per context from the Contract targets
let arguments = Array(CommandLine.arguments.dropFirst())

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

switch arguments.first {
case "proto-docs":
    guard arguments.count == 2 else { fail("usage: billingctl proto-docs <directory>") }
    let directory = URL(fileURLWithPath: arguments[1])
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, page) in ContractCatalog.protoDocs().sorted(by: { $0.key < $1.key }) {
        try page.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        print("wrote \(directory.path)/\(name)")
    }
default:
    fail("usage: billingctl proto-docs <directory>")
}
