import BillingCore
import Foundation

/// API Pix bodies to and from our types: `CobSolicitada`/`CobVSolicitada` out; `CobGerada`, `Pix` and `Devolucao` in.
enum APIPixMapping {
    static func chargeBody(_ request: PixChargeRequest, key: String) -> JSONValue {
        var valor: [(String, JSONValue)] = [("original", .string(request.amount.amountText))]
        var calendario: [(String, JSONValue)]
        if let dueDate = request.dueDate {
            calendario = [("dataDeVencimento", .string(dueDate)), ("validadeAposVencimento", .number(request.daysPayableAfterDue))]
            if let fine = request.finePercent, fine > .zero {
                valor.append(("multa", ["modalidade": .number(2), "valorPerc": .string(percent(fine))]))
            }
            if let interest = request.monthlyInterestPercent, interest > .zero {
                valor.append(("juros", ["modalidade": .number(3), "valorPerc": .string(percent(interest))]))
            }
        } else {
            calendario = [("expiracao", .number(request.expiresIn))]
        }
        var body: [(String, JSONValue)] = [("calendario", .object(JSONObject(calendario)))]
        if let taxID = request.debtorTaxID, let name = request.debtorName {
            body.append(("devedor", [taxID.count == 14 ? "cnpj" : "cpf": .string(taxID), "nome": .string(String(name.prefix(200)))]))
        }
        body += [
            ("valor", .object(JSONObject(valor))), ("chave", .string(key)),
            ("solicitacaoPagador", .string(String(request.description.prefix(140)))),
        ]
        return .object(JSONObject(body))
    }

    /// A percentage as API Pix writes it: two decimals.
    static func percent(_ value: DecimalNumber) -> String {
        (value.rounded(toScale: 2, rule: .halfEven) ?? value).formatted(minimumFractionDigits: 2)
    }

    static func charge(_ json: JSONValue?, txid: String) throws(InvoicingError) -> PixChargeState {
        guard let json, let statusText = json["status"]?.stringValue, let status = PixChargeState.Status(rawValue: statusText),
            let location = json["location"]?.stringValue ?? json["loc"]?["location"]?.stringValue,
            let created = json["calendario"]?["criacao"]?.stringValue.flatMap(RFC3339.parse)
        else {
            throw InvoicingError.conflict(
                "the PSP's answer for charge \(txid) lacks its status, location or creation time", reason: "PIX_PROVIDER_REFUSED")
        }
        let calendar = json["calendario"]
        var expires = created.addingTimeInterval(TimeInterval(calendar?["expiracao"]?.decimalValue.flatMap { Int($0.text) } ?? 86_400))
        if let due = calendar?["dataDeVencimento"]?.stringValue, let day = dueDay(due) {
            let after = calendar?["validadeAposVencimento"]?.decimalValue.flatMap { Int($0.text) } ?? 30
            // Payable through the last day, in Brasília time (UTC-3).
            expires = day.addingTimeInterval(TimeInterval((after + 1) * 86_400 + 3 * 3_600))
        }
        return PixChargeState(txid: txid, status: status, location: location, createdAt: created, expiresAt: expires)
    }

    static func received(_ json: JSONValue) -> ReceivedPix? {
        guard let id = json["endToEndId"]?.stringValue, ReceivedPix.isEndToEndID(id),
            let amount = json["valor"]?.stringValue.flatMap(DecimalNumber.init), let time = json["horario"]?.stringValue.flatMap(RFC3339.parse)
        else { return nil }
        return ReceivedPix(endToEndId: id, txid: json["txid"]?.stringValue, amount: amount, time: time)
    }

    static func refundStatus(_ json: JSONValue?) -> ProviderRefundStatus {
        switch json?["status"]?.stringValue {
        case "DEVOLVIDO": return .refunded
        case "NAO_REALIZADO": return .notDone(reason: json?["motivo"]?.stringValue ?? "not done")
        default: return .processing
        }
    }

    /// The problem document's title, detail and violations, for an error message.
    static func problem(_ json: JSONValue?) -> String {
        guard let json else { return "no problem document" }
        let violations = (json["violacoes"]?.arrayValue ?? []).compactMap { v in
            v["razao"]?.stringValue.map { reason in v["propriedade"]?.stringValue.map { "\($0): \(reason)" } ?? reason }
        }
        return ([json["title"]?.stringValue, json["detail"]?.stringValue].compactMap { $0 } + violations).joined(separator: "; ").prefix(400)
            .description
    }

    private static func dueDay(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
