import BillingPostgres
import BillingTesting
import Foundation
import Testing

@Suite("Database URLs: TLS from sslmode")
struct DatabaseConfigurationTests {
    @Test("sslmode: disable (the default), require and verify-full are TLS settings; anything else names the setting")
    func sslModes() throws {
        let base = "postgres://billing_ledger:secret@db.internal:5432/billing"
        #expect(try DatabaseConfiguration(url: base, schema: "ledger").usesTLS == false)
        #expect(try DatabaseConfiguration(url: base + "?sslmode=disable", schema: "ledger").usesTLS == false)
        #expect(try DatabaseConfiguration(url: base + "?sslmode=require", schema: "ledger").usesTLS)
        #expect(try DatabaseConfiguration(url: base + "?sslmode=verify-full", schema: "ledger").usesTLS)
        #expect { _ = try DatabaseConfiguration(url: base + "?sslmode=allow", schema: "ledger") } throws: { error in
            "\(error)".contains("sslmode 'allow'")
        }
        #expect { _ = try DatabaseConfiguration(url: base + "?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", schema: "ledger") } throws: {
            error in
            "\(error)".contains("sslrootcert /nonexistent/ca.pem")
        }
    }

    @Test("verify-full with a CA file reads it as the trust roots")
    func rootCertificate() throws {
        let directory = try TestCertificates.otherCA()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "postgres://u:p@db.internal/billing?sslmode=verify-full&sslrootcert=\(directory.appendingPathComponent("ca.crt").path)"
        #expect(try DatabaseConfiguration(url: url, schema: "ledger").usesTLS)
    }
}
