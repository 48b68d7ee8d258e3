extension Array {
    /// A page read one row longer than `size` (to learn whether another follows): keeps the first `size` and answers the last
    /// kept — what the next page's cursor names — when there was more, nil when this was the last page.
    public mutating func trimPage(to size: Int) -> Element? {
        guard count > size else { return nil }
        removeLast(count - size)
        return last
    }
}
