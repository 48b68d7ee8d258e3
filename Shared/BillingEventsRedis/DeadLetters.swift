import BillingEvents
import Foundation

/// The event bus's dead-letter streams (`<stream>.dead-letter.<group>`): events a consumer group set aside after failing them
/// for a permanent cause. Operators list, read and replay them (`billingctl events dead-letters`); entries older than the
/// retention are trimmed by the consumers.
public struct DeadLetters: Sendable {
    /// One set-aside event.
    public struct Entry: Sendable, Equatable {
        /// The entry's id in the dead-letter stream.
        public let id: String
        public let deadLetterStream: String
        /// Where it came from, and its id there.
        public let stream: String
        public let originalEntry: String
        public let error: String
        public let deliveries: Int
        /// The envelope as it was published (empty when the entry could not be read at all).
        public let envelope: String
        /// The event's type, id and tenant, when the envelope can be read.
        public let type: String?
        public let eventId: String?
        public let tenant: String?
    }

    private let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    /// Every dead-letter stream Redis holds, sorted.
    public func streams() async throws -> [String] {
        var cursor = "0"
        var found: Set<String> = []
        repeat {
            let reply = try await redis.command(["SCAN", cursor, "MATCH", "*.dead-letter.*", "COUNT", "1000", "TYPE", "stream"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { break }
            found.formUnion((parts[1].array ?? []).compactMap(\.string))
            cursor = next
        } while cursor != "0"
        return found.sorted()
    }

    /// The oldest `count` entries of a dead-letter stream.
    public func entries(in deadLetterStream: String, count: Int = 100) async throws -> [Entry] {
        let reply = try await redis.command(["XRANGE", deadLetterStream, "-", "+", "COUNT", String(max(1, count))])
        return (reply.array ?? []).compactMap { Self.entry($0, in: deadLetterStream) }
    }

    /// One entry, or nil.
    public func entry(_ id: String, in deadLetterStream: String) async throws -> Entry? {
        let reply = try await redis.command(["XRANGE", deadLetterStream, id, id])
        return reply.array?.first.flatMap { Self.entry($0, in: deadLetterStream) }
    }

    /// Puts the event back on the stream it came from and removes it from the dead letters, in one pipeline. Every group of that
    /// stream sees it again: the one that set it aside applies it now (its cause fixed), the others find it in their inbox and
    /// skip it, so a replay — or two — applies it once. Answers the new entry's id; nil when there is no such dead letter.
    public func replay(_ id: String, in deadLetterStream: String) async throws -> String? {
        guard let entry = try await entry(id, in: deadLetterStream), !entry.envelope.isEmpty else { return nil }
        let replies = try await redis.pipeline([
            ["XADD", entry.stream, "*", "envelope", entry.envelope],
            ["XDEL", deadLetterStream, id],
        ])
        if let failure = replies.compactMap(\.errorMessage).first { throw RedisError.reply(failure) }
        return replies[0].string
    }

    /// Removes the dead letters set aside before `instant` (`XTRIM … MINID`); answers how many went.
    @discardableResult
    public func purge(before instant: Date, in deadLetterStream: String) async throws -> Int {
        let milliseconds = Int64((instant.timeIntervalSince1970 * 1000).rounded(.down))
        return Int(try await redis.command(["XTRIM", deadLetterStream, "MINID", "\(milliseconds)-0"]).integer ?? 0)
    }

    static func entry(_ reply: RedisReply, in deadLetterStream: String) -> Entry? {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string else { return nil }
        let fields = RedisFields(parts[1])
        let text = fields["envelope"]?.string ?? ""
        let envelope = try? EventEnvelope.parse(text)
        return Entry(
            id: id, deadLetterStream: deadLetterStream, stream: fields["stream"]?.string ?? "", originalEntry: fields["entry"]?.string ?? "",
            error: fields["error"]?.string ?? "", deliveries: Int(fields["deliveries"]?.string ?? "") ?? 0, envelope: text,
            type: envelope?.type, eventId: envelope?.id, tenant: envelope?.tenantid)
    }
}
