import CSQLite

/// A prepared statement that finalizes itself when it goes out of scope.
///
/// Like its `SQLiteDatabase`, it must only be used by the thread that holds the database's lock.
struct SQLiteStatement: ~Copyable {
    private let handle: OpaquePointer
    private let database: OpaquePointer
    /// What the statement does, in words, for error messages ("adding device thermo-1").
    private let operation: String

    /// Prepares `sql`; bind its parameters with `bind(_:)` before stepping.
    init(database: OpaquePointer, sql: String, operation: String) throws(RegistryError) {
        var handle: OpaquePointer?
        let status = sqlite3_prepare_v2(database, sql, -1, &handle, nil)
        guard status == SQLITE_OK, let handle else {
            throw .sqliteFailure(status: status, database: database, operation: operation)
        }
        self.handle = handle
        self.database = database
        self.operation = operation
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to the parameters `?1`, `?2`, ... in order.
    func bind(_ values: [SQLiteValue]) throws(RegistryError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .text(let text):
                // An explicit byte count, so a string with an embedded NUL is stored whole rather than truncated.
                status = sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), Self.transient)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), Self.transient)
                }
            case .integer(let integer):
                status = sqlite3_bind_int64(handle, index, integer)
            case .null:
                status = sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else {
                throw .sqliteFailure(status: status, database: database, operation: operation)
            }
        }
    }

    /// Advances to the next row; returns false once the statement has run to completion.
    func step() throws(RegistryError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw .sqliteFailure(status: status, database: database, operation: operation)
        }
    }

    func text(at column: Int32) -> String? {
        guard let characters = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self)
    }

    func blob(at column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    func integer(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// `SQLITE_TRANSIENT`, which the importer cannot bring over from its C macro: SQLite copies the bound bytes
    /// before the call returns, so Swift's temporary buffers may go away right after.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }
}
