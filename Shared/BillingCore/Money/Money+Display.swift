/// Amounts as people read them on invoices and screens.
extension Money {
    /// BRL in Brazilian style (`R$ 1.234,56`, seed 000's screens); other currencies as `USD 1,234.56`. Negative amounts lead with `-`.
    public var displayText: String {
        let plain = Money(minorUnits: minorUnits == .min ? .max : abs(minorUnits), currency: currency).amountText
        let brazilian = currency.code == "BRL"
        return (minorUnits < 0 ? "-" : "") + (brazilian ? "R$ " : currency.code + " ")
            + NumberText.grouped(plain, thousands: brazilian ? "." : ",", decimal: brazilian ? "," : ".")
    }
}

/// Decimal text as people read it.
public enum NumberText {
    /// `plain` (`-1234567.89`: digits, an optional leading `-` and `.` fraction) with its integer digits grouped by three and the
    /// given separators: `-1.234.567,89` or `-1,234,567.89`.
    public static func grouped(_ plain: String, thousands: String, decimal: String) -> String {
        let negative = plain.hasPrefix("-")
        let parts = (negative ? String(plain.dropFirst()) : plain).split(separator: ".", maxSplits: 1).map(String.init)
        var integer = parts.first ?? ""
        var grouped = ""
        while integer.count > 3 {
            grouped = thousands + integer.suffix(3) + grouped
            integer = String(integer.dropLast(3))
        }
        let fraction = parts.count > 1 ? decimal + parts[1] : ""
        return (negative ? "-" : "") + integer + grouped + fraction
    }
}
