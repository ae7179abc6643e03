import DFP
import GatehouseCore
import Testing

@testable import MQTTBridge

@Suite("The bridge's parts on their own")
struct BridgeUnitTests {
    @Test func topicsUnderAPrefixOfSeveralLevelsAreReadBack() {
        let topics = MQTTTopics(prefix: "acme/gw")
        #expect(topics.telemetry("t-1") == "acme/gw/devices/t-1/telemetry")
        #expect(topics.subject(of: "acme/gw/devices/t-1/status") == .status(deviceID: "t-1"))
        #expect(topics.subject(of: "acme/gw/devices/t-1/telemetry") == .telemetry(deviceID: "t-1"))
        #expect(topics.subject(of: "acme/gw/devices/t-1/events") == .events(deviceID: "t-1"))
        #expect(topics.subject(of: "acme/gw/devices/t-1/commands") == .commands(deviceID: "t-1"))
        #expect(topics.subject(of: "acme/gw/devices/t-1/commands/result") == .commandResult(deviceID: "t-1"))
        #expect(topics.subject(of: "acme/gw/nodes/gw-2/status") == .node("gw-2"))
        #expect(topics.subject(of: topics.deliveries("gw-2")) == .deliveries(node: "gw-2"))
        #expect(topics.subject(of: topics.deliveryResults("gw-2")) == .deliveryResults(node: "gw-2"))
        #expect(topics.subject(of: "acme/gw/nodes/gw-2/status/result") == nil)
        #expect(topics.subject(of: topics.queries("gw-2")) == .queries(node: "gw-2"))
        #expect(topics.subject(of: topics.queryResults("gw-2")) == .queryResults(node: "gw-2"))
        #expect(topics.subject(of: "acme/gwx/devices/t-1/status") == nil)
        #expect(topics.subject(of: "acme/gw/devices/t-1/other") == nil)
        #expect(topics.subject(of: "other/devices/t-1/status") == nil)
    }

    @Test func aDeliveryCarriesTheCommandsFieldsExactlyAndItsDeadline() throws {
        let record = CommandRecord(
            id: "cmd-0123456789abcdef", deviceID: "t-1", name: "set",
            arguments: [
                Field(tag: 1, value: .i16(-215)), Field(tag: 2, value: .string("auto")),
                Field(tag: 3, value: .bytes([0, 255])),
            ], args: .object([]), node: "gw-1", createdAtMs: 0, ttlMs: 60_000, timeoutMs: 5_000, status: .sent,
            result: .object([]),
            history: [], requestID: nil)
        let delivery = try #require(
            CommandDelivery(payload: CommandDelivery(record, owner: "gw-1", nowMs: 1_000).payload))
        #expect(delivery.owner == "gw-1")
        #expect(delivery.commandID == record.id)
        #expect(delivery.deviceID == "t-1")
        #expect(delivery.name == "set")
        #expect(delivery.arguments == record.arguments)
        #expect(delivery.deliverByMs == 6_000)
        #expect(CommandDelivery(payload: Array(#"{"type":"delivery","node":"gw-1"}"#.utf8)) == nil)
        #expect(CommandDelivery(payload: Array("not json".utf8)) == nil)
    }

    @Test func commandQueriesAndTheirAnswersReadBackAsSent() throws {
        for query in [
            CommandQuery.commands(deviceID: "t-1", status: .queued, limit: 50),
            .commands(deviceID: "t-1", status: nil, limit: 500), .command(id: "cmd-1"), .cancel(id: "cmd-2"),
        ] {
            let read = try #require(
                CommandQueryMessage.question(
                    from: CommandQueryMessage.question(query, queryID: "q-1", asker: "gw-1")))
            #expect(read.query == query)
            #expect(read.queryID == "q-1")
            #expect(read.asker == "gw-1")
        }
        let answer = CommandQuery.Answer(
            node: "gw-2", records: [.object([("command_id", .string("cmd-2"))])],
            notCancelled: .sent)
        let read = try #require(CommandQueryMessage.answer(from: CommandQueryMessage.answer(answer, queryID: "q-9")))
        #expect(read.queryID == "q-9")
        #expect(read.answer.node == "gw-2")
        #expect(read.answer.records.first?["command_id"]?.stringValue == "cmd-2")
        #expect(read.answer.notCancelled == .sent)
        #expect(CommandQueryMessage.question(from: Array(#"{"type":"command_query","op":"drop"}"#.utf8)) == nil)
    }

    @Test func aDeliveryTakenOnceIsRecognizedAsADuplicateUntilItAgesOut() {
        let recent = RecentDeliveries(capacity: 2)
        #expect(recent.insert("a"))
        #expect(!recent.insert("a"))
        #expect(recent.insert("b"))
        #expect(recent.insert("c"))
        #expect(!recent.insert("b"))
        #expect(recent.insert("a"))
    }

    @Test func reconnectDelaysGrowWithJitterUpToTheCap() {
        var backoff = ReconnectBackoff()
        var ceilings: [Duration] = []
        for attempt in 0..<12 {
            let ceiling = min(Duration.milliseconds(500) * (1 << attempt), .seconds(30))
            let delay = backoff.nextDelay()
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay)")
            ceilings.append(ceiling)
        }
        #expect(ceilings.last == .seconds(30))
        backoff.reset()
        #expect(backoff.nextDelay() <= .milliseconds(500))
    }

    @Test func theOutboxIsBoundedCoalescesStatusesAndKeepsOrderAcrossAPutBack() {
        let outbox = MQTTOutbox(capacity: 3)
        func message(_ name: String) -> OutboundMessage { OutboundMessage(topic: name, payload: []) }
        func status(_ device: String, _ name: String) -> OutboundMessage {
            OutboundMessage(topic: name, payload: [], retain: true, coalescingKey: device)
        }
        #expect(outbox.offer(message("m1")) && outbox.offer(message("m2")) && outbox.offer(message("m3")))
        #expect(!outbox.offer(message("m4")))
        outbox.offerStatus(status("d1", "d1-online"))
        outbox.offerStatus(status("d1", "d1-offline"))
        outbox.offerStatus(status("d2", "d2-online"))

        #expect(outbox.beginDrain())
        #expect(!outbox.beginDrain())
        let batch = outbox.takeBatch(window: 4)
        #expect(batch.map(\.topic) == ["d1-offline", "d2-online", "m1", "m2"])
        // In flight count toward the bound until acknowledged.
        #expect(!outbox.offer(message("m5")))
        outbox.completed()
        outbox.completed()
        outbox.putBack(batch[2...])  // m1 and m2 go back ahead of m3, and the drain ends
        #expect(!outbox.offer(message("m5")))  // m1, m2, m3 wait: full
        #expect(outbox.beginDrain())
        #expect(outbox.takeBatch(window: 10).map(\.topic) == ["m1", "m2", "m3"])
        #expect(outbox.endDrain(window: 10))
        outbox.completed()
        #expect(outbox.offer(message("m5")))
        #expect(outbox.close().map(\.topic) == ["m5"])
        #expect(!outbox.offer(message("m6")))
    }
}
