/// The registry's tables, versioned with SQLite's `user_version` so an older database file is upgraded in place.
enum RegistrySchema {
    /// Migration `n` takes a database from `user_version` n to n + 1. Only ever append: existing databases have
    /// already run the earlier ones.
    static let migrations = [
        """
        CREATE TABLE devices (
            id TEXT NOT NULL PRIMARY KEY,
            profile TEXT,
            token_salt BLOB NOT NULL,
            token_hash BLOB NOT NULL,
            created_at_ms INTEGER NOT NULL,
            token_rotated_at_ms INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID
        """,
        // The command queue: `position` orders each device's commands as they were accepted; `history` is
        // the JSON array of transitions; `arguments` the fields as DFP encodes them.
        """
        CREATE TABLE commands (
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            device_id TEXT NOT NULL,
            name TEXT NOT NULL,
            arguments BLOB NOT NULL,
            node TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL,
            ttl_ms INTEGER NOT NULL,
            expires_at_ms INTEGER,
            timeout_ms INTEGER NOT NULL,
            status TEXT NOT NULL,
            result TEXT NOT NULL,
            history TEXT NOT NULL,
            request_id TEXT
        ) STRICT
        """,
        // One statement a migration: SQLite prepares only the first statement of a string.
        "CREATE INDEX commands_by_device ON commands (device_id, position)",
        "CREATE INDEX commands_by_status ON commands (status, expires_at_ms)",
        // The arguments as the caller named them (JSON), beside the DFP fields that go on the wire.
        "ALTER TABLE commands ADD COLUMN args TEXT NOT NULL DEFAULT '{}'",
        // A device's queued commands (counted at every submit, read at every delivery) without walking
        // its whole history, which grows with every command it ever got.
        "CREATE INDEX commands_by_device_status ON commands (device_id, status, position)",
        // The oldest records first, for the retention's pruning.
        "CREATE INDEX commands_by_creation ON commands (created_at_ms)",
    ]

    /// Brings `database` to the latest version. Several processes may open a new directory at once, so the version
    /// is read again inside an immediate (write-locked) transaction before anything is created.
    static func migrate(_ database: borrowing SQLiteDatabase) throws(RegistryError) {
        guard try userVersion(of: database) != migrations.count else { return }
        try database.execute("BEGIN IMMEDIATE", operation: "starting the schema migration")
        do throws(RegistryError) {
            let version = try userVersion(of: database)
            guard (0...Int64(migrations.count)).contains(version) else {
                throw .unsupportedSchemaVersion(found: version, supported: migrations.count)
            }
            for (index, migration) in migrations.enumerated().dropFirst(Int(version)) {
                try database.execute(migration, operation: "migrating the schema to version \(index + 1)")
                // PRAGMA takes no bound parameters; the number comes from this code, never from outside.
                try database.execute("PRAGMA user_version = \(index + 1)", operation: "recording schema version")
            }
            try database.execute("COMMIT", operation: "committing the schema migration")
        } catch {
            _ = try? database.execute("ROLLBACK", operation: "rolling back the schema migration")
            throw error
        }
    }

    private static func userVersion(of database: borrowing SQLiteDatabase) throws(RegistryError) -> Int64 {
        let versions = try database.query("PRAGMA user_version", operation: "reading the schema version") { row in
            row.integer(at: 0)
        }
        return versions.first ?? 0
    }
}
