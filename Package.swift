// swift-tools-version:6.0
import PackageDescription

// Layout: ../shared/DESIGN.md section 2. Shared/ is infrastructure; Services/<Ctx>/ is one bounded context
// with its wire API (<Ctx>Contract), its implementation (<Ctx>) and its executable (<Ctx>Server).

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioHTTP2 = Target.Dependency.product(name: "NIOHTTP2", package: "swift-nio-http2")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let jwtKit = Target.Dependency.product(name: "JWTKit", package: "jwt-kit")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let x509 = Target.Dependency.product(name: "X509", package: "swift-certificates")
let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

var targets: [Target] = [
    .target(name: "BillingCore", path: "Shared/BillingCore"),
    .target(
        name: "BillingRPC",
        dependencies: ["BillingCore", nioCore, logging, .product(name: "NIOFoundationCompat", package: "swift-nio")],
        path: "Shared/BillingRPC"),
    // The event-loop task executor the RPC server and the database helpers share.
    .target(name: "BillingNIO", dependencies: [nioCore], path: "Shared/BillingNIO"),
    .target(
        name: "BillingRPCHTTP2",
        dependencies: [
            "BillingCore", "BillingRPC", "BillingNIO", nioCore, nioPosix, nioHTTP2, nioSSL, x509, logging, serviceLifecycle,
            .product(name: "NIOTLS", package: "swift-nio"),
        ],
        path: "Shared/BillingRPCHTTP2"),
    .target(
        name: "BillingPostgres",
        dependencies: ["BillingCore", "BillingNIO", postgres, nioSSL, logging, crypto, serviceLifecycle, metrics],
        path: "Shared/BillingPostgres"),
    // Events in three layers: the core (envelope, descriptors; what Contract targets use), the outbox, inbox and
    // subscriptions on PostgreSQL (what services use), and the Redis Streams transport.
    .target(name: "BillingEvents", dependencies: ["BillingCore"], path: "Shared/BillingEvents"),
    .target(
        name: "BillingEventsPostgres",
        dependencies: ["BillingCore", "BillingEvents", "BillingPostgres", postgres, logging],
        path: "Shared/BillingEventsPostgres"),
    .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
    .target(
        name: "BillingEventsRedis",
        dependencies: ["CHiredis", "BillingCore", "BillingEvents", "BillingEventsPostgres", "BillingPostgres", logging, postgres, serviceLifecycle],
        path: "Shared/BillingEventsRedis"),
    .target(
        name: "BillingService",
        dependencies: [
            "BillingCore", "BillingRPC", "BillingRPCHTTP2", "BillingPostgres", "BillingEvents", "BillingEventsPostgres", "BillingEventsRedis",
            nioCore, nioPosix,
            nioHTTP1, logging, serviceLifecycle, unixSignals, metrics, prometheus,
        ],
        path: "Shared/BillingService"),
    // Outbound tenant webhooks (issue 25): Standard Webhooks signatures, the URL and address policies, the delivery client.
    .target(
        name: "BillingWebhooks",
        dependencies: ["BillingCore", crypto, nioCore, nioPosix, nioHTTP1, nioSSL, logging],
        path: "Shared/BillingWebhooks"),
    // Outbound e-mail (invoices to customers): the MIME message builder and the SMTP client.
    .target(
        name: "BillingMail",
        dependencies: ["BillingCore", nioCore, nioPosix, nioSSL, logging],
        path: "Shared/BillingMail"),
    // XMLDSig signatures (NFS-e Nacional's DPS) with libxml2 + xmlsec1 from Debian.
    .systemLibrary(
        name: "CXMLSec", path: "Shared/CXMLSec", pkgConfig: "xmlsec1-openssl", providers: [.apt(["libxml2-dev", "libxmlsec1-dev", "zlib1g-dev"])]),
    .target(name: "BillingXMLSignature", dependencies: ["CXMLSec"], path: "Shared/BillingXMLSignature"),
    .target(
        name: "BillingTesting",
        dependencies: [
            "BillingCore", "BillingRPC", "BillingRPCHTTP2", "BillingPostgres", "BillingService", "BillingEventsRedis", logging, postgres,
            crypto, .product(name: "_CryptoExtras", package: "swift-crypto"), nioCore, nioPosix, nioHTTP1, nioSSL,
        ],
        path: "Shared/BillingTesting"),
]

var products: [Product] = []

/// One bounded context: `<name>Contract`, `<name>` (with its SQL migrations) and the `billing-<exe>` executable.
/// `contracts`: the other contexts it calls or whose events it reads; `sharedTypes`: contexts whose contract types its own contract reuses.
/// `dependencies`: what else its implementation uses (a payment provider's HTTP client).
@MainActor func context(
    _ name: String, executable: String, contracts: [String] = [], sharedTypes: [String] = [], dependencies: [Target.Dependency] = [],
    migrations: Bool = true
) {
    targets.append(
        .target(
            name: "\(name)Contract",
            dependencies: ["BillingCore", "BillingRPC", "BillingEvents"] + sharedTypes.map { .target(name: "\($0)Contract") },
            path: "Services/\(name)/\(name)Contract"))
    targets.append(
        .target(
            name: name,
            dependencies: [
                .target(name: "\(name)Contract"), "BillingCore", "BillingRPC", "BillingPostgres", "BillingEvents", "BillingEventsPostgres",
                "BillingService", logging, postgres,
            ]
                + contracts.map { .target(name: "\($0)Contract") } + dependencies,
            path: "Services/\(name)/\(name)",
            resources: migrations ? [.copy("Migrations")] : nil))
    targets.append(
        .executableTarget(
            name: "\(name)Server",
            dependencies: [.target(name: name), "BillingService"],
            path: "Services/\(name)/\(name)Server"))
    products.append(.executable(name: "billing-\(executable)", targets: ["\(name)Server"]))
}

context("Accounts", executable: "accounts", contracts: ["Invoicing"])
context("Catalog", executable: "catalog")
context("Subscriptions", executable: "subscriptions", contracts: ["Accounts", "Catalog", "Invoicing"], sharedTypes: ["Catalog"])
context(
    "Ledger", executable: "ledger", contracts: ["Accounts", "Catalog", "Subscriptions", "Invoicing"], sharedTypes: ["Catalog"],
    dependencies: [metrics])
context(
    "Invoicing", executable: "invoicing", contracts: ["Accounts", "Subscriptions", "Catalog", "Ledger"], sharedTypes: ["Catalog"],
    dependencies: [asyncHTTPClient, nioCore, nioHTTP1, nioSSL, "BillingXMLSignature"])

context(
    "Notifications", executable: "notifications", contracts: ["Accounts", "Catalog", "Subscriptions", "Ledger", "Invoicing"],
    sharedTypes: ["Accounts"],
    dependencies: ["BillingWebhooks", "BillingMail"])

let allContracts: [Target.Dependency] = [
    "AccountsContract", "CatalogContract", "SubscriptionsContract", "LedgerContract", "InvoicingContract", "NotificationsContract",
]

targets += [
    .target(
        name: "Gateway",
        dependencies: [
            "BillingCore", "BillingRPC", "BillingRPCHTTP2", "BillingPostgres", "BillingEvents", "BillingEventsPostgres", "BillingService",
            hummingbird, jwtKit, logging, postgres, crypto, serviceLifecycle, metrics,
        ]
            + allContracts,
        path: "Services/Gateway/Gateway",
        resources: [.copy("Migrations"), .copy("Console/static")]),
    .executableTarget(name: "GatewayServer", dependencies: ["Gateway", "BillingService"], path: "Services/Gateway/GatewayServer"),
    .target(
        name: "ContractCatalog", dependencies: ["BillingCore", "BillingRPC", "BillingEvents"] + allContracts, path: "Services/Tools/ContractCatalog"),
    .executableTarget(
        name: "BillingCtl",
        dependencies: [
            "ContractCatalog", "BillingEventsRedis", "Invoicing", "BillingService", "BillingCore", "BillingEvents", "BillingPostgres",
            // `migrations status` compares each schema with the migrations its service applies; `token` lists the gateway's permissions.
            "Gateway", "Accounts", "Catalog", "Subscriptions", "Ledger", "Notifications",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), asyncHTTPClient, crypto, postgres, logging, nioCore, nioHTTP1,
            nioPosix, nioSSL,
        ],
        path: "Services/Tools/BillingCtl"),
]
targets += [
    .executableTarget(
        name: "RPCBenchmark",
        dependencies: ["BillingRPC", "BillingRPCHTTP2", nioCore, nioPosix, nioHTTP2, serviceLifecycle, logging],
        path: "Tests/Benchmarks/RPC")
]
targets += [
    .executableTarget(
        name: "EventsBenchmark",
        dependencies: [
            "BillingCore", "BillingEvents", "BillingEventsPostgres", "BillingEventsRedis", "BillingPostgres", "BillingTesting", logging,
            postgres,
        ],
        path: "Tests/Benchmarks/Events")
]
targets += [
    .executableTarget(
        name: "UsageBenchmark",
        dependencies: ["BillingCore", "BillingPostgres", "BillingTesting", "Ledger", logging, postgres],
        path: "Tests/Benchmarks/Usage"),
    .executableTarget(
        name: "CreditsBenchmark",
        dependencies: ["BillingCore", "BillingTesting"],
        path: "Tests/Benchmarks/Credits",
        exclude: ["pgbench-baseline.sh"]),
    .executableTarget(
        name: "RenewalsBenchmark",
        dependencies: [
            "BillingCore", "BillingPostgres", "BillingRPC", "BillingTesting", "Subscriptions", "SubscriptionsContract", "AccountsContract",
            "CatalogContract", logging, postgres,
        ],
        path: "Tests/Benchmarks/Renewals"),
    .executableTarget(
        name: "ScaleBenchmark",
        dependencies: ["BillingCore", "BillingPostgres", "BillingTesting", logging],
        path: "Tests/Benchmarks/Scale"),
    .executableTarget(
        name: "InvoicingBenchmark",
        dependencies: ["BillingCore", "BillingPostgres", "BillingTesting", logging, postgres],
        path: "Tests/Benchmarks/Invoicing"),
    .executableTarget(name: "NotificationsBenchmark", dependencies: ["BillingCore", "BillingTesting"], path: "Tests/Benchmarks/Notifications"),
]
products += [
    .executable(name: "bench-rpc", targets: ["RPCBenchmark"]),
    .executable(name: "bench-usage", targets: ["UsageBenchmark"]),
    .executable(name: "bench-credits", targets: ["CreditsBenchmark"]),
    .executable(name: "bench-events", targets: ["EventsBenchmark"]),
    .executable(name: "bench-renewals", targets: ["RenewalsBenchmark"]),
    .executable(name: "bench-invoicing", targets: ["InvoicingBenchmark"]),
    .executable(name: "bench-scale", targets: ["ScaleBenchmark"]),
    .executable(name: "bench-notifications", targets: ["NotificationsBenchmark"]),
    .executable(name: "billing-gateway", targets: ["GatewayServer"]),
    .executable(name: "billingctl", targets: ["BillingCtl"]),
]

targets += [
    .testTarget(name: "BillingCoreTests", dependencies: ["BillingCore"], path: "Tests/BillingCoreTests"),
    .testTarget(
        name: "BillingRPCTests",
        dependencies: ["BillingRPC", "BillingRPCHTTP2", nioCore, nioPosix, nioHTTP2, serviceLifecycle, logging],
        path: "Tests/BillingRPCTests"),
    .testTarget(
        name: "AccountsTests",
        dependencies: ["Accounts", "AccountsContract", "BillingTesting", "BillingCore", "BillingRPC", "BillingPostgres", logging],
        path: "Tests/AccountsTests"),
    .testTarget(
        name: "LedgerTests",
        dependencies: [
            "Ledger", "LedgerContract", "AccountsContract", "CatalogContract", "InvoicingContract", "SubscriptionsContract", "BillingEvents",
            "BillingTesting", "BillingCore", "BillingRPC", "BillingPostgres",
            logging, nioCore,
        ],
        path: "Tests/LedgerTests"),
    .testTarget(
        name: "SubscriptionsTests",
        dependencies: [
            "Subscriptions", "SubscriptionsContract", "AccountsContract", "CatalogContract", "InvoicingContract", "BillingEvents",
            "BillingEventsPostgres", "BillingTesting",
            "BillingCore", "BillingRPC", "BillingPostgres", logging,
        ],
        path: "Tests/SubscriptionsTests", resources: [.copy("Fixtures")]),
    .testTarget(
        name: "InvoicingTests",
        dependencies: [
            "Invoicing", "InvoicingContract", "SubscriptionsContract", "AccountsContract", "CatalogContract", "LedgerContract", "BillingTesting",
            "BillingCore", "BillingRPC",
            "BillingPostgres", "BillingEvents", postgres, nioCore, asyncHTTPClient, crypto, "BillingXMLSignature",
        ],
        path: "Tests/InvoicingTests", resources: [.copy("Fixtures")]),
    .testTarget(
        name: "GatewayTests",
        dependencies: [
            "Gateway", "BillingTesting", "BillingCore", "BillingRPC", "BillingService", logging, hummingbird, nioCore,
            .product(name: "CoreMetrics", package: "swift-metrics"), prometheus,
        ],
        path: "Tests/GatewayTests"),
    .testTarget(
        name: "EndToEndTests",
        dependencies: [
            "BillingTesting", "BillingCore", "BillingRPC", "BillingRPCHTTP2", "BillingEvents", "BillingEventsPostgres", "BillingEventsRedis",
            "AccountsContract",
            "LedgerContract", "InvoicingContract", "Gateway", "BillingPostgres", logging, postgres,
        ],
        path: "Tests/EndToEndTests"),
    .testTarget(
        name: "BillingEventsTests",
        dependencies: [
            "BillingEvents", "BillingEventsPostgres", "BillingEventsRedis", "BillingPostgres", "BillingTesting", "BillingCore", logging,
            postgres,
        ],
        path: "Tests/BillingEventsTests"),
    .testTarget(name: "ContractDocsTests", dependencies: ["ContractCatalog", "BillingRPC"], path: "Tests/ContractDocsTests"),
    .testTarget(
        name: "BillingPostgresTests",
        dependencies: ["BillingPostgres", "BillingTesting", "BillingCore", postgres, logging],
        path: "Tests/BillingPostgresTests"),
    .testTarget(
        name: "BillingWebhooksTests",
        dependencies: ["BillingWebhooks", "BillingCore", "BillingTesting", nioCore, nioPosix, nioHTTP1, nioSSL],
        path: "Tests/BillingWebhooksTests"),
    .testTarget(
        name: "NotificationsTests",
        dependencies: [
            "Notifications", "NotificationsContract", "AccountsContract", "InvoicingContract", "LedgerContract", "SubscriptionsContract",
            "CatalogContract", "BillingEvents", "BillingCore", "BillingPostgres", "BillingTesting", postgres,
        ],
        path: "Tests/NotificationsTests"),
    .testTarget(
        name: "BillingMailTests",
        dependencies: ["BillingMail", "BillingCore", "BillingTesting", nioCore, nioPosix, crypto],
        path: "Tests/BillingMailTests"),
]

let package = Package(
    name: "billing",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Both already come with postgres-nio and jwt-kit: mutual TLS between services adds no new build.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        // Outgoing HTTPS to payment providers (API Pix PSPs, Stripe).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // billingctl's command line.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Metrics: swift-metrics is the API every module records through, swift-prometheus the backend behind `/metrics`.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
