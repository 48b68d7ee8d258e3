import BillingPostgres
import Testing

@Suite("SQL statement splitting")
struct SQLStatementSplitterTests {
    @Test("splits at top-level semicolons only")
    func splits() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'semi;colon', "we;ird" int);
            /* block ; comment /* nested ; */ */
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 2; END $body$;
            SELECT 'it''s; fine', $1;
            ;
            """
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("\"we;ird\" int)"))
        #expect(statements[1].contains("$$ SELECT 1; $$"))
        #expect(statements[2].contains("BEGIN RETURN 2; END"))
        #expect(statements[3] == "SELECT 'it''s; fine', $1")
    }
}
