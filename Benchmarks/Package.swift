// swift-tools-version: 6.1
// Benchmarks of the hot paths (release build), in a nested package so the main
// package carries no benchmark dependency. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
// Figures and exact commands: ../BENCHMARKS.md.
import PackageDescription

/// A benchmark executable in `Benchmarks/<name>` over the given products of the main package.
func benchmarkTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")]
            + products.map { .product(name: $0, package: "vpc") },
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")])
}

let package = Package(
    name: "VPCBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "vpc", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        benchmarkTarget("WireBenchmarks", ["VPCWire"]),
        benchmarkTarget("PolicyBenchmarks", ["VPCDataplane", "VPCWire"]),
        benchmarkTarget("PipelineBenchmarks", ["VPCDataplane", "VPCWire"]),
        benchmarkTarget("TrailBenchmarks", ["VPCAudit", "VPCStoreSQLite"]),
    ]
)
