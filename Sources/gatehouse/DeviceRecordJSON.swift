import Foundation
import GatehouseCore

/// How the CLI prints registry records as JSON (snake_case, like the rest of Gatehouse's JSON).
enum DeviceRecordJSON {
    private struct Row: Encodable {
        var id: String
        var profile: String?
        var createdAtMs: Int64
        var tokenRotatedAtMs: Int64

        init(_ record: DeviceRecord) {
            self.id = record.id
            self.profile = record.profile
            self.createdAtMs = record.createdAtMs
            self.tokenRotatedAtMs = record.tokenRotatedAtMs
        }
    }

    static func render(_ records: [DeviceRecord]) throws -> String {
        try self.encode(records.map(Row.init))
    }

    static func render(_ record: DeviceRecord) throws -> String {
        try self.encode(Row(record))
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func isoDate(_ epochMs: Int64) -> String {
        Date(timeIntervalSince1970: Double(epochMs) / 1000).ISO8601Format()
    }
}
