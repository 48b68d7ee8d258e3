import BillingCore
import Foundation
import Testing

@Suite("PIX BR Code (copia e cola)")
struct PixBRCodeTests {
    @Test("the Banco Central manual's static example, byte for byte, CRC 1D3D")
    func manualExample() throws {
        let code = try PixBRCode(
            key: "123e4567-e12b-12d1-a456-426655440000", merchantName: "Fulano de Tal", merchantCity: "BRASILIA", amount: nil, txid: nil)
        #expect(
            code.payload
                == "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
        )
    }

    @Test("CRC16-CCITT-FALSE check value: \"123456789\" → 29B1")
    func crcCheckValue() {
        #expect(PixBRCode.crc16("123456789") == "29B1")
    }

    @Test("an invoice's code: amount, txid, names folded to ASCII and cut to their limits; the CRC covers it all")
    func invoiceCode() throws {
        let code = try PixBRCode(
            key: "financeiro@empresa-abc.com.br", merchantName: "Plataforma de Cobrança Ltda Sociedade", merchantCity: "São Paulo do Sul e Norte",
            amount: try Money.parse("299.90", currency: .brl), txid: "2026000123")
        let payload = code.payload
        #expect(payload.contains("5406299.90") && payload.contains("5925Plataforma de Cobranca Lt") && payload.contains("6015Sao Paulo do Su"))
        #expect(payload.contains("62140510" + "2026000123"))
        #expect(PixBRCode.crc16(String(payload.dropLast(4))) == String(payload.suffix(4)))
        #expect(payload.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test("a dynamic code: single use (01 = 12), the charge's location in 26.25 instead of a key, no amount, txid ***")
    func dynamicCode() throws {
        let code = try PixBRCode(
            location: "https://pix.example.com/qr/v2/9d36b84fc70b478fb95c12729b90ca25", merchantName: "Fulano de Tal", merchantCity: "BRASILIA")
        let payload = code.payload
        let fields = try #require(PixBRCode.fields(of: payload))
        #expect(fields.map(\.id) == ["00", "01", "26", "52", "53", "58", "59", "60", "62", "63"])
        #expect(fields[1].value == "12")
        let account = try #require(PixBRCode.fields(of: fields[2].value))
        #expect(account.map(\.id) == ["00", "25"] && account[0].value == "br.gov.bcb.pix")
        #expect(account[1].value == "pix.example.com/qr/v2/9d36b84fc70b478fb95c12729b90ca25")
        #expect(PixBRCode.fields(of: fields[8].value)?.first?.value == "***")
        #expect(PixBRCode.crc16(String(payload.dropLast(4))) == fields[9].value)
        #expect(throws: PixBRCodeError.self) {
            _ = try PixBRCode(location: String(repeating: "x", count: 78), merchantName: "L", merchantCity: "C")
        }
    }

    @Test(
        "bad inputs name their field",
        arguments: [("", "Loja", "Cidade", "key"), ("k", "", "Cidade", "merchantName"), ("k", "Loja", "", "merchantCity")])
    func refusals(_ row: (String, String, String, String)) {
        #expect(throws: PixBRCodeError.self) { _ = try PixBRCode(key: row.0, merchantName: row.1, merchantCity: row.2, amount: nil, txid: nil) }
        do { _ = try PixBRCode(key: row.0, merchantName: row.1, merchantCity: row.2, amount: nil, txid: nil) } catch { #expect(error.field == row.3) }
        #expect(throws: PixBRCodeError.self) { _ = try PixBRCode(key: "k", merchantName: "L", merchantCity: "C", amount: nil, txid: "has-dash") }
        #expect(throws: PixBRCodeError.self) {
            _ = try PixBRCode(key: "k", merchantName: "L", merchantCity: "C", amount: try Money.parse("1.00", currency: .usd), txid: nil)
        }
    }
}
