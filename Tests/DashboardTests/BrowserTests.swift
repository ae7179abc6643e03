import DFP
import Foundation
import GatehouseTestSupport
import Simulator
import Synchronization
import Testing

/// One browser at a time: two headless Chromiums started at once from the test runner were seen to
/// stall on their DevTools pipes.
@Suite("The dashboard page in a real browser", .serialized)
struct BrowserTests {
    static let dumpScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/dump-dom.py").path

    /// Loads the page in headless Chromium (through `scripts/dump-dom.py`) and returns the rendered DOM once
    /// it contains every string of `waitFor`, with the script's exit status.
    static func renderedPage(_ url: String, waitFor: [String]) async throws -> (status: Int32, html: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Self.dumpScript, "--timeout", "30"] + waitFor.flatMap { ["--wait-for", $0] } + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let html = try await Task.detached { try output.fileHandleForReading.readToEnd() ?? Data() }.value
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: html, as: UTF8.self))
    }

    @Test func thePageShowsADeviceAndItsLiveTelemetry() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("aa-thermo", profile: "thermostat")
        let (device, _) = try await gateway.login("aa-thermo", token: token)
        // Telemetry keeps arriving while the browser loads, so the value on the page comes live.
        let streaming = Task {
            var seq: UInt16 = 0
            while !Task.isCancelled {
                seq &+= 1
                let fields = [Field(tag: 1, value: .i16(237)), Field(tag: 2, value: .u8(41))]
                try await device.send(.telemetry(Telemetry(timestampMs: 0, fields: fields)), seq: seq)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { streaming.cancel() }

        let page = try await Self.renderedPage(
            "http://127.0.0.1:\(gateway.httpPort)/?token=\(gateway.apiToken)",
            waitFor: [#"data-device-id="aa-thermo""#, "23.7"]
        )
        #expect(page.status == 0, "the page never showed the device and its temperature")
        #expect(page.html.contains(#"data-device-id="aa-thermo""#))
        #expect(page.html.contains("23.7"))
        #expect(page.html.contains("°C"))
        streaming.cancel()
        await device.close()
        try await gateway.stop()
    }

    @Test func withoutATokenThePageAsksForOne() async throws {
        let gateway = try await TestGateway.start()
        _ = try gateway.register("hidden-device")
        let page = try await Self.renderedPage(
            "http://127.0.0.1:\(gateway.httpPort)/?token=wrong", waitFor: ["Invalid token"])
        #expect(page.status == 0)
        #expect(!page.html.contains("hidden-device"))
        try await gateway.stop()
    }
}
