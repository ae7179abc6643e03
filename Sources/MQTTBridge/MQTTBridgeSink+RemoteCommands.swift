public import GatehouseCore

extension MQTTBridgeSink: RemoteCommandForwarder {
    /// How long past the command's own timeout to wait for the answer's trip through the broker.
    static let forwardingMargin: Duration = .seconds(2)

    public func forward(deviceID: String, command: JSONValue, timeout: Duration) async -> JSONValue? {
        let requestID = "\(self.nodeID)-\(self.forwardedCommands.nextRequestID())"
        guard case .object(let members) = command else { return nil }
        let milliseconds = timeout.inNanoseconds / 1_000_000
        let published = JSONValue.object(
            members.filter { $0.0 != "request_id" && $0.0 != "timeout_ms" } + [
                ("request_id", .string(requestID)), ("timeout_ms", .int(milliseconds)),
            ])
        return await self.publishAwaitingAnswer(
            OutboundMessage(topic: self.topics.commands(deviceID), payload: published.serializedBytes()),
            answerKey: requestID, timeout: timeout)
    }

    /// Publishes the command on `node`'s deliveries topic and waits for that node's answer.
    public func deliver(_ record: CommandRecord, through node: String) async -> SentCommandOutcome? {
        let delivery = CommandDelivery(record, owner: self.nodeID, nowMs: WallClock().nowMilliseconds())
        let answer = await self.publishAwaitingAnswer(
            OutboundMessage(topic: self.topics.deliveries(node), payload: delivery.payload),
            answerKey: record.id, timeout: .milliseconds(record.timeoutMs))
        guard let answer, let status = answer["status"]?.stringValue.flatMap(CommandOutcomeStatus.init(rawValue:))
        else { return nil }
        return SentCommandOutcome(status: status, result: answer["result"] ?? .object([]))
    }

    /// How long a query waits for the nodes asked: the records are a read away on each of them.
    static let queryWait: Duration = .seconds(2)

    public func query(_ query: CommandQuery, nodes: [String]) async -> [CommandQuery.Answer] {
        let queryID = "\(self.nodeID)-\(self.pendingQueries.nextQueryID())"
        let question = CommandQueryMessage.question(query, queryID: queryID, asker: self.nodeID)
        return await withCheckedContinuation { continuation in
            self.pendingQueries.register(queryID, nodes: Set(nodes), continuation)
            for node in nodes {
                self.publishControl(question, topic: self.topics.queries(node))
            }
            Task { [pendingQueries] in
                try? await Task.sleep(for: Self.queryWait)
                pendingQueries.finish(queryID)
            }
        }
    }

    /// Queues `message` and waits for the answer `resolveForwardedCommand` brings under `answerKey`, at
    /// most `timeout` and the trip's margin.
    private func publishAwaitingAnswer(_ message: OutboundMessage, answerKey: String, timeout: Duration) async
        -> JSONValue?
    {
        await withCheckedContinuation { continuation in
            self.forwardedCommands.register(answerKey, continuation)
            guard self.control.offer(message) else {
                self.forwardedCommands.resolve(answerKey, with: nil)
                return
            }
            Task { [forwardedCommands] in
                try? await Task.sleep(for: timeout + Self.forwardingMargin)
                forwardedCommands.resolve(answerKey, with: nil)
            }
        }
    }

    /// A result on the broker: if it answers a command this node forwarded or delivered, the waiting
    /// caller gets it.
    func resolveForwardedCommand(_ key: String, result: JSONValue) {
        self.forwardedCommands.resolve(key, with: result)
    }
}
