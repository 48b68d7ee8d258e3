import BillingCore
import Foundation

/// The Declaração de Prestação de Serviço (DPS) of the Sistema Nacional NFS-e, layout 1.00 (`DPS_v1.00.xsd`, namespace
/// `http://www.sped.fazenda.gov.br/nfse`): what the provider declares, and SEFIN Nacional turns into an NFS-e. Pure: the values
/// in, the unsigned XML out (the `Signature` is added after `infDPS` by ``BillingXMLSignature/XMLSigner``).
///
/// Written from the published layout; the order of every sequence is the schema's and the texts keep to its patterns
/// (`TSString`: Latin-1 printable characters, no leading or trailing blank).
struct DPSDocument: Equatable, Sendable {
    static let namespace = "http://www.sped.fazenda.gov.br/nfse"
    static let version = "1.00"
    static let applicationVersion = "billing-1.0"

    enum Environment: String, Codable, Sendable, CaseIterable {
        case production = "PRODUCAO"
        case homologation = "HOMOLOGACAO"
        /// `tpAmb`: 1 produção, 2 homologação.
        var code: String { self == .production ? "1" : "2" }
    }

    /// `opSimpNac`: 1 not opting in, 2 MEI, 3 ME/EPP.
    enum SimplesNacional: String, Codable, Sendable, CaseIterable {
        case none = "NONE"
        case mei = "MEI"
        case meEpp = "ME_EPP"
        var code: String {
            switch self {
            case .none: "1"
            case .mei: "2"
            case .meEpp: "3"
            }
        }
    }

    struct Provider: Equatable, Sendable {
        /// 14 digits.
        var cnpj: String
        /// Inscrição municipal, when the municipality gives one.
        var municipalRegistration: String?
        /// IBGE code (7 digits) of the municipality the provider is registered in: `cLocEmi` and the place of the service.
        var municipalityCode: String
        var simplesNacional: SimplesNacional
    }

    struct Address: Equatable, Sendable {
        var municipalityCode: String
        var postalCode: String
        var street: String
        var number: String
        var complement: String?
        var district: String
    }

    struct Taker: Equatable, Sendable {
        enum TaxID: Equatable, Sendable {
            case cnpj(String)
            case cpf(String)
        }
        var taxID: TaxID
        var name: String
        var email: String?
        var address: Address?
    }

    /// Federal taxes the taker withheld (the invoice's WITHHELD taxes).
    struct FederalWithholdings: Equatable, Sendable {
        /// PIS and COFINS: the base and each rate and amount (`piscofins`, CST 01, retained).
        var pisCofinsBase: Money?
        var pisRate: DecimalNumber?
        var pis: Money?
        var cofinsRate: DecimalNumber?
        var cofins: Money?
        var irrf: Money?
        var csll: Money?
        var isEmpty: Bool { pis == nil && cofins == nil && irrf == nil && csll == nil }
    }

    var environment: Environment
    var issuedAt: Date
    /// `dCompet`: the day the service began (not after `issuedAt`).
    var competence: Date
    /// `serie`: 1 to 5 digits, not all zeros.
    var series: String
    /// `nDPS`: the provider's gapless counter in the series, from 1.
    var number: Int64
    var provider: Provider
    var taker: Taker?
    /// `cTribNac`: the national service code (LC 116/2003 item, subitem, desdobro: 6 digits).
    var nationalServiceCode: String
    /// `cTribMun`: the municipality's own code for it (3 digits), when it has one.
    var municipalServiceCode: String?
    var description: String
    /// `vServ`: the service's value (the lines charged, before discounts, taxes withheld or credit).
    var serviceAmount: Money
    /// `vDescIncond`: discounts given on the invoice.
    var unconditionalDiscount: Money?
    /// `pAliq`: the ISS rate (%), when the municipality's rate is to be declared.
    var issRate: DecimalNumber?
    var withholdings: FederalWithholdings

    /// `Id` of `infDPS`: "DPS" + municipality (7) + inscription type (2: CNPJ) + CNPJ (14) + series (5) + number (15) = 45.
    var id: String {
        "DPS" + provider.municipalityCode + "2" + provider.cnpj + Self.padded(series, 5) + Self.padded(String(number), 15)
    }

    /// The document without its signature.
    var xml: String {
        var out = XMLWriter()
        out.raw(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        out.open("DPS", attributes: [("xmlns", Self.namespace), ("versao", Self.version)])
        out.open("infDPS", attributes: [("Id", id)])
        out.element("tpAmb", environment.code)
        out.element("dhEmi", Self.dateTime(issuedAt))
        out.element("verAplic", Self.applicationVersion)
        out.element("serie", series)
        out.element("nDPS", String(number))
        out.element("dCompet", Self.date(min(competence, issuedAt)))
        out.element("tpEmit", "1")
        out.element("cLocEmi", provider.municipalityCode)
        out.open("prest")
        out.element("CNPJ", provider.cnpj)
        if let registration = provider.municipalRegistration { out.element("IM", Self.text(registration, max: 15)) }
        out.open("regTrib")
        out.element("opSimpNac", provider.simplesNacional.code)
        out.element("regEspTrib", "0")
        out.close("regTrib")
        out.close("prest")
        if let taker {
            out.open("toma")
            switch taker.taxID {
            case .cnpj(let digits): out.element("CNPJ", digits)
            case .cpf(let digits): out.element("CPF", digits)
            }
            out.element("xNome", Self.text(taker.name, max: 300))
            if let address = taker.address {
                out.open("end")
                out.open("endNac")
                out.element("cMun", address.municipalityCode)
                out.element("CEP", address.postalCode)
                out.close("endNac")
                out.element("xLgr", Self.text(address.street, max: 255))
                out.element("nro", Self.text(address.number, max: 60))
                if let complement = address.complement { out.element("xCpl", Self.text(complement, max: 156)) }
                out.element("xBairro", Self.text(address.district, max: 60))
                out.close("end")
            }
            if let email = taker.email, email.utf8.count <= 80, email == Self.text(email, max: 80) { out.element("email", email) }
            out.close("toma")
        }
        out.open("serv")
        out.open("locPrest")
        out.element("cLocPrestacao", provider.municipalityCode)
        out.close("locPrest")
        out.open("cServ")
        out.element("cTribNac", nationalServiceCode)
        if let municipalServiceCode { out.element("cTribMun", municipalServiceCode) }
        out.element("xDescServ", Self.text(description, max: 2000))
        out.close("cServ")
        out.close("serv")
        out.open("valores")
        out.open("vServPrest")
        out.element("vServ", Self.amount(serviceAmount))
        out.close("vServPrest")
        if let discount = unconditionalDiscount, discount.isPositive {
            out.open("vDescCondIncond")
            out.element("vDescIncond", Self.amount(discount))
            out.close("vDescCondIncond")
        }
        out.open("trib")
        out.open("tribMun")
        out.element("tribISSQN", "1")
        // Layout 1.00: pAliq comes before tpRetISSQN (1.01 swapped them).
        if let issRate { out.element("pAliq", Self.percent(issRate)) }
        out.element("tpRetISSQN", "1")
        out.close("tribMun")
        if !withholdings.isEmpty {
            out.open("tribFed")
            if withholdings.pis != nil || withholdings.cofins != nil {
                out.open("piscofins")
                out.element("CST", "01")
                if let base = withholdings.pisCofinsBase { out.element("vBCPisCofins", Self.amount(base)) }
                if let rate = withholdings.pisRate { out.element("pAliqPis", Self.percent(rate)) }
                if let rate = withholdings.cofinsRate { out.element("pAliqCofins", Self.percent(rate)) }
                if let pis = withholdings.pis { out.element("vPis", Self.amount(pis)) }
                if let cofins = withholdings.cofins { out.element("vCofins", Self.amount(cofins)) }
                out.element("tpRetPisCofins", "1")
                out.close("piscofins")
            }
            if let irrf = withholdings.irrf { out.element("vRetIRRF", Self.amount(irrf)) }
            if let csll = withholdings.csll { out.element("vRetCSLL", Self.amount(csll)) }
            out.close("tribFed")
        }
        out.open("totTrib")
        // Decreto 8.264/2014: no estimate of the taxes is declared.
        out.element("indTotTrib", "0")
        out.close("totTrib")
        out.close("trib")
        out.close("valores")
        out.close("infDPS")
        out.close("DPS")
        return out.text
    }

    // MARK: - Formats of the layout's simple types

    /// Brasília time (UTC−03:00, no daylight saving since 2019): `dhEmi` needs an offset, and `dCompet` is a Brazilian day.
    static let brasilia = TimeZone(secondsFromGMT: -3 * 3600)!

    /// `TSDateTimeUTC`: `AAAA-MM-DDThh:mm:ss-03:00`.
    static func dateTime(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d-03:00", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// `TSData`: `AAAA-MM-DD` in Brasília.
    static func date(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = brasilia
        return calendar
    }()

    /// `TSDec15V2`: reais with two decimals (`1234.50`).
    static func amount(_ money: Money) -> String { money.amount.formatted(minimumFractionDigits: 2) }

    /// `TSDec1V2`/`TSDec2V2`: a percentage with two decimals, rounded half-even.
    static func percent(_ value: DecimalNumber) -> String {
        (value.rounded(toScale: 2, rule: .halfEven) ?? value).formatted(minimumFractionDigits: 2)
    }

    static func padded(_ digits: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `TSString`: characters U+0020…U+00FF only (others approximated or `?`), blanks collapsed, trimmed, at most `max`.
    static func text(_ value: String, max: Int) -> String {
        var out = ""
        var blank = false
        for scalar in value.unicodeScalars {
            let mapped: Character
            switch scalar.value {
            case 0x20...0x7E, 0xA1...0xFF: mapped = Character(scalar)
            case 0x2010...0x2015, 0x2212: mapped = "-"
            case 0x2018, 0x2019, 0x201A: mapped = "'"
            case 0x201C, 0x201D, 0x201E: mapped = "\""
            case 0x2026: mapped = "."
            default:
                if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0xA0 { mapped = " " } else { mapped = "?" }
            }
            if mapped == " " {
                blank = !out.isEmpty
                continue
            }
            if blank { out.append(" ") }
            blank = false
            out.append(mapped)
        }
        return String(out.prefix(max)).trimmingCharacters(in: .whitespaces)
    }
}

/// A minimal XML writer: elements in order, text and attribute values escaped, no whitespace between elements (the signature
/// covers the bytes as written).
struct XMLWriter {
    private(set) var text = ""

    mutating func raw(_ value: String) { text += value }

    mutating func open(_ name: String, attributes: [(String, String)] = []) {
        text += "<" + name
        for (key, value) in attributes { text += " \(key)=\"\(HTMLText.escape(value))\"" }
        text += ">"
    }

    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ value: String) {
        open(name)
        text += HTMLText.escape(value)
        close(name)
    }
}
