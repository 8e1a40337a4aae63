// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// One libFuzzer harness per parser, per pipeline entry point and for the API's requests (Fuzz/run.sh
/// builds them with -sanitize=fuzzer; an ordinary build replays files given as arguments).
let wireFuzzTargets = [
    "FuzzEthernet", "FuzzARP", "FuzzIPv4", "FuzzIPv6", "FuzzICMPv4", "FuzzICMPv6",
    "FuzzTCP", "FuzzUDP", "FuzzDHCP", "FuzzDNS", "FuzzGeneve", "FuzzAddresses",
]
let pipelineFuzzTargets = ["FuzzPipelineInstance", "FuzzPipelineUnderlay"]
let apiFuzzTargets = ["FuzzAPIRequest"]

let package = Package(
    name: "vpc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vpc", targets: ["vpc"]),
        .executable(name: "vpc-loadgen", targets: ["vpc-loadgen"]),
        .library(name: "VPCWire", targets: ["VPCWire"]),
        .library(name: "VPCDataplane", targets: ["VPCDataplane"]),
        // For the nested Benchmarks package (the audit trail's cost per record).
        .library(name: "VPCAudit", targets: ["VPCAudit"]),
        .library(name: "VPCStoreSQLite", targets: ["VPCStoreSQLite"]),
    ] + (wireFuzzTargets + pipelineFuzzTargets + apiFuzzTargets).map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // Packet formats: zero-copy views and builders. Stdlib only.
        .target(name: "VPCWire", swiftSettings: swiftSettings),
        // Memory hints Swift has no API for, used by the pipeline's tables (header-only C).
        .target(name: "CMemoryHints"),
        // The per-packet policy and pipeline: pure, frames in, actions out.
        .target(name: "VPCDataplane", dependencies: ["VPCWire", "CMemoryHints"], swiftSettings: swiftSettings),
        // DHCP server and VPC resolver: request frame in, reply frame out. No sockets.
        .target(name: "VPCHostServices", dependencies: ["VPCWire"], swiftSettings: swiftSettings),
        // Kernel constants and calls Swift cannot import (TUN/TAP, setns, epoll, recvmmsg).
        .target(name: "CVPCLinux"),
        // The host agent: namespaces, TAPs, the underlay socket, the data-plane thread, the
        // feed client and metrics. The only target with syscalls.
        .target(name: "VPCAgent", dependencies: [
            "CVPCLinux", "VPCDataplane", "VPCWire", "VPCHostServices", "VPCModel",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings),
        .target(name: "PipelineFuzzSupport", dependencies: ["VPCDataplane"], path: "Fuzz/PipelineFuzzSupport",
                swiftSettings: swiftSettings),
        // EC2 request and response shapes generated from botocore's model
        // (Scripts/generate-ec2-shapes.py), with flattened-query decoding and XML encoding.
        .target(name: "EC2Shapes", swiftSettings: swiftSettings),
        // Resources, typed ids, CIDR math, AWS invariants and error codes. Pure.
        .target(name: "VPCModel", dependencies: ["EC2Shapes"], swiftSettings: swiftSettings),
        // The durable-store protocol that every backend implements, and the audit records'
        // hash chain that every backend extends as it appends them.
        .target(name: "VPCStore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // SQLite (GRDB, WAL, synchronous commits): the embedded default store.
        .target(name: "VPCStoreSQLite", dependencies: [
            "VPCStore", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
        // The EC2 actions as typed functions over the model and a store.
        .target(name: "VPCControlPlane", dependencies: [
            "VPCModel", "VPCStore", "EC2Shapes",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        // The audit trail: CloudTrail records, the hash chain, signed digests, verification.
        .target(name: "VPCAudit", dependencies: [
            "VPCStore", "CVPCLinux",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Wire protocol: form decoding, SigV4, error envelope. No HTTP server.
        .target(name: "EC2Query", dependencies: [
            "EC2Shapes", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The HTTP server: routes, authentication, throttling, action dispatch.
        .target(name: "VPCAPI", dependencies: [
            "EC2Query", "VPCControlPlane", "VPCModel", "EC2Shapes", "VPCStore", "VPCAudit",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "vpc", dependencies: [
            "VPCAPI", "VPCControlPlane", "VPCStoreSQLite", "VPCStore", "VPCModel", "VPCAudit", "VPCAgent",
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        // Closed-loop SigV4-signing load generator (Benchmarks/api-vs-moto.sh).
        .executableTarget(name: "vpc-loadgen", dependencies: [
            "EC2Query",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        .testTarget(name: "VPCWireTests", dependencies: ["VPCWire"], resources: [.copy("Fixtures")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VPCDataplaneTests", dependencies: ["VPCDataplane", "VPCWire"], swiftSettings: swiftSettings),
        .testTarget(name: "VPCHostServicesTests", dependencies: ["VPCHostServices", "VPCWire"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VPCAgentTests", dependencies: [
            "VPCAgent", "VPCDataplane", "VPCHostServices", "VPCWire", "VPCModel",
            .product(name: "Logging", package: "swift-log"),
        ],
                    swiftSettings: swiftSettings),
        .testTarget(name: "EC2ShapesTests", dependencies: ["EC2Shapes"], swiftSettings: swiftSettings),
        .testTarget(name: "VPCModelTests", dependencies: ["VPCModel"], swiftSettings: swiftSettings),
        .testTarget(name: "EC2QueryTests", dependencies: ["EC2Query"], swiftSettings: swiftSettings),
        .testTarget(name: "VPCControlPlaneTests", dependencies: [
            "VPCControlPlane", "VPCModel", "VPCStore", "VPCStoreSQLite", "EC2Shapes",
        ], swiftSettings: swiftSettings),
        .testTarget(name: "VPCAuditTests", dependencies: [
            "VPCAudit", "VPCStore", "VPCStoreSQLite",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "VPCAPITests", dependencies: [
            "VPCAPI", "EC2Query", "EC2Shapes", "VPCControlPlane", "VPCStore", "VPCStoreSQLite", "VPCAudit",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
    ] + wireFuzzTargets.map {
        .executableTarget(name: $0, dependencies: ["VPCWire", "FuzzSupport"], path: "Fuzz/\($0)",
                          swiftSettings: swiftSettings)
    } + pipelineFuzzTargets.map {
        .executableTarget(name: $0, dependencies: ["VPCDataplane", "VPCWire", "FuzzSupport", "PipelineFuzzSupport"],
                          path: "Fuzz/\($0)",
                          swiftSettings: swiftSettings)
    } + apiFuzzTargets.map {
        .executableTarget(name: $0, dependencies: ["VPCAPI", "EC2Query", "VPCAudit", "VPCControlPlane", "VPCStore",
                                                   "FuzzSupport"],
                          path: "Fuzz/\($0)", swiftSettings: swiftSettings)
    }
)
