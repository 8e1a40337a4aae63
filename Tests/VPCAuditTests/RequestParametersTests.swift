import Foundation
import Testing
import VPCAudit
import VPCStore

/// The direct writer of `requestParameters` against a plain tree-and-`JSONValue`
/// rendering of the same rules (the encoder before it was made direct): same bytes,
/// same resources in the same order.
@Suite struct RequestParametersTests {
    static let cases: [[(String, String)]] = [
        [],
        [("Signature", "x")],
        [("VpcId.1", "vpc-0123456789abcdef0")],
        [("VpcId.2", "vpc-0000000000000000b"), ("VpcId.1", "vpc-0000000000000000a"), ("VpcId.10", "vpc-00000000000000010")],
        [("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", "vpc-0123456789abcdef0"), ("Filter.1.Value.2", "subnet-0123456789abcdef0"),
         ("Filter.2.Name", "tag:Name"), ("Filter.2.Value.1", "a\u{1}b\\c"), ("MaxResults", "5")],
        [("GroupId", "sg-0123456789abcdef0"), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "22"),
         ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"), ("IpPermissions.1.Groups.1.GroupId", "sg-0123456789abcdef1")],
        [("A", "1"), ("A.1", "child wins"), ("b", "lower"), ("B", "upper, later: wins"), ("Ärger", "ä"), ("", "empty"), ("x..y", "gap")],
        [("Id.1", "vpc-0123456789abcdef0"), ("Id.2", "vpc-0123456789abcdef0"), ("Other", "vpc-0123456789abcdef0")],
        (1...40).map { ("InstanceId.\($0)", "i-\(String(repeating: "0", count: 15))\(String($0, radix: 16).count == 1 ? "0" : "")\(String($0, radix: 16))") },
        [("Id.1", "one"), ("Id.01", "zero-one"), ("Id.+1", "plus-one"), ("Id.-2", "minus-two")],
        [("A.1", "numbered"), ("A.B", "named"), ("C.", "trailing dot"), ("D..", "two")],
        [("\u{C9}x", "precomposed capital: names the member"), ("e\u{301}x", "decomposed small, later: its value wins")],
        // Past 16 children a node is searched through its index.
        (1...300).flatMap { [("Filter.\($0).Name", "tag:N\($0)"), ("Filter.\($0).Value.1", "v\($0)")] } + [("Filter.7.Value.2", "late")],
    ]

    @Test(arguments: cases.indices) func matchesTreeRendering(_ i: Int) {
        let pairs = Self.cases[i]
        var written: [UInt8] = []
        var leaves: [String] = []
        RequestParameters.write(pairs, to: &written) { leaves.append($0) }
        let tree = TreeRendering.json(pairs)
        #expect(written == tree.bytes, "\(String(decoding: written, as: UTF8.self)) against \(String(decoding: tree.bytes, as: UTF8.self))")
        var visited: [String] = []
        TreeRendering.strings(tree, into: &visited)
        #expect(leaves == visited)
    }

    /// Past 32 resources the collector remembers names in a set: still each id once, in order.
    @Test func manyResourcesEachOnce() {
        let ids = (0..<40).map { String(format: "vpc-%017x", $0) }
        let pairs = (ids + ids.reversed()).enumerated().map { ("VpcId.\($0.offset + 1)", $0.element) }
        let r = CloudTrailRecord(
            eventTime: 1_790_000_000, caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "DescribeVpcs", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "boto3",
            requestParameters: pairs, requestID: "req-1", eventID: "ev-1", readOnly: true)
        #expect(r.auditEvent().resources.map(\.name) == ids)
    }

    /// The record's resources: the request's ids (each once), then the response's.
    @Test func recordResourcesInOrder() {
        var r = CloudTrailRecord(
            eventTime: 1_790_000_000, caller: CallerIdentity(accessKeyId: "AKIDA", account: "111111111111", userName: "alice"),
            eventName: "CreateSubnet", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "boto3",
            requestParameters: [("VpcId", "vpc-0123456789abcdef0"), ("CidrBlock", "10.0.1.0/24")], requestID: "req-1",
            eventID: "ev-1", readOnly: false)
        r.setResult(xml: Array("<subnet><subnetId>subnet-0123456789abcdef0</subnetId><vpcId>vpc-0123456789abcdef0</vpcId></subnet>".utf8))
        #expect(r.auditEvent().resources == [AuditResource(type: "AWS::EC2::VPC", name: "vpc-0123456789abcdef0"),
                                             AuditResource(type: "AWS::EC2::Subnet", name: "subnet-0123456789abcdef0")])
    }
}

/// The reference: a tree of nodes, then a `JSONValue` (objects sort their keys when written).
enum TreeRendering {
    static func json(_ pairs: [(String, String)]) -> JSONValue {
        let secret: Set<String> = ["X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential", "Signature"]
        let root = Node()
        for (name, value) in pairs where !secret.contains(name) {
            var node = root
            for part in name.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
                if let child = node.children[part] {
                    node = child
                } else {
                    let child = Node()
                    node.children[part] = child
                    node.order.append(part)
                    node = child
                }
            }
            node.value = value
        }
        return root.children.isEmpty ? .null : root.json
    }

    /// String values in the order `JSONValue.bytes` writes them.
    static func strings(_ v: JSONValue, into out: inout [String]) {
        switch v {
        case .string(let s): out.append(s)
        case .array(let items): for item in items { strings(item, into: &out) }
        case .object(let members): for key in members.keys.sorted() { strings(members[key]!, into: &out) }
        default: break
        }
    }

    final class Node {
        var value: String?
        var children: [String: Node] = [:]
        var order: [String] = []

        var json: JSONValue {
            if children.isEmpty { return .string(value ?? "") }
            let numbered = order.compactMap { key in Int(key).map { ($0, key) } }
            if numbered.count == order.count {
                return .array(numbered.sorted { $0.0 < $1.0 }.map { children[$0.1]!.json })
            }
            var members: [String: JSONValue] = [:]
            for key in order {
                guard let first = key.first else { members[key] = children[key]!.json; continue }
                members[first.lowercased() + key.dropFirst()] = children[key]!.json
            }
            return .object(members)
        }
    }
}
