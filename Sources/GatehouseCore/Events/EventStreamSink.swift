public import NIOCore
import Synchronization

/// A sink that exposes the event stream as an `AsyncStream` with a bounded buffer, for in-process
/// consumers that read at their own pace (tests, tools).
///
/// It never owes durability and never blocks the publisher: when the reader falls `capacity` events
/// behind, the oldest undelivered events are dropped and counted.
public final class EventStreamSink: EventSink {
    public let events: AsyncStream<GatewayEvent>
    private let continuation: AsyncStream<GatewayEvent>.Continuation
    private let droppedCount = Atomic<Int>(0)

    public init(capacity: Int = 10_000) {
        (self.events, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(capacity))
    }

    /// Events dropped because the reader was too far behind.
    public var dropped: Int { self.droppedCount.load(ordering: .relaxed) }

    public func receive(_ event: GatewayEvent, durable: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<Void>? {
        if case .dropped = self.continuation.yield(event) {
            self.droppedCount.add(1, ordering: .relaxed)
        }
        return nil
    }

    public func finish() async {
        self.continuation.finish()
    }
}
