import EC2Query
import EC2Shapes
import Foundation
import Testing
import VPCAPI
import VPCControlPlane

@Suite struct EC2ServiceTests {
    @Test func createAndDescribeThroughTheWireProtocol() throws {
        let f = try APIFixture()
        let created = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16"),
                                           ("TagSpecification.1.ResourceType", "vpc"),
                                           ("TagSpecification.1.Tag.1.Key", "Name"),
                                           ("TagSpecification.1.Tag.1.Value", "a&b")])
        #expect(created.status == 200)
        #expect(created.text.contains("<CreateVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"))
        #expect(created.value("requestId") == created.requestId)
        let id = try #require(created.value("vpcId"))
        #expect(created.text.contains("<value>a&amp;b</value>"))
        let described = f.call("DescribeVpcs", [("VpcId.1", id)])
        #expect(described.status == 200)
        #expect(described.text.contains("<vpcSet><item>"))
        #expect(described.value("cidrBlock") == "10.0.0.0/16")
        let deleted = f.call("DeleteVpc", [("VpcId", id)])
        #expect(deleted.value("return") == "true")
    }

    @Test func protocolErrors() throws {
        let f = try APIFixture()
        let unknownAction = f.call("FlyToTheMoon")
        #expect(unknownAction.status == 400 && unknownAction.errorCode == "InvalidAction")
        #expect(unknownAction.text.contains("<Response><Errors><Error><Code>InvalidAction</Code>"))
        #expect(unknownAction.value("RequestID") == unknownAction.requestId)
        #expect(f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16"), ("Colour", "blue")]).errorCode == "UnknownParameter")
        #expect(f.call("CreateSubnet", [("CidrBlock", "10.0.0.0/24")]).errorCode == "MissingParameter")
        #expect(f.call("DescribeVpcs", [("MaxResults", "many")]).errorCode == "InvalidParameterValue")
        #expect(f.call("DescribeVpcs", [("Filter.1.Name", "cidr"), ("Filter.1.Value.1", "x"), ("Filter.1.Bogus", "1")])
            .errorCode == "UnknownParameter")
    }

    @Test func authentication() throws {
        let f = try APIFixture()
        let wrong = SigV4Credentials(accessKeyId: "AKIDA", secretAccessKey: "not-the-secret")
        let bad = f.call("DescribeVpcs", key: wrong)
        #expect(bad.status == 401 && bad.errorCode == "AuthFailure")
        let unknown = f.call("DescribeVpcs", key: SigV4Credentials(accessKeyId: "AKIDZ", secretAccessKey: "x"))
        #expect(unknown.status == 401 && unknown.errorCode == "AuthFailure")
        let stale = f.service.handle(f.signedRequest([("Action", "DescribeVpcs"), ("Version", "2016-11-15")],
                                                     at: f.now - 3600))
        #expect(stale.errorCode == "RequestExpired")
        var tampered = f.signedRequest([("Action", "CreateVpc"), ("Version", "2016-11-15"), ("CidrBlock", "10.0.0.0/16")])
        tampered.body[tampered.body.count - 4] = UInt8(ascii: "9")
        #expect(f.service.handle(tampered).errorCode == "AuthFailure")
        let unsigned = f.service.handle(APIRequest(method: "POST", path: "/", query: "", headers: [("Host", "x")],
                                                   body: Array("Action=DescribeVpcs".utf8), sourceIP: "127.0.0.1"))
        #expect(unsigned.status == 401)
    }

    @Test func dryRunChangesNothing() throws {
        let f = try APIFixture()
        let before = f.call("DescribeVpcs").text.components(separatedBy: "<vpcId>").count
        let dry = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16"), ("DryRun", "true")])
        #expect(dry.status == 412 && dry.errorCode == "DryRunOperation")
        #expect(f.call("DescribeVpcs").text.components(separatedBy: "<vpcId>").count == before)
        let failing = f.call("CreateVpc", [("CidrBlock", "10.0.0.0/8"), ("DryRun", "true")])
        #expect(failing.errorCode == "InvalidVpc.Range")
    }

    @Test func clientTokensAreIdempotent() throws {
        let f = try APIFixture()
        let vpc = try #require(f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16")]).value("vpcId"))
        let params = [("VpcId", vpc), ("ClientToken", "token-1")]
        // DryRun does not consume the token.
        #expect(f.call("CreateRouteTable", params + [("DryRun", "true")]).errorCode == "DryRunOperation")
        let first = f.call("CreateRouteTable", params)
        let second = f.call("CreateRouteTable", params)
        #expect(first.status == 200 && second.status == 200)
        #expect(first.value("routeTableId") != nil)
        #expect(first.value("routeTableId") == second.value("routeTableId"))
        let mismatch = f.call("CreateRouteTable", [("VpcId", "vpc-0000000000000000f"), ("ClientToken", "token-1")])
        #expect(mismatch.errorCode == "IdempotentParameterMismatch")
        // Another account's identical token is its own.
        #expect(f.call("CreateRouteTable", params, key: APIFixture.keyB).errorCode == "InvalidVpcID.NotFound")
        // A name sent twice counts with its last value, for the token as for the call.
        let twice = [("VpcId", "vpc-0000000000000000f"), ("VpcId", vpc), ("ClientToken", "token-2")]
        let created = f.call("CreateRouteTable", twice)
        #expect(created.status == 200)
        let swapped = f.call("CreateRouteTable", [twice[1], twice[0], twice[2]])
        #expect(swapped.errorCode == "IdempotentParameterMismatch")
        #expect(f.call("CreateRouteTable", [("VpcId", vpc), ("ClientToken", "token-2")]).value("routeTableId")
            == created.value("routeTableId"))
    }

    /// Two describes naming the same parameter twice, in swapped order, are two questions:
    /// the cache must not answer the second with the first's answer.
    @Test func aDescribeNamingAParameterTwiceIsCachedByItsLastValue() throws {
        let f = try APIFixture()
        let vpc = try #require(f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16")]).value("vpcId"))
        let missing = "vpc-0000000000000000f"
        #expect(f.call("DescribeVpcs", [("VpcId.1", missing), ("VpcId.1", vpc)]).status == 200)  // cached
        #expect(f.call("DescribeVpcs", [("VpcId.1", vpc), ("VpcId.1", missing)]).errorCode == "InvalidVpcID.NotFound")
    }

    @Test func throttlingPerAccount() throws {
        var limits = Throttle.Limits()
        limits.rates[.describeUnfiltered] = .init(capacity: 3, refillPerSecond: 0)
        limits.rates[.describe] = .init(capacity: 3, refillPerSecond: 0)
        let f = try APIFixture(limits: limits)
        let codes = (0..<5).map { _ in f.call("DescribeVpcs").status }
        #expect(codes == [200, 200, 200, 503, 503])
        #expect(f.call("DescribeVpcs").errorCode == "RequestLimitExceeded")
        #expect(f.call("DescribeVpcs", key: APIFixture.keyB).status == 200)
        #expect(f.call("DescribeVpcs", [("VpcId.1", "vpc-0000000000000000f")]).errorCode == "InvalidVpcID.NotFound")
        // Calls that fail before dispatch are metered too: an unknown action as a Describe.
        #expect((0..<4).map { _ in f.call("NoSuchAction", [("X", "1")], key: APIFixture.keyB).errorCode }
            == ["InvalidAction", "InvalidAction", "InvalidAction", "RequestLimitExceeded"])
    }
}

@Suite struct ActionTableTests {
    @Test func everyGeneratedActionIsRegistered() {
        let missing = EC2.implementedActions.filter { ActionTable.ec2.entry($0) == nil }
        #expect(missing.isEmpty, "not wired: \(missing)")
        #expect(ActionTable.ec2.entries.count == EC2.implementedActions.count)
    }
}

@Suite struct ReadCacheTests {
    @Test func aCachedDescribeSeesEveryLaterWriteAndReset() throws {
        let f = try APIFixture()
        let count = { f.call("DescribeVpcs").text.components(separatedBy: "<vpcId>").count - 1 }
        #expect(count() == 1)
        #expect(count() == 1)  // served from the cache
        let id = try #require(f.call("CreateVpc", [("CidrBlock", "10.0.0.0/16")]).value("vpcId"))
        #expect(count() == 2)
        _ = f.call("CreateTags", [("ResourceId.1", id), ("Tag.1.Key", "k"), ("Tag.1.Value", "v")])
        #expect(f.call("DescribeVpcs").text.contains("<key>k</key>"))
        #expect(f.call("DescribeVpcs", [("DryRun", "true")]).errorCode == "DryRunOperation")
        // Another account's identical request is its own.
        #expect(f.call("DescribeVpcs", key: APIFixture.keyB).text.components(separatedBy: "<vpcId>").count - 1 == 1)
        try f.service.controlPlane.reset()
        #expect(count() == 1)
    }
}
