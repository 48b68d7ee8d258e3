import BillingCore
import Foundation

/// What a valid `CobSolicitada` or `CobVSolicitada` body asks for.
struct PixStandInChargeTerms: Sendable {
    /// A cob's `calendario.expiracao` (86400 when absent); nil for a cobv.
    var expiration: Int?
    /// A cobv's `calendario.dataDeVencimento` and `validadeAposVencimento` (30 when absent); nil for a cob.
    var dueDate: String?
    var validityAfterDueDays: Int?
    /// `devedor` as sent.
    var debtor: JSONObject?
    var debtorName: String?
    var debtorTaxID: String?
    /// `valor` as answered (`modalidade` values as integers).
    var valor: JSONObject
    /// `valor.original`.
    var amount: String
    var key: String
    var payerRequest: String?
    var additionalInfo: [JSONValue]?

    enum Validation {
        case valid(PixStandInChargeTerms)
        case invalid([PixStandInViolation])
    }

    /// Checks a body against the API's schema and rules; every violation found is reported, its property prefixed with the
    /// kind (`cob.valor.original`, `cobv.calendario.dataDeVencimento`). `createdAt`: when the charge was (or is being) created.
    static func validate(_ request: JSONObject, kind: PixStandInBackend.ChargeKind, keys: Set<String>, createdAt: Int64) -> Validation {
        var violations: [PixStandInViolation] = []
        let prefix = kind.rawValue
        func violation(_ reason: String, _ property: String) {
            violations.append(PixStandInViolation(reason: reason, property: "\(prefix).\(property)"))
        }
        func schema(_ property: String) { violation("O campo \(prefix).\(property) não respeita o _schema_.", property) }

        // calendario
        var expiration: Int?
        var dueDate: String?
        var validity: Int?
        if let calendar = request["calendario"]?.objectValue {
            switch kind {
            case .cob:
                if let value = calendar["expiracao"] {
                    if let seconds = PixStandInFormat.integer(value), seconds > 0, seconds <= Int(Int32.max) {
                        expiration = seconds
                    } else {
                        violation("O campo cob.calendario.expiracao deve ser um inteiro maior que zero.", "calendario.expiracao")
                    }
                } else {
                    expiration = 86_400
                }
            case .cobv:
                if let text = calendar["dataDeVencimento"]?.stringValue, PixStandInFormat.isDate(text) {
                    if text < PixStandInFormat.todayInSaoPaulo(createdAt) {
                        violation("A dataDeVencimento é anterior à data de criação da cobrança.", "calendario.dataDeVencimento")
                    } else {
                        dueDate = text
                    }
                } else {
                    violation(
                        "O campo cobv.calendario.dataDeVencimento é obrigatório e deve ser uma data AAAA-MM-DD.", "calendario.dataDeVencimento")
                }
                if let value = calendar["validadeAposVencimento"] {
                    if let days = PixStandInFormat.integer(value), days >= 0, days <= Int(Int32.max) {
                        validity = days
                    } else {
                        violation(
                            "O campo cobv.calendario.validadeAposVencimento deve ser um inteiro maior ou igual a zero.",
                            "calendario.validadeAposVencimento")
                    }
                } else {
                    validity = 30
                }
            }
        } else if request["calendario"] == nil {
            violation("O campo \(prefix).calendario é obrigatório.", "calendario")
        } else {
            schema("calendario")
        }

        // devedor
        var debtor: JSONObject?
        var debtorName: String?
        var debtorTaxID: String?
        if let value = request["devedor"] {
            if let object = value.objectValue {
                switch (object["cpf"], object["cnpj"]) {
                case (nil, nil): violation("O devedor deve ter cpf ou cnpj.", "devedor")
                case (.some, .some): violation("O devedor não pode ter cpf e cnpj ao mesmo tempo.", "devedor")
                case (let cpf?, nil):
                    if let text = cpf.stringValue, PixStandInFormat.isDigits(text, count: 11) {
                        debtorTaxID = text
                    } else {
                        violation("O campo \(prefix).devedor.cpf deve ter 11 algarismos.", "devedor.cpf")
                    }
                case (nil, let cnpj?):
                    if let text = cnpj.stringValue, PixStandInFormat.isDigits(text, count: 14) {
                        debtorTaxID = text
                    } else {
                        violation("O campo \(prefix).devedor.cnpj deve ter 14 algarismos.", "devedor.cnpj")
                    }
                }
                if let name = object["nome"]?.stringValue, name.count <= 200 {
                    debtorName = name
                } else {
                    violation("O campo \(prefix).devedor.nome é obrigatório e tem até 200 caracteres.", "devedor.nome")
                }
                if kind == .cobv {
                    for (field, limit) in [("logradouro", 200), ("cidade", 200), ("uf", 2), ("cep", 8), ("email", 512)] {
                        guard let value = object[field] else { continue }
                        if value.stringValue.map({ $0.count > limit }) ?? true {
                            violation("O campo cobv.devedor.\(field) deve ser um texto de até \(limit) caracteres.", "devedor.\(field)")
                        }
                    }
                }
                debtor = object
            } else {
                schema("devedor")
            }
        } else if kind == .cobv {
            violation("O campo cobv.devedor é obrigatório.", "devedor")
        }

        // valor
        var valor = JSONObject()
        var amount = ""
        if let object = request["valor"]?.objectValue {
            var originalCents: Int64 = 0
            if let text = object["original"]?.stringValue, let cents = PixStandInFormat.cents(text) {
                if cents > 0 {
                    amount = text
                    originalCents = cents
                    valor["original"] = .string(text)
                } else {
                    violation("O campo \(prefix).valor.original deve ser maior que zero.", "valor.original")
                }
            } else {
                schema("valor.original")
            }
            switch kind {
            case .cob:
                if let value = object["modalidadeAlteracao"] {
                    if let mode = PixStandInFormat.integer(value), mode == 0 || mode == 1 {
                        valor["modalidadeAlteracao"] = .number(mode)
                    } else {
                        schema("valor.modalidadeAlteracao")
                    }
                }
                if object["retirada"] != nil { violation("O stand-in não oferece saque nem troco.", "valor.retirada") }
            case .cobv:
                for (name, modes) in [("multa", 1...2), ("juros", 1...8), ("abatimento", 1...2)] {
                    guard let value = object[name] else { continue }
                    guard let part = value.objectValue, let mode = PixStandInFormat.integerOrDigits(part["modalidade"]), modes.contains(mode),
                        let text = part["valorPerc"]?.stringValue, let cents = PixStandInFormat.cents(text)
                    else {
                        schema("valor.\(name)")
                        continue
                    }
                    if name == "abatimento", mode == 1 ? cents >= originalCents : cents >= 10_000 {
                        violation("O abatimento é maior ou igual ao valor original da cobrança.", "valor.abatimento")
                    }
                    valor[name] = ["modalidade": .number(mode), "valorPerc": .string(text)]
                }
                if let value = object["desconto"] {
                    if let part = value.objectValue, let mode = PixStandInFormat.integerOrDigits(part["modalidade"]), (1...6).contains(mode) {
                        var discount = JSONObject()
                        discount["modalidade"] = .number(mode)
                        if mode <= 2 {
                            if let list = part["descontoDataFixa"]?.arrayValue, (1...3).contains(list.count) {
                                var items: [JSONValue] = []
                                for item in list {
                                    guard let date = item["data"]?.stringValue, PixStandInFormat.isDate(date),
                                        let text = item["valorPerc"]?.stringValue, let cents = PixStandInFormat.cents(text)
                                    else {
                                        schema("valor.desconto.descontoDataFixa")
                                        continue
                                    }
                                    if let dueDate, date > dueDate {
                                        violation("A data de desconto é posterior à data de vencimento.", "valor.desconto.descontoDataFixa")
                                    }
                                    if mode == 1 ? cents >= originalCents : cents >= 10_000 {
                                        violation("O desconto é maior ou igual ao valor original da cobrança.", "valor.desconto")
                                    }
                                    items.append(["data": .string(date), "valorPerc": .string(text)])
                                }
                                discount["descontoDataFixa"] = .array(items)
                            } else {
                                violation(
                                    "As modalidades 1 e 2 de desconto exigem descontoDataFixa com 1 a 3 itens.", "valor.desconto.descontoDataFixa")
                            }
                        } else if let text = part["valorPerc"]?.stringValue, PixStandInFormat.cents(text) != nil, part["descontoDataFixa"] == nil {
                            discount["valorPerc"] = .string(text)
                        } else {
                            violation("As modalidades 3 a 6 de desconto exigem valorPerc e não aceitam descontoDataFixa.", "valor.desconto")
                        }
                        valor["desconto"] = .object(discount)
                    } else {
                        schema("valor.desconto")
                    }
                }
            }
        } else if request["valor"] == nil {
            violation("O campo \(prefix).valor é obrigatório.", "valor")
        } else {
            schema("valor")
        }

        // chave
        var key = ""
        if let text = request["chave"]?.stringValue, !text.isEmpty, text.count <= 77 {
            if keys.contains(text) {
                key = text
            } else {
                violation("A chave não pertence a este usuário recebedor.", "chave")
            }
        } else {
            violation("O campo \(prefix).chave é obrigatório e tem até 77 caracteres.", "chave")
        }

        // solicitacaoPagador, infoAdicionais, loc
        var payerRequest: String?
        if let value = request["solicitacaoPagador"] {
            if let text = value.stringValue, text.count <= 140 {
                payerRequest = text
            } else {
                violation("O campo \(prefix).solicitacaoPagador deve ser um texto de até 140 caracteres.", "solicitacaoPagador")
            }
        }
        var additionalInfo: [JSONValue]?
        if let value = request["infoAdicionais"] {
            let items = value.arrayValue ?? []
            let valid =
                value.arrayValue != nil && items.count <= 50
                && items.allSatisfy { item in
                    guard let name = item["nome"]?.stringValue, let text = item["valor"]?.stringValue else { return false }
                    return name.count <= 50 && text.count <= 200
                }
            if valid { additionalInfo = items } else { schema("infoAdicionais") }
        }
        if request["loc"] != nil { violation("O location informado não existe (o stand-in não oferece /loc).", "loc.id") }

        guard violations.isEmpty else { return .invalid(violations) }
        return .valid(
            PixStandInChargeTerms(
                expiration: expiration, dueDate: dueDate, validityAfterDueDays: validity, debtor: debtor, debtorName: debtorName,
                debtorTaxID: debtorTaxID, valor: valor, amount: amount, key: key, payerRequest: payerRequest, additionalInfo: additionalInfo))
    }
}

/// Formats and patterns of the API.
enum PixStandInFormat {
    /// Now, to the millisecond (the precision of the timestamps the stand-in writes, so what a client reads back filters exactly).
    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(_ milliseconds: Int64) -> Date { RFC3339.instant(microsecondsSince1970: milliseconds * 1000) }

    /// RFC 3339 in UTC with milliseconds: `2026-12-07T10:00:00.358Z`.
    static func timestamp(_ milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = milliseconds - seconds * 1000
        var text = RFC3339.format(RFC3339.instant(microsecondsSince1970: seconds * 1_000_000))
        text.removeLast()
        let digits = String(fraction)
        return text + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// ASCII letters and digits only, with a length in `length`.
    static func isAlphanumeric(_ text: String, length: ClosedRange<Int>) -> Bool {
        length.contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    /// A money value (`^\d{1,10}\.\d{2}$`) in centavos; nil when the text does not match.
    static func cents(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...10).contains(parts[0].utf8.count), parts[1].utf8.count == 2,
            isDigits(String(parts[0]), count: parts[0].utf8.count), isDigits(String(parts[1]), count: 2)
        else { return nil }
        return Int64(parts[0] + parts[1])
    }

    /// A JSON integer (a number without fraction or exponent).
    static func integer(_ value: JSONValue?) -> Int? {
        guard let value, case .number(let text) = value else { return nil }
        let digits = text.hasPrefix("-") ? String(text.dropFirst()) : text
        guard !digits.isEmpty, isDigits(digits, count: digits.utf8.count) else { return nil }
        return Int(text)
    }

    /// A JSON integer or a string of digits (the document's examples write `modalidade` as `"2"`).
    static func integerOrDigits(_ value: JSONValue?) -> Int? {
        if let value, case .string(let text) = value, !text.isEmpty, isDigits(text, count: text.utf8.count) { return Int(text) }
        return integer(value)
    }

    /// `YYYY-MM-DD`, a real date.
    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
        return RFC3339.parse(text + "T00:00:00Z") != nil
    }

    /// The date in São Paulo (UTC−3, no daylight saving time since 2019) at an instant, `YYYY-MM-DD`.
    static func todayInSaoPaulo(_ milliseconds: Int64) -> String {
        String(RFC3339.format(date(milliseconds - 3 * 3_600_000)).prefix(10))
    }

    /// The last millisecond of `date` + `days` days in São Paulo.
    static func endOfDayInSaoPaulo(_ date: String, plusDays days: Int) -> Int64 {
        guard let midnight = RFC3339.parse(date + "T00:00:00-03:00") else { return 0 }
        return RFC3339.microsecondsSince1970(midnight) / 1000 + Int64(days + 1) * 86_400_000 - 1
    }

    static func randomHex(bytes: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<bytes * 2).map { _ in digits[Int.random(in: 0..<16)] })
    }

    /// An endToEndId (`E`) or rtrId (`D`): the prefix, the ISPB `12345678`, `yyyyMMddHHmm` in UTC and 11 random letters and
    /// digits; 32 characters.
    static func endToEndId(at milliseconds: Int64, prefix: String) -> String {
        let time = RFC3339.format(date(milliseconds)).prefix(16).filter { $0.isASCII && $0.isNumber }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + "12345678" + time + String((0..<11).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// `a=1&b=x+y` → `["a": "1", "b": "x y"]` (form encoding: `+` is a space, `%XX` a byte).
    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// The BR Code ("copia e cola") of a dynamic QR code pointing at `location`.
    static func dynamicBRCode(location: String) -> String {
        func field(_ id: String, _ value: String) -> String {
            let length = String(value.utf8.count)
            return id + (length.count < 2 ? "0" + length : length) + value
        }
        let account = field("00", "br.gov.bcb.pix") + field("25", location)
        let payload =
            field("00", "01") + field("01", "12") + field("26", account) + field("52", "0000") + field("53", "986") + field("58", "BR")
            + field("59", "PSP Stand-in Recebedor") + field("60", "SAO PAULO") + field("62", field("05", "***")) + "6304"
        return payload + PixBRCode.crc16(payload)
    }
}
