// swift-tools-version:6.0
import PackageDescription

// Layout: ../shared/DESIGN.md section 2. Shared/ is infrastructure, Services/<Ctx>/ one bounded context each.

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioHTTP2 = Target.Dependency.product(name: "NIOHTTP2", package: "swift-nio-http2")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

var targets: [Target] = [
    .target(name: "BillingCore", path: "Shared/BillingCore"),
    .target(
        name: "BillingRPC",
        dependencies: ["BillingCore", nioCore, logging, .product(name: "NIOFoundationCompat", package: "swift-nio")],
        path: "Shared/BillingRPC"),
    .target(
        name: "BillingRPCHTTP2",
        dependencies: ["BillingRPC", nioCore, nioPosix, nioHTTP2, logging, serviceLifecycle],
        path: "Shared/BillingRPCHTTP2"),
]

var products: [Product] = []

targets += [
    .testTarget(name: "BillingCoreTests", dependencies: ["BillingCore"], path: "Tests/BillingCoreTests"),
    .testTarget(
        name: "BillingRPCTests",
        dependencies: ["BillingRPC", "BillingRPCHTTP2", nioCore, nioPosix, nioHTTP2, serviceLifecycle, logging],
        path: "Tests/BillingRPCTests"),
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
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
