// swift-tools-version: 6.1
// Benchmarks of the hot paths (release build), in a nested package so the main
// package carries no benchmark dependency. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
// Figures and exact commands: ../BENCHMARKS.md.
import PackageDescription

let package = Package(
    name: "VPCBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "vpc", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "WireBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), .product(name: "VPCWire", package: "vpc")],
            path: "Benchmarks/WireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "PolicyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VPCDataplane", package: "vpc"), .product(name: "VPCWire", package: "vpc"),
            ],
            path: "Benchmarks/PolicyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "PipelineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VPCDataplane", package: "vpc"), .product(name: "VPCWire", package: "vpc"),
            ],
            path: "Benchmarks/PipelineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TrailBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VPCAudit", package: "vpc"), .product(name: "VPCStoreSQLite", package: "vpc"),
            ],
            path: "Benchmarks/TrailBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
