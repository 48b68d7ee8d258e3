import BillingCore
import Foundation
import Testing

@testable import Invoicing

/// The FEBRABAN boleto (linha digitável, bar code, ITF drawing) and Banco do Brasil's layout, checked against an independent
/// implementation from PyPI (`shade-plugins-documentos-fiscais`, installed by `deploy/local/cluster.sh packages`).
@Suite("Boleto (FEBRABAN layout, ITF bar code, Banco do Brasil mapping)")
struct BoletoTests {
    /// Runs the PyPI library's `decompor` on each code; its JSON answers, or the reason it refused.
    static func reference(_ codes: [String], on day: String) throws -> [[String: Any]] {
        let script = """
            import datetime, json, os, sys
            from shade_plugins_documentos_fiscais import linha_digitavel as boleto
            from shade_plugins_documentos_fiscais.erros import DocumentoInvalido
            day = datetime.date.fromisoformat(os.environ["BOLETO_DAY"])
            out = []
            for code in json.loads(os.environ["BOLETO_CODES"]):
                try:
                    out.append(boleto.decompor(code, day))
                except DocumentoInvalido as error:
                    out.append({"refused": str(error)})
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["BOLETO_DAY": day, "BOLETO_CODES": String(decoding: try JSONSerialization.data(withJSONObject: codes), as: UTF8.self)],
            uniquingKeysWith: { _, ours in ours })
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with shade-plugins-documentos-fiscais (deploy/local/cluster.sh packages)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    static let configuration = try! BancoDoBrasilConfiguration(
        baseURL: "https://api.bb.example/cobrancas/v2", tokenURL: "https://oauth.bb.example/oauth/token", clientID: "id", clientSecret: "s",
        applicationKey: "k", certificateFile: "/nonexistent", privateKeyFile: "/nonexistent", agreement: "3128557", portfolio: 17)

    @Test("due-date factors: 1000 on 2025-02-22 after 9999 on 2025-02-21; the old base before")
    func dueFactors() throws {
        #expect(try FebrabanBoleto.dueFactor(day: "2000-07-03") == 1000)
        #expect(try FebrabanBoleto.dueFactor(day: "2025-02-21") == 9999)
        #expect(try FebrabanBoleto.dueFactor(day: "2025-02-22") == 1000)
        #expect(try FebrabanBoleto.dueFactor(day: "2026-12-15") == 1661)
        #expect(throws: FebrabanBoleto.Invalid.self) { try FebrabanBoleto.dueFactor(day: "2026-02-30") }
    }

    @Test("our bar codes and linhas digitáveis are accepted and read alike by the PyPI library")
    func independentlyVerified() throws {
        let client = try? BancoDoBrasilClient(configuration: Self.configuration)
        #expect(client == nil)  // no certificate: the layout helpers are static below
        var codes: [FebrabanBoleto] = []
        for (index, (day, cents)) in [("2026-12-15", Int64(15_000)), ("2027-03-01", 1), ("2026-12-31", 9_876_543_210), ("2025-02-22", 123_45)]
            .enumerated()
        {
            let ourNumber = "3128557" + String(format: "%010d", index * 7919 + 1)
            codes.append(
                try FebrabanBoleto(
                    bank: "001", dueFactor: try FebrabanBoleto.dueFactor(day: day), amountMinor: cents,
                    freeField: "000000" + ourNumber + "17"))
        }
        let answers = try Self.reference(codes.map(\.digitableLine) + codes.map(\.barcode), on: "2026-12-08")
        for (index, code) in codes.enumerated() {
            for answer in [answers[index], answers[codes.count + index]] {
                #expect(answer["refused"] == nil, "\(answer)")
                #expect(answer["codigo_de_barras"] as? String == code.barcode)
                #expect(answer["linha_digitavel"] as? String == code.digitableLine)
                #expect(answer["linha_digitavel_formatada"] as? String == code.formattedDigitableLine)
                #expect(answer["banco"] as? String == "001")
                #expect(answer["campo_livre"] as? String == code.freeField)
            }
            // Read back by us: the line is the bar code's.
            #expect(try FebrabanBoleto(digitableLine: code.formattedDigitableLine) == code)
            #expect(try FebrabanBoleto(barcode: code.barcode) == code)
        }
        #expect(answers[0]["vencimento"] as? String == "2026-12-15")
        #expect(answers[0]["valor"] as? String == "150.00")
        #expect(answers[2]["valor"] as? String == "98765432.10")
    }

    @Test("a wrong digit anywhere is refused, by us and by the PyPI library")
    func corruptedRefused() throws {
        let code = try FebrabanBoleto(
            bank: "001", dueFactor: try FebrabanBoleto.dueFactor(day: "2026-12-15"), amountMinor: 15_000,
            freeField: "000000" + "31285570000000001" + "17")
        var corrupted: [String] = []
        for position in [0, 9, 20, 31, 32, 40, 46] {
            var digits = Array(code.digitableLine)
            digits[position] = Character(String(((digits[position].wholeNumberValue ?? 0) + 1) % 10))
            corrupted.append(String(digits))
            #expect(throws: FebrabanBoleto.Invalid.self) { try FebrabanBoleto(digitableLine: String(digits)) }
        }
        var barcode = Array(code.barcode)
        barcode[30] = barcode[30] == "9" ? "0" : "9"
        corrupted.append(String(barcode))
        #expect(throws: FebrabanBoleto.Invalid.self) { try FebrabanBoleto(barcode: String(barcode)) }
        for answer in try Self.reference(corrupted, on: "2026-12-08") { #expect(answer["refused"] != nil, "\(answer)") }
    }

    @Test("ITF: start, 22 pairs of 5 bars and 5 spaces (2 wide each), stop; drawn as SVG rectangles")
    func interleavedTwoOfFive() throws {
        let code = try FebrabanBoleto(
            bank: "001", dueFactor: 1661, amountMinor: 15_000, freeField: "000000" + "31285570000000001" + "17")
        let modules = try #require(ITFBarcode.modules(code.barcode))
        #expect(modules.count == 4 + 22 * 10 + 3)
        #expect(Array(modules.prefix(4)) == [1, 1, 1, 1])
        #expect(Array(modules.suffix(3)) == [3, 1, 1])
        // Decoded back: each digit's five elements carry two wide ones.
        var decoded = ""
        for pair in 0..<22 {
            let group = Array(modules[(4 + pair * 10)..<(14 + pair * 10)])
            let bars = stride(from: 0, to: 10, by: 2).map { group[$0] == 3 ? "w" : "n" }.joined()
            let spaces = stride(from: 1, to: 10, by: 2).map { group[$0] == 3 ? "w" : "n" }.joined()
            decoded += "\(ITFBarcode.patterns.firstIndex(of: bars)!)\(ITFBarcode.patterns.firstIndex(of: spaces)!)"
        }
        #expect(decoded == code.barcode)
        let svg = try #require(ITFBarcode.svg(code.barcode))
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<rect").count - 2 == (modules.count + 1) / 2)
        #expect(ITFBarcode.svg("123") == nil)
    }

    @Test("the registration body: BB's fields, dates DD.MM.YYYY, title id 000 + our number, fine from the next day, PIX")
    func registrationBody() throws {
        let request = BoletoRequest(
            ourNumber: "31285570000000042", reference: "2026-000017", amount: Money(minorUnits: 15_000, currency: .brl), issueDate: "2026-12-08",
            dueDate: "2026-12-15", finePercent: try DecimalNumber(parsing: "2"), monthlyInterestPercent: try DecimalNumber(parsing: "1"),
            payer: BoletoPayer(taxID: "12345678000195", name: "Empresa ABC Ltda"))
        let body = BancoDoBrasilClient.registrationBody(request, configuration: Self.configuration)
        #expect(body["numeroConvenio"]?.decimalValue == DecimalNumber(3_128_557))
        #expect(body["numeroTituloCliente"]?.stringValue == "00031285570000000042")
        #expect(body["dataVencimento"]?.stringValue == "15.12.2026")
        #expect(body["dataEmissao"]?.stringValue == "08.12.2026")
        #expect(body["valorOriginal"]?.decimalValue == (try DecimalNumber(parsing: "150.00")))
        #expect(body["multa"]?["data"]?.stringValue == "16.12.2026")
        #expect(body["multa"]?["porcentagem"]?.decimalValue == DecimalNumber(2))
        #expect(body["jurosMora"]?["tipo"]?.decimalValue == DecimalNumber(2))
        #expect(body["pagador"]?["tipoInscricao"]?.decimalValue == DecimalNumber(2))
        #expect(body["indicadorPix"]?.stringValue == "S")
    }

    @Test("the bank's answer is shown only when it verifies: check digits, line = bar code, our amount, due date and number")
    func bankAnswerVerified() throws {
        let ourNumber = "31285570000000042"
        let free = "000000" + ourNumber + "17"
        let row = BoletoRow(
            invoiceID: InvoiceID(rawValue: UUID()), ourNumber: ourNumber, amountMinor: 15_000, dueDate: "2026-12-15", status: .queued)
        let good = try FebrabanBoleto(bank: "001", dueFactor: 1661, amountMinor: 15_000, freeField: free)
        func state(_ barcode: String, _ line: String) -> BoletoState {
            BoletoState(ourNumber: ourNumber, status: .open, barcode: barcode, digitableLine: line, pixCopyPaste: nil)
        }
        #expect(try Boletos.verify(state(good.barcode, good.digitableLine), of: row, bank: "001", freeField: free) == good)
        // Another amount, another due date, another number: each a valid boleto, none the one asked for.
        for other in [
            try FebrabanBoleto(bank: "001", dueFactor: 1661, amountMinor: 15_001, freeField: free),
            try FebrabanBoleto(bank: "001", dueFactor: 1662, amountMinor: 15_000, freeField: free),
            try FebrabanBoleto(bank: "001", dueFactor: 1661, amountMinor: 15_000, freeField: "000000" + "31285570000000043" + "17"),
        ] {
            #expect(throws: InvoicingError.self) {
                try Boletos.verify(state(other.barcode, other.digitableLine), of: row, bank: "001", freeField: free)
            }
        }
        // A line that is not the bar code's, and a wrong check digit.
        let other = try FebrabanBoleto(bank: "001", dueFactor: 1661, amountMinor: 15_001, freeField: free)
        #expect(throws: InvoicingError.self) { try Boletos.verify(state(good.barcode, other.digitableLine), of: row, bank: "001", freeField: free) }
        var line = Array(good.digitableLine)
        line[9] = line[9] == "0" ? "1" : "0"
        #expect(throws: InvoicingError.self) { try Boletos.verify(state(good.barcode, String(line)), of: row, bank: "001", freeField: free) }
    }
}
