import Foundation

/// The Standard Webhooks reference library from PyPI (`standardwebhooks`), run with `python3`: the judge of our signatures.
/// `deploy/local/cluster.sh packages` installs it.
public enum StandardWebhooksReference {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether `Webhook(secret).verify(body, headers)` accepts the webhook; throws ``Unavailable`` when python3 or the
    /// library is missing.
    public static func verifies(secret: String, headers: [(String, String)], body: [UInt8]) throws -> Bool {
        let script = """
            import json, os, sys
            try:
                from standardwebhooks.webhooks import Webhook, WebhookVerificationError
            except ImportError as error:
                print(error); sys.exit(3)
            headers = json.loads(os.environ["WEBHOOK_HEADERS"])
            body = bytes.fromhex(os.environ["WEBHOOK_BODY_HEX"])
            try:
                Webhook(os.environ["WEBHOOK_SECRET"]).verify(body, headers)
            except WebhookVerificationError as error:
                print(error); sys.exit(1)
            """
        let headerObject = Dictionary(headers, uniquingKeysWith: { _, last in last })
        let headerJSON = String(decoding: try JSONSerialization.data(withJSONObject: headerObject), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["WEBHOOK_SECRET": secret, "WEBHOOK_HEADERS": headerJSON, "WEBHOOK_BODY_HEX": body.map { String(format: "%02x", $0) }.joined()],
            uniquingKeysWith: { _, ours in ours })
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw Unavailable(description: "cannot run python3: \(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return true
        case 1: return false
        default:
            throw Unavailable(
                description: "the standardwebhooks reference library is not usable (python3 -m pip install standardwebhooks): \(text)")
        }
    }
}
