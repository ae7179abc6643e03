import Testing

@testable import Dashboard

@Suite("A live-feed client's bounded queue")
struct LiveFeedClientTests {
    @Test func telemetryPastCapacityIsDroppedCountedAndReported() async throws {
        let client = LiveFeedClient(capacity: 3, reserve: 2)
        for index in 0..<5 {
            let delivery = client.enqueue("t\(index)", droppable: true)
            #expect(delivery == (index < 3 ? .queued : .dropped))
        }
        let batch = try #require(await client.nextBatch())
        #expect(batch == [#"{"type":"lagged","dropped":2}"#, "t0", "t1", "t2"])
    }

    @Test func statusUsesTheReserveAndABacklogBeyondItCutsTheClientOff() async throws {
        let client = LiveFeedClient(capacity: 2, reserve: 2)
        #expect(client.enqueue("t0", droppable: true) == .queued)
        #expect(client.enqueue("t1", droppable: true) == .queued)
        #expect(client.enqueue("s0", droppable: false) == .queued)
        #expect(client.enqueue("s1", droppable: false) == .queued)
        #expect(client.enqueue("s2", droppable: false) == .overflowed)
        #expect(client.isCutOff)
        #expect(await client.nextBatch() == nil)
    }

    @Test func finishingDrainsWhatIsQueued() async throws {
        let client = LiveFeedClient(capacity: 8, reserve: 8)
        client.enqueue("a", droppable: false)
        client.finish()
        #expect(await client.nextBatch() == ["a"])
        #expect(await client.nextBatch() == nil)
    }

    @Test func aWaitingWriterIsWokenByTheNextMessage() async throws {
        let client = LiveFeedClient(capacity: 8, reserve: 8)
        async let batch = client.nextBatch()
        try await Task.sleep(for: .milliseconds(50))
        client.enqueue("late", droppable: true)
        #expect(await batch == ["late"])
    }
}
