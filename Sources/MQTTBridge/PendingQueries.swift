import GatehouseCore
import Synchronization

/// Command queries this node asked other nodes, collecting their answers until every node asked has
/// answered or the wait ends.
final class PendingQueries: Sendable {
    private struct Query {
        var waiting: Set<String>
        var answers: [CommandQuery.Answer]
        var continuation: CheckedContinuation<[CommandQuery.Answer], Never>
    }

    private let queries = Mutex<[String: Query]>([:])
    private let counter = Atomic<UInt64>(0)

    init() {}

    func nextQueryID() -> String {
        "q-\(self.counter.add(1, ordering: .relaxed).newValue)"
    }

    func register(
        _ queryID: String, nodes: Set<String>, _ continuation: CheckedContinuation<[CommandQuery.Answer], Never>
    ) {
        self.queries.withLock { $0[queryID] = Query(waiting: nodes, answers: [], continuation: continuation) }
    }

    /// Adds a node's answer; the asker resumes once the last node asked has answered.
    func add(_ answer: CommandQuery.Answer, to queryID: String) {
        let done = self.queries.withLock { queries -> Query? in
            guard var query = queries[queryID], query.waiting.remove(answer.node) != nil else { return nil }
            query.answers.append(answer)
            if query.waiting.isEmpty { return queries.removeValue(forKey: queryID).map { _ in query } }
            queries[queryID] = query
            return nil
        }
        done?.continuation.resume(returning: done?.answers ?? [])
    }

    /// Ends the wait with the answers so far (nodes that went down, or are slow, are left out).
    func finish(_ queryID: String) {
        guard let query = self.queries.withLock({ $0.removeValue(forKey: queryID) }) else { return }
        query.continuation.resume(returning: query.answers)
    }
}
