// swift-tools-version: 6.1
import PackageDescription

let strictConcurrency: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The codec runs for every byte devices send. NIO's `ByteBuffer` code inlined into it would otherwise
/// pay for a dynamic exclusivity check on each access in release builds (a fifth of decode time,
/// measured with perf); debug builds, which the tests use, keep the checks.
let hotPath: [SwiftSetting] =
    strictConcurrency + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .executable(name: "gatehouse-sim", targets: ["gatehouse-sim"]),
        .executable(name: "gatehouse-bench", targets: ["gatehouse-bench"]),
        .library(name: "DFP", targets: ["DFP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // The wire protocol: frames, CRC, TLV fields, typed messages and the NIO codec.
        .target(
            name: "DFP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: hotPath
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Registry, profiles, sessions, settings and the event stream; knows no sockets and no sinks.
        .target(
            name: "GatehouseCore",
            dependencies: [
                "DFP",
                "CSQLite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: hotPath
        ),
        // The TCP listener and the per-connection pipeline devices talk to.
        .target(
            name: "DeviceServer",
            dependencies: [
                "DFP",
                "GatehouseCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: hotPath
        ),
        // The HTTP side: REST API, WebSocket live feed, Prometheus metrics and the dashboard page.
        .target(
            name: "Dashboard",
            dependencies: [
                "DFP",
                "GatehouseCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Page")],
            swiftSettings: strictConcurrency
        ),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // The MQTT side: a safe Swift wrapper of libmosquitto, and the bridge that publishes the event
        // stream, takes commands and ties several gateway nodes on one broker into one deployment.
        .target(
            name: "MQTTBridge",
            dependencies: [
                "CMosquitto",
                "GatehouseCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: strictConcurrency
        ),
        // Simulated devices over real TCP: the demo, the end-to-end checks and the load generator.
        .target(
            name: "Simulator",
            dependencies: [
                "DFP",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPath
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "DFP",
                "GatehouseCore",
                "DeviceServer",
                "Dashboard",
                "MQTTBridge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictConcurrency
        ),
        .executableTarget(
            name: "gatehouse-sim",
            dependencies: [
                "Simulator",
                "GatehouseCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictConcurrency
        ),
        .executableTarget(
            name: "gatehouse-bench",
            dependencies: [
                "DFP",
                "GatehouseCore",
                "Simulator",
                "MQTTBridge",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "DFPTests",
            dependencies: [
                "DFP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "GatehouseCoreTests",
            dependencies: ["GatehouseCore", "DFP"],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "DeviceServerTests",
            dependencies: [
                "DeviceServer", "GatehouseCore", "DFP", "Simulator", "GatehouseTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictConcurrency
        ),
        // What the integration tests share: a real gateway node on ephemeral ports, and event recording.
        .target(
            name: "GatehouseTestSupport",
            dependencies: [
                "Dashboard", "DeviceServer", "GatehouseCore", "DFP", "Simulator", "MQTTBridge",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/GatehouseTestSupport",
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "DeviceServer", "GatehouseCore", "DFP", "Simulator", "GatehouseTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "MQTTBridgeTests",
            dependencies: ["MQTTBridge", "GatehouseTestSupport", "GatehouseCore", "DFP", "Simulator"],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "DFP", "GatehouseCore", "GatehouseTestSupport"],
            swiftSettings: strictConcurrency
        ),
        // Runs the built `gatehouse` executable as a user would: registry commands, config, signals.
        .testTarget(
            name: "GatehouseCLITests",
            dependencies: ["DFP", "Simulator", "GatehouseTestSupport", "GatehouseCore"],
            swiftSettings: strictConcurrency
        ),
    ]
)
