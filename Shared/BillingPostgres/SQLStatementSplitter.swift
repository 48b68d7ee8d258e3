import Foundation

/// Splits a SQL script into statements at top-level semicolons.
///
/// PostgresNIO speaks the extended query protocol, which runs one statement per query, so migration
/// files are split here. Quoted strings, quoted identifiers, dollar-quoted bodies (`$$ … $$`,
/// `$fn$ … $fn$`) and comments are respected; empty statements are dropped.
public enum SQLStatementSplitter {
    public static func split(_ script: String) -> [String] {
        let characters = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty && !isOnlyComments(statement) { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                let end = closingQuote(characters, from: index, quote: character)
                current.append(contentsOf: characters[index..<end])
                index = end
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count && characters[index] != "\n" {
                    current.append(characters[index])
                    index += 1
                }
            case "/" where index + 1 < characters.count && characters[index + 1] == "*":
                let end = closingBlockComment(characters, from: index)
                current.append(contentsOf: characters[index..<end])
                index = end
            case "$":
                if let tagEnd = dollarTagEnd(characters, from: index) {
                    let tag = Array(characters[index...tagEnd])
                    let bodyEnd = closingDollarQuote(characters, from: tagEnd + 1, tag: tag)
                    current.append(contentsOf: characters[index..<bodyEnd])
                    index = bodyEnd
                } else {
                    current.append(character)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }

    private static func closingQuote(_ characters: [Unicode.Scalar], from start: Int, quote: Unicode.Scalar) -> Int {
        var index = start + 1
        while index < characters.count {
            if characters[index] == quote {
                if index + 1 < characters.count && characters[index + 1] == quote {
                    index += 2
                    continue
                }  // doubled quote
                return index + 1
            }
            index += 1
        }
        return characters.count
    }

    private static func closingBlockComment(_ characters: [Unicode.Scalar], from start: Int) -> Int {
        var index = start + 2
        var depth = 1
        while index < characters.count {
            if characters[index] == "/" && index + 1 < characters.count && characters[index + 1] == "*" {
                depth += 1
                index += 2
                continue
            }
            if characters[index] == "*" && index + 1 < characters.count && characters[index + 1] == "/" {
                depth -= 1
                index += 2
                if depth == 0 { return index }
                continue
            }
            index += 1
        }
        return characters.count
    }

    /// The index of the closing `$` of a dollar-quote tag starting at `start`, or nil (e.g. `$1`).
    private static func dollarTagEnd(_ characters: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if character == "$" { return index }
            let isTagCharacter = character == "_" || character.properties.isAlphabetic || (index > start + 1 && ("0"..."9").contains(character))
            guard isTagCharacter else { return nil }
            index += 1
        }
        return nil
    }

    private static func closingDollarQuote(_ characters: [Unicode.Scalar], from start: Int, tag: [Unicode.Scalar]) -> Int {
        var index = start
        while index + tag.count <= characters.count {
            if Array(characters[index..<(index + tag.count)]) == tag { return index + tag.count }
            index += 1
        }
        return characters.count
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
