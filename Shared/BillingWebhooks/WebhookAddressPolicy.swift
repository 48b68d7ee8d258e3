import NIOCore

/// Which IP addresses a webhook may be delivered to: public unicast ones only, so a tenant's URL cannot reach our own
/// network (loopback, private ranges, the cloud metadata service at 169.254.169.254) — server-side request forgery.
///
/// IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64, 6to4) are
/// judged by that IPv4 address.
public enum WebhookAddressPolicy {
    /// Whether a webhook may connect to `address`.
    public static func isAllowed(_ address: SocketAddress) -> Bool { refusal(for: address) == nil }

    /// Why a webhook may not connect to `address` ("loopback", "private", "link-local", …), or nil when it may.
    public static func refusal(for address: SocketAddress) -> String? {
        switch address {
        case .v4(let address): refusal(ipv4: withUnsafeBytes(of: address.address.sin_addr) { Array($0) })
        case .v6(let address): refusal(ipv6: withUnsafeBytes(of: address.address.sin6_addr) { Array($0) })
        case .unixDomainSocket: "not an IP address"
        }
    }

    private static func refusal(ipv4 bytes: [UInt8]) -> String? {
        ipv4Blocks.first { $0.contains(bytes) }?.name
    }

    private static func refusal(ipv6 bytes: [UInt8]) -> String? {
        guard let block = ipv6Blocks.first(where: { $0.contains(bytes) }) else { return nil }
        guard let offset = block.embeddedIPv4 else { return block.name }
        return refusal(ipv4: Array(bytes[offset..<offset + 4])).map { "\($0) (\(block.name))" }
    }

    /// First match names the refusal, so narrower blocks come before the wider ones holding them.
    private static let ipv4Blocks: [AddressBlock] = [
        AddressBlock([0], 8, "this network (0.0.0.0/8)"),
        AddressBlock([10], 8, "private"),
        AddressBlock([100, 64], 10, "carrier-grade NAT"),
        AddressBlock([127], 8, "loopback"),
        AddressBlock([169, 254], 16, "link-local"),
        AddressBlock([172, 16], 12, "private"),
        AddressBlock([192, 0, 0], 24, "IETF protocol assignments"),
        AddressBlock([192, 0, 2], 24, "documentation"),
        AddressBlock([192, 168], 16, "private"),
        AddressBlock([198, 18], 15, "benchmarking"),
        AddressBlock([198, 51, 100], 24, "documentation"),
        AddressBlock([203, 0, 113], 24, "documentation"),
        AddressBlock([224], 4, "multicast"),
        AddressBlock([255, 255, 255, 255], 32, "broadcast"),
        AddressBlock([240], 4, "reserved"),
    ]

    private static let ipv6Blocks: [AddressBlock] = [
        AddressBlock(zeros(16), 128, "unspecified"),
        AddressBlock(zeros(15) + [1], 128, "loopback"),
        AddressBlock(zeros(10) + [0xff, 0xff], 96, "IPv4-mapped", embeddedIPv4: 12),
        AddressBlock(zeros(12), 96, "IPv4-compatible", embeddedIPv4: 12),
        AddressBlock([0x00, 0x64, 0xff, 0x9b] + zeros(8), 96, "NAT64", embeddedIPv4: 12),
        AddressBlock([0x20, 0x02], 16, "6to4", embeddedIPv4: 2),
        AddressBlock([0x01, 0x00] + zeros(6), 64, "discard-only"),
        AddressBlock([0x20, 0x01, 0x00, 0x00], 32, "Teredo"),
        AddressBlock([0x20, 0x01, 0x0d, 0xb8], 32, "documentation"),
        AddressBlock([0xfc], 7, "unique local (private)"),
        AddressBlock([0xfe, 0x80], 10, "link-local"),
        AddressBlock([0xfe, 0xc0], 10, "site-local"),
        AddressBlock([0xff], 8, "multicast"),
    ]

    private static func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }
}

/// A CIDR block: the first `length` bits of `prefix` (network byte order).
private struct AddressBlock: Sendable {
    let prefix: [UInt8]
    let length: Int
    let name: String
    /// Where an IPv4 address sits inside an IPv6 address of this block; that address is judged instead of the block.
    let embeddedIPv4: Int?

    init(_ prefix: [UInt8], _ length: Int, _ name: String, embeddedIPv4: Int? = nil) {
        self.prefix = prefix
        self.length = length
        self.name = name
        self.embeddedIPv4 = embeddedIPv4
    }

    func contains(_ address: [UInt8]) -> Bool {
        var bits = length
        for (index, byte) in prefix.enumerated() where bits > 0 {
            guard index < address.count else { return false }
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if address[index] & mask != byte & mask { return false }
            bits -= 8
        }
        return true
    }
}
