/// What an EHLO reply offers: STARTTLS, the AUTH mechanisms, the SIZE limit.
package struct SMTPCapabilities: Sendable, Equatable {
    package var startTLS = false
    package var authMechanisms: [String] = []
    /// The largest message the server takes, when it says (`SIZE 0` means no limit and is `nil` here).
    package var sizeLimit: Int?

    /// From the lines after the first (which is the server's name); keywords are case-insensitive, `AUTH=` is the old form.
    package init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms += words.dropFirst()
            case "SIZE": sizeLimit = words.dropFirst().first.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            default:
                if keyword.hasPrefix("AUTH=") { authMechanisms += [String(keyword.dropFirst(5))] + words.dropFirst() }
            }
        }
    }
}
