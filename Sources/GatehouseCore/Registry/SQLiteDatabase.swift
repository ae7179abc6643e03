import CSQLite

/// One SQLite connection that closes itself when it goes out of scope.
///
/// It is opened with `SQLITE_OPEN_NOMUTEX` and is not thread-safe by itself: its owner must serialize every use,
/// as `DeviceRegistry` does by keeping it inside a `Mutex`.
struct SQLiteDatabase: ~Copyable {
    private let handle: OpaquePointer

    /// Opens (or creates) the database file at `path`. Waits up to `busyTimeoutMs` for locks held by other
    /// connections, which may belong to other processes, instead of failing at once with `SQLITE_BUSY`.
    init(path: String, busyTimeoutMs: Int32) throws(RegistryError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let error = RegistryError.sqliteFailure(status: status, database: handle, operation: "opening \(path)")
            // SQLite hands back a handle even when opening fails; it still has to be closed.
            sqlite3_close_v2(handle)
            throw error
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMs)
        self.handle = handle
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one statement with its parameters bound, to completion, and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLiteValue] = [], operation: String) throws(RegistryError) -> Int {
        let statement = try SQLiteStatement(database: handle, sql: sql, operation: operation)
        try statement.bind(parameters)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs one query with its parameters bound and turns each result row into a value with `row`.
    func query<Row>(
        _ sql: String, _ parameters: [SQLiteValue] = [], operation: String,
        row: (borrowing SQLiteStatement) -> Row
    ) throws(RegistryError) -> [Row] {
        let statement = try SQLiteStatement(database: handle, sql: sql, operation: operation)
        try statement.bind(parameters)
        var rows: [Row] = []
        while try statement.step() {
            rows.append(row(statement))
        }
        return rows
    }
}
