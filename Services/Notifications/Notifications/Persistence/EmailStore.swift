import AccountsContract
import BillingCore
import BillingPostgres
import Foundation
import Logging
import NotificationsContract
import PostgresNIO

/// An e-mail claimed for one attempt: the event it tells of and whom it is for.
struct ClaimedEmail: Sendable {
    let tenant: String
    let id: UUID
    /// A `NotificationType` for an account's e-mail; `TENANT_NOTICE` for the tenant's contact.
    let kind: String
    /// Nil for the tenant's own notices.
    let account: AccountID?
    let eventType: String
    let payload: String
    /// Attempts made before this one.
    let attempts: Int
}

/// How an attempt to send an e-mail ended.
enum EmailOutcome: Sendable {
    case sent(recipients: [String], subject: String, answer: String)
    case skipped(String)
    /// `next`: when to try again; nil: failed for good.
    case failed(recipients: [String], subject: String?, error: String, next: Date?)
}

/// SQL for the e-mails of the `notifications` schema; every statement filters by tenant (row-level security is the second wall).
struct EmailStore {
    let logger: Logger

    static let tenantNotice = "TENANT_NOTICE"

    /// The e-mail an event asks for, once per event (a redelivered event finds it there already): to an account's contacts
    /// (`type` and `account`), or to the tenant's contact (`tenantNotice`, no account).
    func enqueue(
        eventID: String, eventType: String, kind: String, account: AccountID?, payload: String, at time: Date, tenant: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO email_notifications (tenant_id, id, event_id, event_type, notification_type, account_id, payload, status,
                        next_attempt_at, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8, $8, $8)
                    ON CONFLICT (tenant_id, event_id) DO NOTHING
                    """,
                binds: try .of(tenant, UUIDv7.generate(at: time), eventID, eventType, kind, account?.rawValue, payload, time)),
            logger: logger)
    }

    /// Every tenant's e-mails due at `time` and not leased, each leased until `lease` (a replica killed mid-send leaves it to
    /// another after the lease).
    func claimDue(at time: Date, lease: Date, limit: Int, on connection: PostgresConnection) async throws -> [ClaimedEmail] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH due AS (
                        SELECT tenant_id, id FROM email_notifications
                        WHERE status = 'PENDING' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until < $1)
                        ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
                    )
                    UPDATE email_notifications e SET leased_until = $2, updated_at = $1
                    FROM due WHERE e.tenant_id = due.tenant_id AND e.id = due.id
                    RETURNING e.tenant_id, e.id, e.notification_type, e.account_id, e.event_type, e.payload, e.attempts
                    """, binds: try .of(time, lease, limit)), logger: logger
        ).map { row in
            let (tenant, id, kind, account, eventType, payload, attempts) = try row.decode((String, UUID, String, UUID?, String, String, Int32).self)
            return ClaimedEmail(
                tenant: tenant, id: id, kind: kind, account: account.map(AccountID.init(rawValue:)), eventType: eventType, payload: payload,
                attempts: Int(attempts))
        }
    }

    func record(_ outcome: EmailOutcome, of id: UUID, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        let status: EmailStatus, recipients: [String], subject: String?, detail: String, next: Date?
        switch outcome {
        case .sent(let to, let title, let answer): (status, recipients, subject, detail, next) = (.sent, to, title, answer, nil)
        case .skipped(let reason): (status, recipients, subject, detail, next) = (.skipped, [], nil, reason, nil)
        case .failed(let to, let title, let error, let retry):
            (status, recipients, subject, detail, next) = (retry == nil ? .failed : .pending, to, title, error, retry)
        }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE email_notifications SET status = $3, attempts = attempts + 1, leased_until = NULL, recipients = $4, subject = $5,
                        detail = $6, next_attempt_at = coalesce($7, next_attempt_at), updated_at = $8,
                        sent_at = CASE WHEN $3 = 'SENT' THEN $8 END
                    WHERE tenant_id = $1 AND id = $2 AND status = 'PENDING'
                    """,
                binds: try .of(tenant, id, status.rawValue, recipients, subject, String(detail.prefix(1_000)), next, time)), logger: logger)
    }

    func list(account: AccountID, limit: Int, tenant: String, on connection: PostgresConnection) async throws -> [EmailNotification] {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, notification_type, event_id, event_type, status, attempts, recipients, subject, detail, created_at, sent_at,
                        next_attempt_at
                    FROM email_notifications WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3
                    """, binds: try .of(tenant, account.rawValue, limit)), logger: logger
        ).map { row in
            var columns = ColumnReader(row)
            let id: UUID = try columns.next(), type: String = try columns.next(), eventID: String = try columns.next()
            let eventType: String = try columns.next(), status: String = try columns.next(), attempts: Int32 = try columns.next()
            let recipients: [String] = try columns.next(), subject: String? = try columns.next(), detail: String? = try columns.next()
            let created: Date = try columns.next(), sent: Date? = try columns.next(), next: Date = try columns.next()
            let state = EmailStatus(rawValue: status) ?? .failed
            return EmailNotification(
                id: id, billingAccountId: account, type: NotificationType(rawValue: type) ?? .invoiceIssued, eventId: eventID, eventType: eventType,
                status: state, attempts: Int(attempts), recipients: recipients, subject: subject, detail: detail, createdAt: created, sentAt: sent,
                nextAttemptAt: state == .pending ? next : nil)
        }
    }
}

extension EmailStore {
    func settings(tenant: String, on connection: PostgresConnection) async throws -> NotificationSettings {
        try await connection.rows(
            PostgresQuery(
                unsafeSQL: "SELECT contact_email, locale FROM notification_settings WHERE tenant_id = $1", binds: try .of(tenant)), logger: logger
        ).first.map { row in
            let (email, locale) = try row.decode((String?, String).self)
            return NotificationSettings(contactEmail: email, locale: AccountLocale(rawValue: locale))
        } ?? NotificationSettings(contactEmail: nil, locale: .portuguese)
    }

    func save(_ settings: NotificationSettings, at time: Date, tenant: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO notification_settings (tenant_id, contact_email, locale, updated_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (tenant_id) DO UPDATE SET contact_email = $2, locale = $3, updated_at = $4
                    """, binds: try .of(tenant, settings.contactEmail, (settings.locale ?? .portuguese).rawValue, time)), logger: logger)
    }
}
