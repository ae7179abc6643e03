import DFP
import NIOCore

/// The command queue's records, in the registry's database: one file to back up, and the same
/// durability (WAL, a full sync per commit) as the devices themselves.
extension DeviceRegistry {
    private static let columns =
        "id, device_id, name, arguments, node, created_at_ms, ttl_ms, timeout_ms, status, result, history, request_id, args"

    /// Applies `writes` in one transaction: one commit, and so one sync of the disk, for them all.
    /// Each write runs in a savepoint of its own, so one that fails leaves the others. Returns, per
    /// write, whether it took effect (false: the queue was full, or the record no longer `expected`).
    func apply(_ writes: [CommandWrite]) -> [Result<Bool, RegistryError>] {
        self.database.withLock { database -> [Result<Bool, RegistryError>] in
            do throws(RegistryError) {
                try database.execute("BEGIN IMMEDIATE", operation: "starting a command write")
            } catch {
                return writes.map { _ in .failure(error) }
            }
            var results: [Result<Bool, RegistryError>] = []
            results.reserveCapacity(writes.count)
            for write in writes {
                do throws(RegistryError) {
                    try database.execute("SAVEPOINT command_write", operation: "starting a command write")
                    do throws(RegistryError) {
                        results.append(.success(try Self.apply(write, to: database)))
                    } catch {
                        try database.execute("ROLLBACK TO command_write", operation: "undoing a command write")
                        results.append(.failure(error))
                    }
                    try database.execute("RELEASE command_write", operation: "ending a command write")
                } catch {
                    _ = try? database.execute("ROLLBACK", operation: "abandoning command writes")
                    return writes.map { _ in .failure(error) }
                }
            }
            do throws(RegistryError) {
                try database.execute("COMMIT", operation: "committing command writes")
            } catch {
                _ = try? database.execute("ROLLBACK", operation: "abandoning command writes")
                return writes.map { _ in .failure(error) }
            }
            return results
        }
    }

    private static func apply(_ write: CommandWrite, to database: borrowing SQLiteDatabase) throws(RegistryError)
        -> Bool
    {
        switch write {
        case .insert(let record, let queueLimit):
            if record.status == .queued {
                let queued =
                    try database.query(
                        "SELECT count(*) FROM commands WHERE device_id = ?1 AND status = 'queued'",
                        [.text(record.deviceID)], operation: "counting queued commands"
                    ) { Int($0.integer(at: 0)) }.first ?? 0
                guard queued < queueLimit else { return false }
            }
            try database.execute(
                """
                INSERT INTO commands (\(Self.columns), expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                """,
                Self.values(of: record) + [record.expiresAtMs.map(SQLiteValue.integer) ?? .null],
                operation: "storing command \(record.id)")
            return true
        case .update(let record, let expected):
            return try database.execute(
                "UPDATE commands SET status = ?2, result = ?3, history = ?4 WHERE id = ?1 AND status = ?5",
                [
                    .text(record.id), .text(record.status.rawValue), .text(record.result.serialized()),
                    .text(Self.historyJSON(record.history)), .text(expected.rawValue),
                ],
                operation: "updating command \(record.id)") == 1
        case .prune(let createdBeforeMs, let limit):
            let deleted = try database.execute(
                """
                DELETE FROM commands WHERE position IN (
                    SELECT position FROM commands
                    WHERE created_at_ms < ?1 AND status NOT IN ('queued', 'sent') ORDER BY created_at_ms LIMIT ?2)
                """,
                [.integer(createdBeforeMs), .integer(Int64(limit))], operation: "pruning ended commands")
            return deleted == limit
        }
    }

    func command(id: String) throws(RegistryError) -> CommandRecord? {
        try self.commands(where: "id = ?1", [.text(id)]).first
    }

    /// A device's commands in the order they were accepted, optionally only those in `status`, at most
    /// the newest `limit`.
    func commands(of deviceID: String, status: CommandState?, limit: Int) throws(RegistryError) -> [CommandRecord] {
        let newest: [CommandRecord]
        if let status {
            newest = try self.commands(
                where: "device_id = ?1 AND status = ?2 ORDER BY position DESC LIMIT ?3",
                [.text(deviceID), .text(status.rawValue), .integer(Int64(limit))])
        } else {
            newest = try self.commands(
                where: "device_id = ?1 ORDER BY position DESC LIMIT ?2", [.text(deviceID), .integer(Int64(limit))])
        }
        return newest.reversed()
    }

    /// Queued commands whose TTL has passed by `nowMs`.
    func commandsExpired(byMs nowMs: Int64) throws(RegistryError) -> [CommandRecord] {
        try self.commands(
            where: "status = 'queued' AND expires_at_ms IS NOT NULL AND expires_at_ms <= ?1 ORDER BY position",
            [.integer(nowMs)])
    }

    /// Commands in `status`, oldest first.
    func commands(in status: CommandState) throws(RegistryError) -> [CommandRecord] {
        try self.commands(where: "status = ?1 ORDER BY position", [.text(status.rawValue)])
    }

    private func commands(where condition: String, _ parameters: [SQLiteValue]) throws(RegistryError)
        -> [CommandRecord]
    {
        try self.reader.withLock { database throws(RegistryError) in
            try database.query(
                "SELECT \(Self.columns) FROM commands WHERE \(condition)", parameters, operation: "reading commands"
            ) { row in Self.record(row) }
        }.compactMap { $0 }
    }

    private static func values(of record: CommandRecord) -> [SQLiteValue] {
        var arguments = ByteBuffer()
        arguments.writeFields(record.arguments)
        return [
            .text(record.id), .text(record.deviceID), .text(record.name), .blob(Array(buffer: arguments)),
            .text(record.node), .integer(record.createdAtMs), .integer(record.ttlMs), .integer(record.timeoutMs),
            .text(record.status.rawValue), .text(record.result.serialized()), .text(Self.historyJSON(record.history)),
            record.requestID.map(SQLiteValue.text) ?? .null, .text(record.args.serialized()),
        ]
    }

    /// A row as a record; nil for a row this version cannot read (a status a newer version wrote).
    private static func record(_ row: borrowing SQLiteStatement) -> CommandRecord? {
        var arguments = ByteBuffer(bytes: row.blob(at: 3))
        guard let fields = try? arguments.readFields(),
            let status = row.text(at: 8).flatMap(CommandState.init(rawValue:)),
            let history = row.text(at: 10).flatMap(Self.history(parsing:))
        else { return nil }
        return CommandRecord(
            id: row.text(at: 0) ?? "", deviceID: row.text(at: 1) ?? "", name: row.text(at: 2) ?? "",
            arguments: fields, args: row.text(at: 12).flatMap { try? JSONValue.parse($0) } ?? .object([]),
            node: row.text(at: 4) ?? "", createdAtMs: row.integer(at: 5), ttlMs: row.integer(at: 6),
            timeoutMs: row.integer(at: 7), status: status,
            result: row.text(at: 9).flatMap { try? JSONValue.parse($0) } ?? .object([]), history: history,
            requestID: row.text(at: 11))
    }

    private static func historyJSON(_ history: [CommandRecord.Transition]) -> String {
        JSONValue.array(history.map(\.json)).serialized()
    }

    private static func history(parsing text: String) -> [CommandRecord.Transition]? {
        guard case .array(let items)? = try? JSONValue.parse(text) else { return nil }
        return items.compactMap(CommandRecord.Transition.init(json:))
    }
}
