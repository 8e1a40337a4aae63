/// UTC calendar formatting for record times and S3-style keys, from epoch seconds.
public struct UTCTime: Sendable {
    public let year, month, day, hour, minute, second: Int

    /// Times outside years 0000...9999 (or not finite) are clamped to them: a time read from
    /// a tampered or hostile input must not trap.
    public init(_ seconds: Double) {
        let total = seconds.isFinite ? Int(min(max(seconds, -62_167_219_200), 253_402_300_799).rounded(.down)) : 0
        let days = total >= 0 ? total / 86400 : (total - 86399) / 86400
        let rest = total - days * 86400
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// `2026-11-27T04:00:51Z`, as CloudTrail writes eventTime.
    public var iso8601: String {
        "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))T\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))Z"
    }

    /// `iso8601` as a JSON string, appended without building a String.
    func writeISO8601JSON(to out: inout [UInt8]) {
        func digits(_ n: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor <= n / 10 { divisor *= 10 }  // wider than `width`: every digit, as `pad` does
            var n = n
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(n / divisor % 10))
                n %= divisor
                divisor /= 10
            }
        }
        out.append(UInt8(ascii: "\""))
        digits(year, 4); out.append(UInt8(ascii: "-")); digits(month, 2); out.append(UInt8(ascii: "-")); digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(hour, 2); out.append(UInt8(ascii: ":")); digits(minute, 2); out.append(UInt8(ascii: ":")); digits(second, 2)
        out.append(contentsOf: "Z\"".utf8)
    }

    /// `2026/11/27`, the date folders of CloudTrail's S3 keys.
    public var datePath: String { "\(Self.pad(year, 4))/\(Self.pad(month))/\(Self.pad(day))" }

    /// `20261127T0400Z` (log files) or `20261127T040051Z` (digests).
    public func compact(seconds: Bool) -> String {
        "\(Self.pad(year, 4))\(Self.pad(month))\(Self.pad(day))T\(Self.pad(hour))\(Self.pad(minute))"
            + (seconds ? Self.pad(second) : "") + "Z"
    }
}
