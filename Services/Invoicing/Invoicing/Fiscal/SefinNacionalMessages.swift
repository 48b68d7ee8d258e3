import BillingXMLSignature
import Foundation

/// The messages of SEFIN Nacional's `POST /nfse` (the NFS-e Nacional API, written from its published OpenAPI): the signed DPS goes
/// as GZip + base64 in `dpsXmlGZipB64`; a success (201) answers the `chaveAcesso` (50 digits), the DPS `idDps` and the NFS-e as
/// GZip + base64 in `nfseXmlGZipB64`; a refusal answers `erros`, each with a code (`E0014`…) and a description. Pure: no I/O.
enum SefinNacionalMessages {
    /// What a `POST /nfse` came to.
    enum Outcome: Equatable, Sendable {
        /// Issued: the access key, the NFS-e number (`nNFSe`) and the NFS-e XML.
        case issued(accessKey: String, number: String?, xml: String)
        /// Refused for good (a 4xx with its first error): recorded, not retried.
        case rejected(code: String, message: String)
        /// Worth retrying: a 5xx, a 429, a timeout, a body that does not read.
        case transient(String)
    }

    /// The JSON body of `POST /nfse` for a signed DPS.
    static func issueRequest(signedDPS: String) throws -> [UInt8] {
        let compressed = try GZip.compress(Array(signedDPS.utf8))
        return Array(try JSONSerialization.data(withJSONObject: ["dpsXmlGZipB64": Data(compressed).base64EncodedString()]))
    }

    /// The signed DPS a `POST /nfse` body carries (what the stand-in reads).
    static func dps(ofIssueRequest body: [UInt8]) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let text = object["dpsXmlGZipB64"] as? String, let compressed = Data(base64Encoded: text)
        else { throw GZip.Failure(description: "the body has no dpsXmlGZipB64 in base64") }
        return String(decoding: try GZip.decompress(Array(compressed)), as: UTF8.self)
    }

    /// Reads the answer to `POST /nfse` (or to a DPS look-up, which answers the same success body).
    static func outcome(status: Int, body: [UInt8]) -> Outcome {
        if status >= 500 || status == 429 || status == 408 { return .transient("SEFIN Nacional answered \(status)") }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if (200..<300).contains(status) {
            guard let object, let key = object["chaveAcesso"] as? String, key.count == 50, key.allSatisfy({ $0.isASCII && $0.isNumber }),
                let text = object["nfseXmlGZipB64"] as? String, let compressed = Data(base64Encoded: text),
                let xml = try? GZip.decompress(Array(compressed))
            else { return .transient("SEFIN Nacional answered \(status) without a readable chaveAcesso and nfseXmlGZipB64") }
            let document = String(decoding: xml, as: UTF8.self)
            return .issued(accessKey: key, number: element("nNFSe", in: document), xml: document)
        }
        let errors = (object?["erros"] ?? object?["Erros"] ?? object?["erro"]) as? [[String: Any]] ?? []
        func field(_ entry: [String: Any], _ names: String...) -> String? {
            for name in names { if let value = entry[name] as? String, !value.isEmpty { return value } }
            return nil
        }
        guard let first = errors.first else {
            return .rejected(code: "HTTP_\(status)", message: "SEFIN Nacional answered \(status) without erros")
        }
        let code = field(first, "codigo", "Codigo") ?? "HTTP_\(status)"
        let message = [field(first, "descricao", "Descricao"), field(first, "complemento", "Complemento")].compactMap { $0 }
            .joined(separator: ": ")
        return .rejected(code: code, message: message.isEmpty ? "SEFIN Nacional refused the DPS" : String(message.prefix(1000)))
    }

    /// The text of the first element named `name` (any prefix) in `xml`.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>") ?? xml.range(of: ":\(name)>"),
            let close = xml.range(of: "</", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }
}
