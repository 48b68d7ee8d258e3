import CXMLSec
import Synchronization

/// Why signing failed; `message` names the step (never the password or key bytes).
public struct XMLSignatureError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "XML signature: \(message)" }
}

/// XMLDSig enveloped signatures with libxml2 + xmlsec1 (OpenSSL engine), the tools Brazil's fiscal documents
/// (NF-e, NFS-e Nacional) are signed and checked with: RSA-SHA256 over a SHA-256 reference to the element whose `Id`
/// is given, transforms enveloped-signature then inclusive C14N, and `KeyInfo/X509Data/X509Certificate` with the
/// signer's certificate. The key comes from an ICP-Brasil A1 certificate: a PKCS#12 file and its password.
public struct XMLSigner: Sendable {
    private let pkcs12: [UInt8]
    private let password: String

    /// Checks that the PKCS#12 opens with `password` and holds a private key, so a bad certificate is refused when it
    /// is configured rather than when the first document is signed.
    public init(pkcs12: [UInt8], password: String) throws {
        self.pkcs12 = pkcs12
        self.password = password
        try XMLSecurityLibrary.shared.run {
            let key = try Self.loadKey(pkcs12, password)
            xmlSecKeyDestroy(key)
        }
    }

    /// Signs `xml`: the `Signature` element becomes the last child of the document's root element and references the
    /// element carrying the attribute `Id="referenceID"`. Returns the signed document (UTF-8, with its XML declaration).
    public func signEnveloped(_ xml: String, referenceID: String) throws -> String {
        try XMLSecurityLibrary.shared.run {
            let bytes = Array(xml.utf8)
            guard
                let doc = bytes.withUnsafeBufferPointer({
                    $0.withMemoryRebound(to: CChar.self) {
                        xmlReadMemory($0.baseAddress, Int32($0.count), nil, "UTF-8", Int32(XML_PARSE_NONET.rawValue))
                    }
                })
            else { throw XMLSignatureError("the document is not well-formed XML") }
            defer { xmlFreeDoc(doc) }
            guard let root = xmlDocGetRootElement(doc) else { throw XMLSignatureError("the document has no root element") }

            // The references resolve `#id` through the document's ID table: register every `Id` attribute.
            try "Id".withCString { idName in
                var names: [UnsafePointer<xmlChar>?] = [UnsafeRawPointer(idName).assumingMemoryBound(to: xmlChar.self), nil]
                names.withUnsafeMutableBufferPointer { xmlSecAddIDs(doc, root, $0.baseAddress) }
                guard xmlGetID(doc, referenceID) != nil else {
                    throw XMLSignatureError("no element has Id=\"\(referenceID)\"")
                }
            }

            guard
                let signature = xmlSecTmplSignatureCreate(
                    doc, xmlSecTransformInclC14NGetKlass(), xmlSecOpenSSLTransformRsaSha256GetKlass(), nil)
            else { throw XMLSignatureError("cannot create the Signature template") }
            guard xmlAddChild(root, signature) != nil else {
                xmlFreeNode(signature)
                throw XMLSignatureError("cannot place the Signature element")
            }
            guard
                let reference = xmlSecTmplSignatureAddReference(
                    signature, xmlSecOpenSSLTransformSha256GetKlass(), nil, "#\(referenceID)", nil),
                xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedGetKlass()) != nil,
                xmlSecTmplReferenceAddTransform(reference, xmlSecTransformInclC14NGetKlass()) != nil,
                let keyInfo = xmlSecTmplSignatureEnsureKeyInfo(signature, nil),
                let x509Data = xmlSecTmplKeyInfoAddX509Data(keyInfo),
                xmlSecTmplX509DataAddCertificate(x509Data) != nil
            else { throw XMLSignatureError("cannot build the Signature template") }

            guard let context = xmlSecDSigCtxCreate(nil) else { throw XMLSignatureError("cannot create the signature context") }
            defer { xmlSecDSigCtxDestroy(context) }
            // The context owns the key from here on and destroys it with itself.
            context.pointee.signKey = try Self.loadKey(pkcs12, password)
            guard xmlSecDSigCtxSign(context, signature) >= 0 else { throw XMLSignatureError("signing failed") }

            var output: UnsafeMutablePointer<xmlChar>?
            var size: Int32 = 0
            xmlDocDumpMemoryEnc(doc, &output, &size, "UTF-8")
            guard let output else { throw XMLSignatureError("cannot serialize the signed document") }
            defer { cxmlsec_free(output) }
            return String(decoding: UnsafeBufferPointer(start: output, count: Int(size)), as: UTF8.self)
        }
    }

    private static func loadKey(_ pkcs12: [UInt8], _ password: String) throws -> xmlSecKeyPtr {
        let key = pkcs12.withUnsafeBufferPointer {
            xmlSecOpenSSLAppPkcs12LoadMemory($0.baseAddress, numericCast($0.count), password, nil, nil)
        }
        guard let key else { throw XMLSignatureError("the PKCS#12 certificate cannot be opened with this password") }
        guard xmlSecKeyGetType(key) & xmlSecKeyDataType(xmlSecKeyDataTypePrivate) != 0 else {
            xmlSecKeyDestroy(key)
            throw XMLSignatureError("the PKCS#12 certificate holds no private key")
        }
        return key
    }
}

/// libxml2 and xmlsec1 are initialised once per process; their error stacks are per thread, and signing here is rare
/// (one document per paid invoice), so the calls are serialised rather than reasoned about.
final class XMLSecurityLibrary: Sendable {
    static let shared = XMLSecurityLibrary()
    private let lock = Mutex<Bool>(false)

    private init() {}

    func run<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { initialised in
            if !initialised {
                xmlInitParser()
                guard xmlSecInit() >= 0 else { throw XMLSignatureError("xmlsec initialisation failed") }
                guard cxmlsec_check_version() == 1 else { throw XMLSignatureError("the loaded xmlsec library does not match its headers") }
                guard xmlSecOpenSSLAppInit(nil) >= 0, xmlSecOpenSSLInit() >= 0 else {
                    throw XMLSignatureError("xmlsec OpenSSL engine initialisation failed")
                }
                initialised = true
            }
            return try body()
        }
    }
}
