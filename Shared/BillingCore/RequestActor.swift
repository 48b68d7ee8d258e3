/// Who the work running now acts for: the subject of the token that asked (`customer:<subject>` for a customer's token), a payment
/// provider (`provider:<name>`), or nobody (the system's own jobs). The RPC server sets it for each call and an event consumer for
/// each event it applies, so every event the work appends records who caused it (the audit trail shows it).
public enum RequestActor {
    @TaskLocal public static var current: String?

    /// OPERATOR, CUSTOMER, PROVIDER or SYSTEM, from an actor's form.
    public static func kind(of actor: String?) -> String {
        guard let actor else { return "SYSTEM" }
        if actor.hasPrefix("customer:") { return "CUSTOMER" }
        if actor.hasPrefix("provider:") { return "PROVIDER" }
        if actor.hasPrefix("system:") { return "SYSTEM" }
        return "OPERATOR"
    }
}
