import BillingWebhooks
import NIOCore
import Testing

@Suite("Webhook URL and address policies")
struct WebhookPolicyTests {
    static let notAbsolute = "url is not an absolute URL such as https://example.com/webhooks"
    static let userInfo = "url must not carry user-info (user:password@); authenticate with the signature instead"

    @Test(
        "URLs: absolute https with a host, no user-info, at most 2,000 characters; http only when insecure is allowed",
        arguments: [
            ("https://hooks.example.com/billing?tenant=7", false, nil),
            ("HTTPS://Hooks.Example.com:8443/x", false, nil),
            ("https://[2001:db8::1]/hook", false, nil),
            ("http://localhost:8080/hook", true, nil),
            ("http://hooks.example.com/", false, "url must use https"),
            ("ftp://hooks.example.com/", true, "url must use https, not ftp"),
            ("/relative/path", false, notAbsolute),
            ("hooks.example.com/path", false, notAbsolute),
            ("https://exa mple.com/", false, notAbsolute),
            ("", false, notAbsolute),
            ("https:///path", false, "url names no host"),
            ("https://user:secret@hooks.example.com/", false, userInfo),
            ("https://@hooks.example.com/", false, userInfo),
            ("https://hooks.example.com:70000/", false, "url has port 70000, outside 1-65535"),
            ("https://hooks.example.com/" + String(repeating: "a", count: 1_974), false, nil),
            ("https://hooks.example.com/" + String(repeating: "a", count: 1_975), false, "url is longer than 2000 characters"),
        ] as [(String, Bool, String?)])
    func urls(url: String, allowInsecure: Bool, expected: String?) {
        do {
            let parsed = try WebhookURLPolicy.check(url, allowInsecure: allowInsecure)
            #expect(expected == nil, "accepted \(parsed)")
        } catch {
            #expect(error.message == expected)
        }
    }

    @Test(
        "addresses: public unicast only; loopback, private, link-local, CGNAT, multicast, reserved and their IPv4-in-IPv6 forms are refused",
        arguments: [
            ("93.184.215.14", true),
            ("8.8.8.8", true),
            ("2606:4700:4700::1111", true),
            ("::ffff:8.8.8.8", true),
            ("172.15.255.255", true),
            ("172.32.0.0", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("198.17.255.255", true),
            ("198.20.0.0", true),
            ("192.0.1.1", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("10.0.0.1", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("192.0.0.8", false),
            ("198.18.0.1", false),
            ("198.19.255.255", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("255.255.255.255", false),
            ("240.0.0.1", false),
            ("::", false),
            ("::1", false),
            ("fc00::1", false),
            ("fd12:3456:789a::1", false),
            ("fe80::1", false),
            ("febf:ffff::1", false),
            ("ff02::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.1.2.3", false),
            ("::ffff:169.254.169.254", false),
            ("::127.0.0.1", false),
            ("::ffff:0.0.0.0", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("2002:7f00:1::", false),
            ("2002:808:808::1", true),
        ])
    func addresses(ip: String, allowed: Bool) throws {
        let address = try SocketAddress(ipAddress: ip, port: 443)
        #expect(WebhookAddressPolicy.isAllowed(address) == allowed, "\(ip): \(WebhookAddressPolicy.refusal(for: address) ?? "allowed")")
    }

    @Test("a refusal names the kind of address")
    func refusalNames() throws {
        #expect(WebhookAddressPolicy.refusal(for: try SocketAddress(ipAddress: "169.254.169.254", port: 80)) == "link-local")
        #expect(WebhookAddressPolicy.refusal(for: try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 80)) == "loopback (IPv4-mapped)")
        #expect(WebhookAddressPolicy.refusal(for: try SocketAddress(ipAddress: "::1", port: 80)) == "loopback")
    }
}
