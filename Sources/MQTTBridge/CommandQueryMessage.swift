import GatehouseCore

/// A command query between nodes, as it travels: the question on the asked node's queries topic, the
/// answer on the asking node's results topic.
///
/// `{"type":"command_query","node":asker,"query_id":…,"op":"commands","device":…,"status":…,"limit":…}`
/// (`op` `command` and `cancel` carry `command_id`), answered by
/// `{"type":"command_query_result","node":…,"query_id":…,"records":[…],"not_cancelled":status}`.
enum CommandQueryMessage {
    static func question(_ query: CommandQuery, queryID: String, asker: String) -> [UInt8] {
        var members: [(String, JSONValue)] = [
            ("type", .string("command_query")), ("node", .string(asker)), ("query_id", .string(queryID)),
        ]
        switch query {
        case .commands(let deviceID, let status, let limit):
            members += [
                ("op", .string("commands")), ("device", .string(deviceID)),
                ("status", status.map { .string($0.rawValue) } ?? .null), ("limit", .int(Int64(limit))),
            ]
        case .command(let id): members += [("op", .string("command")), ("command_id", .string(id))]
        case .cancel(let id): members += [("op", .string("cancel")), ("command_id", .string(id))]
        }
        return JSONValue.object(members).serializedBytes()
    }

    /// The question read back: the query, its ID and the node to answer; nil for anything else.
    static func question(from payload: [UInt8]) -> (query: CommandQuery, queryID: String, asker: String)? {
        guard let json = try? JSONValue.parse(String(decoding: payload, as: UTF8.self)),
            json["type"]?.stringValue == "command_query", let asker = json["node"]?.stringValue,
            let queryID = json["query_id"]?.stringValue
        else { return nil }
        let query: CommandQuery
        switch json["op"]?.stringValue {
        case "commands":
            guard let deviceID = json["device"]?.stringValue, let limit = json["limit"]?.doubleValue else { return nil }
            let status = json["status"]?.stringValue.flatMap(CommandState.init(rawValue:))
            query = .commands(deviceID: deviceID, status: status, limit: max(1, min(500, Int(limit))))
        case "command":
            guard let id = json["command_id"]?.stringValue else { return nil }
            query = .command(id: id)
        case "cancel":
            guard let id = json["command_id"]?.stringValue else { return nil }
            query = .cancel(id: id)
        default:
            return nil
        }
        return (query, queryID, asker)
    }

    static func answer(_ answer: CommandQuery.Answer, queryID: String) -> [UInt8] {
        JSONValue.object([
            ("type", .string("command_query_result")), ("node", .string(answer.node)), ("query_id", .string(queryID)),
            ("records", .array(answer.records)),
            ("not_cancelled", answer.notCancelled.map { .string($0.rawValue) } ?? .null),
        ]).serializedBytes()
    }

    /// The answer read back, with the query it answers; nil for anything else.
    static func answer(from payload: [UInt8]) -> (answer: CommandQuery.Answer, queryID: String)? {
        guard let json = try? JSONValue.parse(String(decoding: payload, as: UTF8.self)),
            json["type"]?.stringValue == "command_query_result", let node = json["node"]?.stringValue,
            let queryID = json["query_id"]?.stringValue, case .array(let records)? = json["records"]
        else { return nil }
        let notCancelled = json["not_cancelled"]?.stringValue.flatMap(CommandState.init(rawValue:))
        return (CommandQuery.Answer(node: node, records: records, notCancelled: notCancelled), queryID)
    }
}
