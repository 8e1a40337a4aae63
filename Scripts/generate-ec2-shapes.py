#!/usr/bin/env python3
"""Generates Sources/EC2Shapes/Generated/*.swift from botocore's EC2 service model.

Every request and response shape of the operations in OPERATIONS becomes a Swift
struct nested in `EC2`: requests decode from the flattened EC2 query form
(`Filter.1.Value.1`), responses encode to EC2 XML with the model's
`locationName`s. Run it again after adding an operation:

    python3 Scripts/generate-ec2-shapes.py
"""
import gzip, json, os, sys
import botocore

OPERATIONS = """
CreateVpc DeleteVpc DescribeVpcs ModifyVpcAttribute DescribeVpcAttribute AssociateVpcCidrBlock DisassociateVpcCidrBlock CreateDefaultVpc
CreateSubnet DeleteSubnet DescribeSubnets ModifySubnetAttribute
CreateSecurityGroup DeleteSecurityGroup DescribeSecurityGroups AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress
RevokeSecurityGroupIngress RevokeSecurityGroupEgress DescribeSecurityGroupRules ModifySecurityGroupRules
UpdateSecurityGroupRuleDescriptionsIngress UpdateSecurityGroupRuleDescriptionsEgress
CreateNetworkAcl DeleteNetworkAcl DescribeNetworkAcls CreateNetworkAclEntry ReplaceNetworkAclEntry DeleteNetworkAclEntry ReplaceNetworkAclAssociation
CreateRouteTable DeleteRouteTable DescribeRouteTables CreateRoute ReplaceRoute DeleteRoute AssociateRouteTable DisassociateRouteTable ReplaceRouteTableAssociation
CreateInternetGateway AttachInternetGateway DetachInternetGateway DeleteInternetGateway DescribeInternetGateways
CreateEgressOnlyInternetGateway DeleteEgressOnlyInternetGateway DescribeEgressOnlyInternetGateways
CreateDhcpOptions AssociateDhcpOptions DeleteDhcpOptions DescribeDhcpOptions
AllocateAddress AssociateAddress DisassociateAddress ReleaseAddress DescribeAddresses
CreateNetworkInterface DeleteNetworkInterface DescribeNetworkInterfaces AttachNetworkInterface DetachNetworkInterface
ModifyNetworkInterfaceAttribute DescribeNetworkInterfaceAttribute AssignPrivateIpAddresses UnassignPrivateIpAddresses
AssignIpv6Addresses UnassignIpv6Addresses
CreateManagedPrefixList ModifyManagedPrefixList DeleteManagedPrefixList DescribeManagedPrefixLists GetManagedPrefixListEntries
CreateTags DeleteTags DescribeTags DescribeAvailabilityZones DescribeRegions DescribeAccountAttributes
RunInstances DescribeInstances DescribeInstanceStatus StopInstances StartInstances RebootInstances TerminateInstances
ModifyInstanceAttribute DescribeInstanceAttribute GetConsoleOutput
CreateFlowLogs DescribeFlowLogs DeleteFlowLogs
""".split()

SWIFT_KEYWORDS = {"return", "protocol", "default", "public", "private", "internal", "operator", "extension",
                  "class", "struct", "enum", "func", "var", "let", "in", "is", "as", "self", "Type", "import",
                  "static", "case", "switch", "where", "while", "for", "if", "else", "do", "try", "throw",
                  "throws", "repeat", "break", "continue", "init", "deinit", "subscript", "typealias", "inout",
                  "nil", "true", "false", "super", "associatedtype", "fallthrough", "guard", "defer", "rethrows"}

model_path = os.path.join(os.path.dirname(botocore.__file__), "data/ec2/2016-11-15/service-2.json.gz")
model = json.load(gzip.open(model_path))
shapes, ops = model["shapes"], model["operations"]
out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources/EC2Shapes/Generated")


def prop(name):
    """AWS member name to a Swift property name: VpcId -> vpcId, DNSName -> dnsName."""
    i = 0
    while i < len(name) and name[i].isupper():
        i += 1
    if i == 0:
        p = name
    elif i == 1 or i == len(name):
        p = name[:i].lower() + name[i:]
    else:
        p = name[:i - 1].lower() + name[i - 1:]
    return f"`{p}`" if p in SWIFT_KEYWORDS else p


def bare(p):
    return p.strip("`")


def collect(root, into):
    if root in into:
        return
    into.add(root)
    s = shapes[root]
    if s["type"] == "structure":
        for m in s["members"].values():
            collect(m["shape"], into)
    elif s["type"] == "list":
        collect(s["member"]["shape"], into)
    elif s["type"] == "map":
        sys.exit(f"map shape {root} is not supported")


input_shapes, output_shapes = set(), set()
for op in OPERATIONS:
    collect(ops[op]["input"]["shape"], input_shapes)
    if "output" in ops[op]:
        collect(ops[op]["output"]["shape"], output_shapes)

PRIMITIVE = {"string": "Swift.String", "integer": "Swift.Int", "long": "Swift.Int",
             "boolean": "Swift.Bool", "timestamp": "EC2Timestamp", "double": "Swift.Double", "float": "Swift.Double",
             # Blobs travel base64-encoded in the query form and in XML; kept in that form.
             "blob": "Swift.String"}


def swift_type(name):
    s = shapes[name]
    if s["type"] in PRIMITIVE:
        return PRIMITIVE[s["type"]]
    if s["type"] == "list":
        return f"[{swift_type(s['member']['shape'])}]"
    return name


def query_name(member_name, ref):
    if "queryName" in ref:
        return ref["queryName"]
    if "locationName" in ref:
        n = ref["locationName"]
        return n[0].upper() + n[1:]
    return member_name


def xml_name(member_name, ref):
    return ref.get("locationName", member_name)


def input_only(name):
    return name in input_shapes and name not in output_shapes


def decode_expr(shape_name, node, path):
    """Swift expression decoding `node` (a QueryNode) as shape_name."""
    s = shapes[shape_name]
    t = s["type"]
    if t == "blob":
        return f"try {node}.string()"
    if t == "string":
        if "enum" in s:
            values = ", ".join(json.dumps(v) for v in s["enum"])
            return f"try {node}.enumeration([{values}])"
        return f"try {node}.string()"
    if t in ("integer", "long"):
        lo, hi = s.get("min"), s.get("max")
        if lo is not None or hi is not None:
            return f"try {node}.integer(min: {lo if lo is not None else 'nil'}, max: {hi if hi is not None else 'nil'})"
        return f"try {node}.integer()"
    if t == "boolean":
        return f"try {node}.boolean()"
    if t in ("double", "float"):
        return f"try {node}.double()"
    if t == "timestamp":
        return f"try {node}.timestamp()"
    if t == "list":
        inner = decode_expr(s["member"]["shape"], "$0", path)
        return f"try {node}.list {{ (node: QueryNode) throws(QueryError) in {inner.replace('$0', 'node')} }}"
    if t == "structure":
        return f"try EC2.{shape_name}(query: {node})"
    raise SystemExit(f"unsupported {t}")


def encode_stmt(member_name, ref, var):
    s = shapes[ref["shape"]]
    t = s["type"]
    tag = xml_name(member_name, ref)
    if t == "list":
        item = s["member"].get("locationName", "item")
        return f'xml.list("{tag}", item: "{item}", {var})'
    if t == "structure":
        return f'xml.structure("{tag}", {var})'
    return f'xml.value("{tag}", {var})'


def gen_struct(name):
    s = shapes[name]
    members = s["members"]
    required = set(s.get("required", [])) if input_only(name) else set()
    lines = []
    lines.append(f"    /// `{name}` in the EC2 model.")
    conformances = ["Sendable", "Equatable", "Codable"]
    lines.append(f"    public struct {name}: {', '.join(conformances)} {{")
    for mname, ref in members.items():
        st = swift_type(ref["shape"])
        opt = "" if mname in required else "?"
        lines.append(f"        public var {prop(mname)}: {st}{opt}")
    params = []
    for mname, ref in members.items():
        st = swift_type(ref["shape"])
        if mname in required:
            params.append(f"{bare(prop(mname))}: {st}")
        else:
            params.append(f"{bare(prop(mname))}: {st}? = nil")
    lines.append(f"        public init({', '.join(params)}) {{")
    for mname in members:
        lines.append(f"            self.{prop(mname)} = {prop(mname)}")
    lines.append("        }")
    lines.append("    }")
    return "\n".join(lines)


def gen_decoder(name):
    s = shapes[name]
    members = s["members"]
    required = set(s.get("required", [])) if input_only(name) else set()
    lines = [f"extension EC2.{name}: QueryDecodable {{",
             "    public init(query node: QueryNode) throws(QueryError) {",
             "        node.markVisited()"]
    for mname, ref in members.items():
        qn = query_name(mname, ref)
        expr = decode_expr(ref["shape"], "child", qn)
        if mname in required:
            lines.append(f'        guard let child = node.child("{qn}") else {{ throw .missingParameter(node.path("{qn}")) }}')
            lines.append(f"        self.{prop(mname)} = {expr}")
        else:
            lines.append(f'        if let child = node.child("{qn}") {{ self.{prop(mname)} = {expr} }} else {{ self.{prop(mname)} = nil }}')
    lines.append("    }")
    lines.append("}")
    return "\n".join(lines)


def gen_encoder(name):
    s = shapes[name]
    lines = [f"extension EC2.{name}: XMLEncodable {{",
             "    public func encode(to xml: inout XMLWriter) {"]
    for mname, ref in s["members"].items():
        lines.append(f"        {encode_stmt(mname, ref, 'self.' + prop(mname))}")
    lines.append("    }")
    lines.append("}")
    return "\n".join(lines)


def gen_request_conformance(op):
    name = ops[op]["input"]["shape"]
    members = shapes[name]["members"]
    lines = [f"extension EC2.{name}: EC2Request {{", f'    public static let action = "{op}"']
    if "DryRun" in members:
        lines.append("    public var isDryRun: Swift.Bool { self.dryRun ?? false }")
    else:
        lines.append("    public var isDryRun: Swift.Bool { false }")
    if "ClientToken" in members:
        lines.append("    public var idempotencyToken: Swift.String? { self.clientToken }")
    else:
        lines.append("    public var idempotencyToken: Swift.String? { nil }")
    lines.append("}")
    return "\n".join(lines)


HEADER = f"""// Generated by Scripts/generate-ec2-shapes.py from botocore {botocore.__version__}
// (ec2 {model['metadata']['apiVersion']}). Do not edit; run the script again.
"""

structs = sorted(n for n in input_shapes | output_shapes if shapes[n]["type"] == "structure")
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "Shapes.swift"), "w") as f:
    f.write(HEADER + "\nextension EC2 {\n")
    f.write("\n\n".join(gen_struct(n) for n in structs))
    f.write("\n}\n")
with open(os.path.join(out_dir, "QueryDecoding.swift"), "w") as f:
    f.write(HEADER + "\n")
    f.write("\n\n".join(gen_decoder(n) for n in structs if n in input_shapes))
    f.write("\n\n")
    f.write("\n\n".join(gen_request_conformance(op) for op in OPERATIONS))
    f.write("\n")
with open(os.path.join(out_dir, "XMLEncoding.swift"), "w") as f:
    f.write(HEADER + "\n")
    f.write("\n\n".join(gen_encoder(n) for n in structs if n in output_shapes))
    f.write("\n")
with open(os.path.join(out_dir, "Operations.swift"), "w") as f:
    f.write(HEADER + "\n")
    f.write("extension EC2 {\n    /// The EC2 actions this server implements, as named on the wire.\n")
    f.write("    public static let implementedActions: [Swift.String] = [\n")
    f.write("".join(f'        "{op}",\n' for op in OPERATIONS))
    f.write("    ]\n}\n")
print(f"{len(structs)} structures, {len(OPERATIONS)} operations -> {os.path.normpath(out_dir)}")
