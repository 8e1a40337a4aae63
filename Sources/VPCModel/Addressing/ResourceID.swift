/// EC2 resource ids: a prefix, a dash and 17 lowercase hex digits
/// (`vpc-0a1b2c3d4e5f67890`). Ours always start with `0`, so the 16 digits
/// after it are a 64-bit number the data plane can carry (Geneve ENI option).
public enum ResourceID {
    public static func generate(_ prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return make(prefix, rng.next())
    }

    public static func make(_ prefix: String, _ number: UInt64) -> String {
        let hex = String(number, radix: 16)
        return prefix + "-0" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The 64-bit number of one of our ids; nil if the id is not of that form.
    public static func number(of id: String, prefix: String) -> UInt64? {
        guard id.hasPrefix(prefix + "-0") else { return nil }
        let digits = id.dropFirst(prefix.count + 2)
        guard digits.count == 16, digits.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(digits, radix: 16)
    }

    /// Whether `id` has the shape of an EC2 id with this prefix (8 or 17 hex digits).
    public static func isWellFormed(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix + "-") else { return false }
        let digits = id.dropFirst(prefix.count + 1)
        return (digits.count == 8 || digits.count == 17) && digits.allSatisfy { $0.isHexDigit }
    }

    /// The resource type of an id, by its prefix, as DescribeTags names it.
    public static func resourceType(of id: String) -> String? {
        guard let dash = id.firstIndex(of: "-") else { return nil }
        switch id[..<dash] {
        case "vpc": return "vpc"
        case "subnet": return "subnet"
        case "sg": return "security-group"
        case "acl": return "network-acl"
        case "rtb": return "route-table"
        case "igw": return "internet-gateway"
        case "eigw": return "egress-only-internet-gateway"
        case "dopt": return "dhcp-options"
        case "eipalloc": return "elastic-ip"
        case "eni": return "network-interface"
        case "pl": return "prefix-list"
        case "sgr": return "security-group-rule"
        case "i": return "instance"
        case "fl": return "vpc-flow-log"
        default: return nil
        }
    }
}
