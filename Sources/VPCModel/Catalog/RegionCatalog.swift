/// The regions and availability zones the server offers, named as AWS names them.
public struct RegionCatalog: Sendable {
    public struct Zone: Sendable, Equatable {
        public var name: String   // us-east-1a
        public var id: String     // use1-az1
    }

    public struct Region: Sendable {
        public var name: String
        public var zones: [Zone]
        /// The suffix of private DNS names: `ec2.internal` in us-east-1,
        /// `<region>.compute.internal` elsewhere.
        public var privateDNSSuffix: String {
            name == "us-east-1" ? "ec2.internal" : "\(name).compute.internal"
        }
    }

    public var regions: [Region]

    public static let standard = RegionCatalog(regions: [
        ("us-east-1", "use1", 6), ("us-east-2", "use2", 3), ("us-west-1", "usw1", 2), ("us-west-2", "usw2", 4),
        ("eu-west-1", "euw1", 3), ("eu-west-2", "euw2", 3), ("eu-central-1", "euc1", 3), ("eu-north-1", "eun1", 3),
        ("ap-southeast-1", "apse1", 3), ("ap-southeast-2", "apse2", 3), ("ap-northeast-1", "apne1", 3),
        ("ap-south-1", "aps1", 3), ("ca-central-1", "cac1", 3), ("sa-east-1", "sae1", 3),
    ].map { name, short, count in
        Region(name: name, zones: (0..<count).map { i in
            Zone(name: name + String(UnicodeScalar(UInt8(97 + i))), id: "\(short)-az\(i + 1)")
        })
    })

    public func region(_ name: String) -> Region? { regions.first { $0.name == name } }
}
