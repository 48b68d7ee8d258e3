import Crypto
import Foundation
import NIOCore

/// Checks a payment provider's `Billing-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` header (Stripe's scheme, which Stripe
/// itself sends as `Stripe-Signature`).
///
/// `v1` is HMAC-SHA256 of `"<t>." + raw body` with a webhook secret. Any `v1` made with any configured secret passes, so both
/// sides can rotate keys (the provider signs with old and new, the gateway accepts either). The comparison is constant-time
/// (`HMAC.isValidAuthenticationCode`), and `t` must be within `tolerance` of now, so a captured notification cannot be replayed later.
public enum WebhookSignature {
    public enum Failure: Error, Equatable {
        case malformed(String)
        case expired
        case mismatch
    }

    public static func verify(
        header: String?, body: some Collection<UInt8>, secrets: [String], now: Date, tolerance: TimeInterval = 300
    ) throws(Failure) {
        guard let header, !header.isEmpty else { throw .malformed("the Billing-Signature header is missing") }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let bytes = hex(pair[1]) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let timestamp else { throw .malformed("the signature has no t=<unix seconds>") }
        guard !signatures.isEmpty else { throw .malformed("the signature has no v1=<hex HMAC-SHA256>") }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .expired }
        let signed = Array("\(timestamp).".utf8) + Array(body)
        for secret in secrets where !secret.isEmpty {
            let key = SymmetricKey(data: Array(secret.utf8))
            if signatures.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) { return }
        }
        throw .mismatch
    }

    /// `verify` for a receiver: the failure as the 401 it answers, naming the header.
    static func check(_ header: String?, named name: String, body: ByteBuffer, secrets: [String], now: Date) throws {
        do {
            try verify(header: header, body: body.readableBytesView, secrets: secrets, now: now)
        } catch {
            switch error {
            case .malformed(let detail):
                throw APIError(
                    .unauthorized, code: "SIGNATURE_MISSING", title: "Not authenticated",
                    detail: detail.replacingOccurrences(of: "Billing-Signature", with: name))
            case .expired:
                throw APIError(
                    .unauthorized, code: "SIGNATURE_EXPIRED", title: "Not authenticated",
                    detail: "the signature's timestamp is more than 300 s from now: a replay, or a clock out of step")
            case .mismatch: throw APIError(.unauthorized, code: "SIGNATURE_MISMATCH", title: "Not authenticated", detail: "no v1 signature matches")
            }
        }
    }

    /// The header a provider sends (the sandbox provider and tests sign with it).
    public static func header(body: some Collection<UInt8>, secrets: [String], timestamp: Int64) -> String {
        let signed = Array("\(timestamp).".utf8) + Array(body)
        let codes = secrets.map { secret in
            HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8))).map { String(format: "%02x", $0) }.joined()
        }
        return (["t=\(timestamp)"] + codes.map { "v1=\($0)" }).joined(separator: ",")
    }

    private static func hex(_ text: String) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
