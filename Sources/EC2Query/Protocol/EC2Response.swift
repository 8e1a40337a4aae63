public import EC2Shapes

/// The two envelopes of the EC2 query protocol.
public enum EC2Response {
    /// `<XResponse xmlns=…><requestId>…</requestId>…</XResponse>` around a result's elements.
    public static func success(action: String, requestId: String, result: [UInt8]) -> [UInt8] {
        var xml = XMLWriter(capacity: result.count + 256)
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(action)Response xmlns=\"\(EC2.xmlNamespace)\">")
        xml.value("requestId", requestId)
        var bytes = xml.bytes
        bytes.append(contentsOf: result)
        bytes.append(contentsOf: "</\(action)Response>".utf8)
        return bytes
    }

    /// `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>`.
    public static func error(code: String, message: String, requestId: String) -> [UInt8] {
        var xml = XMLWriter(capacity: 256)
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>")
        xml.value("Code", code)
        xml.value("Message", message)
        xml.raw("</Error></Errors>")
        xml.value("RequestID", requestId)
        xml.raw("</Response>")
        return xml.bytes
    }

    /// The result of an action whose model has no output: `<return>true</return>`.
    public static let returnTrue: [UInt8] = Array("<return>true</return>".utf8)
}
