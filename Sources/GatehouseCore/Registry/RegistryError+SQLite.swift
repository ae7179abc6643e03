import CSQLite

extension RegistryError {
    /// The error for a failed SQLite call, with the connection's own message when there is a connection to ask.
    static func sqliteFailure(status: Int32, database: OpaquePointer?, operation: String) -> Self {
        let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
        return .sqlite(operation: operation, code: status, message: message)
    }
}
