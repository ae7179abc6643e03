import CSQLite
import DFP
import Foundation
import Synchronization

/// The devices allowed to connect, with a salted hash of each one's token, kept in
/// `<dataDirectory>/registry.sqlite3`.
///
/// The running server and the `gatehouse device ...` CLI use the same file at the same time, so the database runs
/// in WAL mode (readers never wait for the writer) and every connection waits up to five seconds for another
/// process's write lock instead of failing with `SQLITE_BUSY`.
///
/// Every method blocks on disk I/O and possibly on that lock: code on a SwiftNIO event loop must call them off the
/// loop (for example through `NIOThreadPool`), never directly in a channel handler.
public final class DeviceRegistry: Sendable {
    private static let fileName = "registry.sqlite3"
    private static let busyTimeoutMs: Int32 = 5_000

    /// The connection that writes, shared by all threads; the mutex makes each call its only user while it runs.
    let database: Mutex<SQLiteDatabase>
    /// A second connection, for lookups: in WAL mode a reader never waits for the writer, so a HELLO's
    /// authentication or a read of the command queue does not queue behind a commit's sync of the disk.
    let reader: Mutex<SQLiteDatabase>
    /// Checked against when the device ID is unknown, so such a refusal costs the same hash and comparison as a
    /// wrong token and its timing does not reveal which IDs exist.
    private let decoyCredential = TokenCredential(token: TokenCredential.newToken())

    /// Opens the registry in `dataDirectory`, creating the directory, the database file and its tables as needed.
    public init(dataDirectory: String) throws(RegistryError) {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreateDirectory(path: dataDirectory, reason: error.localizedDescription)
        }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path
        let database = try SQLiteDatabase(path: path, busyTimeoutMs: Self.busyTimeoutMs)
        try Self.switchToWAL(database, path: path)
        try RegistrySchema.migrate(database)
        self.database = Mutex(database)
        self.reader = Mutex(try SQLiteDatabase(path: path, busyTimeoutMs: Self.busyTimeoutMs))
    }

    /// Switching the journal mode needs the file to itself, and SQLite answers SQLITE_BUSY at once,
    /// without its busy handler, while another process opening the same new registry holds a lock; so
    /// the switch is retried for as long as the busy timeout.
    private static func switchToWAL(_ database: borrowing SQLiteDatabase, path: String) throws(RegistryError) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(Self.busyTimeoutMs))
        while true {
            do throws(RegistryError) {
                try database.execute("PRAGMA journal_mode = WAL", operation: "switching \(path) to WAL mode")
                return
            } catch {
                guard case .sqlite(_, let code, _) = error, code == SQLITE_BUSY, ContinuousClock.now < deadline else {
                    throw error
                }
                usleep(20_000)
            }
        }
    }

    /// Registers a device and returns its token, the only time the token is ever visible.
    public func add(id: String, profile: String?) throws(RegistryError) -> String {
        guard Hello.isValidDeviceID(id) else { throw .invalidDeviceID(id) }
        let token = TokenCredential.newToken()
        let credential = TokenCredential(token: token)
        let now = Self.currentTimeMs()
        let inserted = try database.withLock { database throws(RegistryError) in
            try database.execute(
                """
                INSERT INTO devices (id, profile, token_salt, token_hash, created_at_ms, token_rotated_at_ms)
                VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                ON CONFLICT (id) DO NOTHING
                """,
                [
                    .text(id), profile.map(SQLiteValue.text) ?? .null, .blob(credential.salt), .blob(credential.hash),
                    .integer(now),
                ],
                operation: "adding device \(id)"
            )
        }
        guard inserted == 1 else { throw .alreadyExists(id) }
        return token
    }

    public func remove(id: String) throws(RegistryError) {
        let deleted = try database.withLock { database throws(RegistryError) in
            try database.execute("DELETE FROM devices WHERE id = ?1", [.text(id)], operation: "removing device \(id)")
        }
        guard deleted == 1 else { throw .notFound(id) }
    }

    /// Replaces the device's token with a fresh one and returns it; the old token stops working at once.
    public func rotateToken(id: String) throws(RegistryError) -> String {
        let token = TokenCredential.newToken()
        let credential = TokenCredential(token: token)
        let now = Self.currentTimeMs()
        let updated = try database.withLock { database throws(RegistryError) in
            try database.execute(
                "UPDATE devices SET token_salt = ?2, token_hash = ?3, token_rotated_at_ms = ?4 WHERE id = ?1",
                [.text(id), .blob(credential.salt), .blob(credential.hash), .integer(now)],
                operation: "rotating the token of device \(id)"
            )
        }
        guard updated == 1 else { throw .notFound(id) }
        return token
    }

    public func device(id: String) throws(RegistryError) -> DeviceRecord? {
        try self.reader.withLock { database throws(RegistryError) in
            try database.query(
                "SELECT id, profile, created_at_ms, token_rotated_at_ms FROM devices WHERE id = ?1",
                [.text(id)], operation: "reading device \(id)", row: Self.record(from:)
            )
        }.first
    }

    /// All devices, ordered by ID.
    public func list() throws(RegistryError) -> [DeviceRecord] {
        try self.reader.withLock { database throws(RegistryError) in
            try database.query(
                "SELECT id, profile, created_at_ms, token_rotated_at_ms FROM devices ORDER BY id",
                operation: "listing devices", row: Self.record(from:)
            )
        }
    }

    /// The device's record when `token` is its current token; nil for a wrong token or an unknown ID alike.
    public func authenticate(id: String, token: String) throws(RegistryError) -> DeviceRecord? {
        let stored = try self.reader.withLock { database throws(RegistryError) in
            try database.query(
                """
                SELECT id, profile, created_at_ms, token_rotated_at_ms, token_salt, token_hash
                FROM devices WHERE id = ?1
                """,
                [.text(id)], operation: "authenticating device \(id)"
            ) { row in
                (
                    record: Self.record(from: row),
                    credential: TokenCredential(salt: row.blob(at: 4), hash: row.blob(at: 5))
                )
            }
        }.first
        // Hash and compare before looking at whether the ID exists, so both refusals take the same work.
        let tokenMatches = (stored?.credential ?? decoyCredential).matches(token)
        guard tokenMatches, let stored else { return nil }
        return stored.record
    }

    /// Reads the columns `id, profile, created_at_ms, token_rotated_at_ms`, in that order.
    private static func record(from row: borrowing SQLiteStatement) -> DeviceRecord {
        DeviceRecord(
            id: row.text(at: 0) ?? "",
            profile: row.text(at: 1),
            createdAtMs: row.integer(at: 2),
            tokenRotatedAtMs: row.integer(at: 3)
        )
    }

    private static func currentTimeMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
