extension CommandQueue {
    /// This node's answer to a query about the commands it owns; nil when the store failed (the asker
    /// then goes without this node's records rather than wait for them).
    public func answer(_ query: CommandQuery) async -> CommandQuery.Answer? {
        do throws(Rejection) {
            switch query {
            case .commands(let deviceID, let status, let limit):
                let records = try await self.commands(of: deviceID, status: status, limit: limit)
                return CommandQuery.Answer(node: self.nodeID, records: records.map(\.json))
            case .command(let id):
                let record = try await self.command(id: id)
                return CommandQuery.Answer(node: self.nodeID, records: record.map { [$0.json] } ?? [])
            case .cancel(let id):
                do throws(Rejection) {
                    return CommandQuery.Answer(node: self.nodeID, records: [try await self.cancel(id: id).json])
                } catch {
                    switch error {
                    case .notFound: return CommandQuery.Answer(node: self.nodeID, records: [])
                    case .notQueued(let status):
                        return CommandQuery.Answer(node: self.nodeID, records: [], notCancelled: status)
                    default: throw error
                    }
                }
            }
        } catch {
            return nil
        }
    }
}
