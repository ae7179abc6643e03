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

    /// What the browser does on the page, in order.
    enum Step {
        /// Waits until the rendered DOM contains the text.
        case waitFor(String)
        /// Runs JavaScript in the page, as an operator's clicks and typing would.
        case run(String)

        var arguments: [String] {
            switch self {
            case .waitFor(let text): ["--wait-for", text]
            case .run(let script): ["--run", script]
            }
        }
    }

    /// Loads the page in headless Chromium (through `scripts/dump-dom.py`) and returns the rendered DOM once
    /// it contains every string of `waitFor`, with the script's exit status.
    static func renderedPage(_ url: String, waitFor: [String]) async throws -> (status: Int32, html: String) {
        try await Self.renderedPage(url, steps: waitFor.map(Step.waitFor))
    }

    /// Plays `steps` on the page and returns the rendered DOM after the last one, with the script's exit
    /// status (0: every awaited text appeared).
    static func renderedPage(_ url: String, steps: [Step]) async throws -> (status: Int32, html: String) {
        let process = try ChildProcess(
            "/usr/bin/env", ["python3", Self.dumpScript, "--timeout", "60"] + steps.flatMap(\.arguments) + [url],
            stdout: .pipe, stderr: .inherit)
        guard let status = try await process.waitForExit(timeout: .seconds(120)) else {
            throw TestFailure("dump-dom.py did not exit")
        }
        // Let the pipe's last bytes arrive.
        try await Task.sleep(for: .milliseconds(100))
        return (status, process.stdout)
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

    @Test func thePageQueuesACommandWithATTLCancelsOneAndShowsTheirHistory() async throws {
        let gateway = try await TestGateway.start()
        let token = try gateway.register("ab-away", profile: "thermostat")
        let api = HTTPClient(gateway)
        let expired = try await api.queueCommand("ab-away", #"{"name":"set_mode","args":{"mode":"off"},"ttl_ms":50}"#)
        #expect(try await api.waitForCommand(expired, status: "expired"))
        let doomed = try await api.queueCommand(
            "ab-away", #"{"name":"set_mode","args":{"mode":"eco"},"ttl_ms":600000}"#)

        async let page = Self.renderedPage(
            "http://127.0.0.1:\(gateway.httpPort)/?token=\(gateway.apiToken)&device=ab-away",
            steps: [
                // The history comes from the server: what happened before the page was opened.
                .waitFor(#"data-command-id="\#(expired)""#), .waitFor(#"data-cancel="\#(doomed)""#),
                .waitFor("expires in 9 min"),
                .run("document.querySelector('[data-cancel=\"\(doomed)\"]').click()"),
                .waitFor(#"<span class="badge status-cancelled">cancelled</span><b>set_mode</b>"#),
                .waitFor(#"<option value="set_setpoint">"#),
                .run(
                    """
                    const form = document.getElementById('command-form');
                    form.elements.command.value = 'set_setpoint';
                    form.elements.command.dispatchEvent(new Event('change'));
                    form.elements['arg:value'].value = '22.5';
                    document.getElementById('command-ttl').value = '600';
                    form.requestSubmit();
                    """),
                // The test's device connects once the command is queued, and the entry moves on, live.
                .waitFor(#"<span class="badge status-ok">ok</span><b>set_setpoint</b>"#),
            ])

        // Plays the device once the page has queued the command.
        let deadline = ContinuousClock.now + .seconds(60)
        while try await api.get("/api/devices/ab-away/commands?status=queued").array.last?["name"] as? String
            != "set_setpoint", ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        let (device, _) = try await gateway.login("ab-away", token: token)
        let command = try await device.answerNextCommand(fields: [Field(tag: 1, value: .i16(225))])
        #expect(command.name == "set_setpoint")
        #expect(command.arguments == [Field(tag: 1, value: .i16(225))])

        let result = try await page
        #expect(result.status == 0, "the page did not show the commands' lifecycle")
        #expect(result.html.contains("value=22.5 °C"))
        #expect(result.html.contains("setpoint 22.5 °C"))
        #expect(result.html.contains(#"class="command-steps">queued "#))
        #expect(result.html.contains(#"<span class="badge status-expired">expired</span><b>set_mode</b>"#))
        #expect(try await api.get("/api/commands/\(doomed)").object["status"] as? String == "cancelled")
        let sent = try await api.get("/api/devices/ab-away/commands?status=ok").array
        #expect(sent.first?["ttl_ms"] as? Int == 600_000)
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
