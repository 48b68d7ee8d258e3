/// Amounts as people read them on invoices and screens.
extension Money {
    /// BRL in Brazilian style (`R$ 1.234,56`, seed 000's screens); other currencies as `USD 1,234.56`. Negative amounts lead with `-`.
    public var displayText: String {
        let plain = Money(minorUnits: minorUnits == .min ? .max : abs(minorUnits), currency: currency).amountText
        let parts = plain.split(separator: ".", maxSplits: 1).map(String.init)
        let brazilian = currency.code == "BRL"
        var integer = parts[0]
        var grouped = ""
        while integer.count > 3 {
            grouped = (brazilian ? "." : ",") + integer.suffix(3) + grouped
            integer = String(integer.dropLast(3))
        }
        grouped = integer + grouped
        let fraction = parts.count > 1 ? (brazilian ? "," : ".") + parts[1] : ""
        return (minorUnits < 0 ? "-" : "") + (brazilian ? "R$ " : currency.code + " ") + grouped + fraction
    }
}
