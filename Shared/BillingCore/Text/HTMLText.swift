/// Text placed in HTML (invoice documents, e-mails).
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and quoted attributes.
    public static func escape(_ text: some StringProtocol) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
