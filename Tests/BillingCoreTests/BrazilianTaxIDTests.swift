import Testing

@testable import BillingCore

@Suite("CPF and CNPJ check digits")
struct BrazilianTaxIDTests {
    @Test(
        "valid CPFs, formatted or bare",
        arguments: [
            ("529.982.247-25", "52998224725"),
            ("52998224725", "52998224725"),
            ("111.444.777-35", "11144477735"),
            ("123.456.789-09", "12345678909"),
        ])
    func validCPF(text: String, bare: String) throws {
        #expect(try BrazilianTaxID.normalizedCPF(text) == bare)
    }

    @Test(
        "invalid CPFs",
        arguments: [
            ("529.982.247-24", TaxIDError.checkDigitsMismatch(kind: "CPF")),
            ("111.111.111-11", TaxIDError.repeatedDigits(kind: "CPF")),
            ("5299822472", TaxIDError.wrongLength(kind: "CPF", expected: 11, actual: 10)),
            ("529.982.247-2A", TaxIDError.invalidCharacters(kind: "CPF")),
        ])
    func invalidCPF(text: String, error: TaxIDError) {
        #expect(throws: error) { try BrazilianTaxID.normalizedCPF(text) }
    }

    @Test(
        "valid CNPJs, numeric and alphanumeric",
        arguments: [
            ("12.345.678/0001-95", "12345678000195"),
            ("11.222.333/0001-81", "11222333000181"),
            ("11222333000181", "11222333000181"),
            ("12.ABC.345/01DE-35", "12ABC34501DE35"),
            ("12.abc.345/01de-35", "12ABC34501DE35"),
        ])
    func validCNPJ(text: String, bare: String) throws {
        #expect(try BrazilianTaxID.normalizedCNPJ(text) == bare)
    }

    @Test(
        "invalid CNPJs",
        arguments: [
            ("12.345.678/0001-90", TaxIDError.checkDigitsMismatch(kind: "CNPJ")),  // seed 001's example
            ("00.000.000/0000-00", TaxIDError.repeatedDigits(kind: "CNPJ")),
            ("12.345.678/0001", TaxIDError.wrongLength(kind: "CNPJ", expected: 14, actual: 12)),
            ("12.ABC.345/01DE-3A", TaxIDError.invalidCharacters(kind: "CNPJ")),
            ("12.ABC.345/01DE-36", TaxIDError.checkDigitsMismatch(kind: "CNPJ")),
            ("12#345.678/0001-95", TaxIDError.invalidCharacters(kind: "CNPJ")),
        ])
    func invalidCNPJ(text: String, error: TaxIDError) {
        #expect(throws: error) { try BrazilianTaxID.normalizedCNPJ(text) }
    }

    @Test(
        "printed forms",
        arguments: [
            ("12345678909", "123.456.789-09"), ("11222333000181", "11.222.333/0001-81"), ("12ABC34501DE35", "12.ABC.345/01DE-35"), ("X1", "X1"),
        ])
    func printed(_ row: (String, String)) {
        #expect(BrazilianTaxID.formatted(row.0) == row.1)
    }
}
