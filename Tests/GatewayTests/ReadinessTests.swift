import BillingService
import Testing

@Suite("Readiness: own dependencies gate it, backends only degrade it")
struct ReadinessTests {
    @Test("a failing backend check reports degraded and stays ready; a failing own check (the database) is not ready")
    func degradedVersusGating() async {
        let readiness = ReadinessState()
        readiness.addCheck(gatesReadiness: false) { "ledger: unavailable" }
        #expect(await readiness.report().problems == ["not serving (starting or shutting down)"])
        readiness.markReady()
        let report = await readiness.report()
        #expect(report.problems.isEmpty && report.degraded == ["ledger: unavailable"])
        #expect(!readiness.lastKnownReady)  // nothing refreshed yet: the public answer is not ready
        await readiness.refresh()
        #expect(readiness.lastKnownReady)
        readiness.addCheck { "database: connection refused" }
        #expect(await readiness.problems() == ["database: connection refused"])
        await readiness.refresh()
        #expect(!readiness.lastKnownReady)
    }

    @Test("shutting down turns the kept verdict off at once, before the next refresh")
    func shutdownClearsTheKeptVerdict() async {
        let readiness = ReadinessState()
        readiness.markReady()
        await readiness.refresh()
        #expect(readiness.lastKnownReady)
        readiness.markNotReady()
        #expect(!readiness.lastKnownReady)
    }
}
