import DFP
import GatehouseCore
import Testing

@Suite struct DeviceProfileTests {
    private let profile = DeviceProfile(
        name: "test",
        telemetry: [
            1: FieldSpec(name: "temperature", type: .i16, unit: "°C", scale: 0.1),
            2: FieldSpec(name: "ratio", type: .u16, scale: 2.5),
            3: FieldSpec(name: "third", type: .u16, scale: 0.3),
            4: FieldSpec(name: "level", type: .f32),
            5: FieldSpec(name: "blob", type: .bytes),
        ],
        commands: [
            "set_setpoint": CommandSpec(arguments: ["value": ArgumentSpec(tag: 1, type: .i16, unit: "°C", scale: 0.1)]),
            "configure": CommandSpec(arguments: [
                "label": ArgumentSpec(tag: 3, type: .str),
                "enabled": ArgumentSpec(tag: 1, type: .bool),
                "counter": ArgumentSpec(tag: 2, type: .u64),
                "gain": ArgumentSpec(tag: 4, type: .f32),
            ]),
        ]
    )

    @Test func scalesWithTheExactDecimalResult() {
        #expect(
            profile.telemetryValues([
                Field(tag: 1, value: .i16(215)),
                Field(tag: 2, value: .u16(4)),
                Field(tag: 3, value: .u16(10)),
            ]) == [
                NamedValue(name: "temperature", value: .double(21.5), unit: "°C"),
                NamedValue(name: "ratio", value: .double(10)),
                NamedValue(name: "third", value: .double(10 * 0.3)),
            ])
    }

    @Test func unscaledValuesKeepTheirKind() {
        #expect(
            profile.telemetryValues([
                Field(tag: 4, value: .f32(0.5)),
                Field(tag: 5, value: .bytes([0xDE, 0xAD])),
            ]) == [
                NamedValue(name: "level", value: .double(0.5)),
                NamedValue(name: "blob", value: .bytes([0xDE, 0xAD])),
            ])
    }

    @Test func aWireTypeOtherThanTheDeclaredOneIsStillDecoded() {
        #expect(
            profile.telemetryValues([
                Field(tag: 1, value: .i32(215)),
                Field(tag: 1, value: .f64(215)),
                // Scale only applies to numbers.
                Field(tag: 1, value: .string("n/a")),
            ]) == [
                NamedValue(name: "temperature", value: .double(21.5), unit: "°C"),
                NamedValue(name: "temperature", value: .double(21.5), unit: "°C"),
                NamedValue(name: "temperature", value: .string("n/a"), unit: "°C"),
            ])
    }

    @Test func tagsWithoutAnEntryKeepTheirNumberAndRawValue() {
        let fields = [
            Field(tag: 9, value: .u16(7)), Field(tag: 200, value: .i64(-3)), Field(tag: 12, value: .u64(.max)),
        ]
        let expected = [
            NamedValue(name: "9", value: .uint(7)),
            NamedValue(name: "200", value: .int(-3)),
            NamedValue(name: "12", value: .uint(.max)),
        ]
        #expect(profile.telemetryValues(fields) == expected)
        #expect(profile.eventValues(fields) == expected)
        #expect(profile.commandResultValues(name: "set_setpoint", fields: fields) == expected)
        #expect(profile.commandResultValues(name: "no_such_command", fields: fields) == expected)
    }

    @Test func aDeviceWithoutProfileUsesTagNumbers() {
        let none: DeviceProfile? = nil
        let fields = [Field(tag: 1, value: .i16(215))]
        #expect(none.telemetryValues(fields) == [NamedValue(name: "1", value: .int(215))])
        #expect(none.eventValues(fields) == [NamedValue(name: "1", value: .int(215))])
        #expect(none.eventName(code: 1) == nil)
        #expect(none.commandResultValues(name: "x", fields: fields) == [NamedValue(name: "1", value: .int(215))])
        #expect(throws: CommandArgumentError.unknownCommand("x", available: [])) {
            try none.commandArguments(name: "x", values: [:])
        }
        #expect(DeviceProfile.unnamed.telemetryValues(fields) == none.telemetryValues(fields))
        let some: DeviceProfile? = profile
        #expect(some.telemetryValues(fields) == profile.telemetryValues(fields))
    }

    @Test func commandArgumentsApplyTheScaleInReverse() throws {
        #expect(
            try profile.commandArguments(name: "set_setpoint", values: ["value": .double(22.5)]) == [
                Field(tag: 1, value: .i16(225))
            ])
        #expect(
            try profile.commandArguments(name: "set_setpoint", values: ["value": .int(-5)]) == [
                Field(tag: 1, value: .i16(-50))
            ])
        // Finer than the wire's resolution: rounded to the nearest step.
        #expect(
            try profile.commandArguments(name: "set_setpoint", values: ["value": .double(22.54)]) == [
                Field(tag: 1, value: .i16(225))
            ])
    }

    @Test func commandArgumentsOfEveryKindOrderedByTag() throws {
        let fields = try profile.commandArguments(
            name: "configure",
            values: ["label": .string("hall"), "enabled": .bool(true), "counter": .uint(.max), "gain": .int(3)]
        )
        #expect(
            fields == [
                Field(tag: 1, value: .bool(true)),
                Field(tag: 2, value: .u64(.max)),
                Field(tag: 3, value: .string("hall")),
                Field(tag: 4, value: .f32(3)),
            ])
    }

    @Test func unknownCommand() {
        let expected = CommandArgumentError.unknownCommand("reboot", available: ["configure", "set_setpoint"])
        #expect(throws: expected) { try profile.commandArguments(name: "reboot", values: [:]) }
        #expect(expected.description == #"unknown command "reboot" (known commands: configure, set_setpoint)"#)
    }

    @Test func unknownArgument() {
        let expected = CommandArgumentError.unknownArgument(
            command: "set_setpoint", argument: "valeu", available: ["value"])
        #expect(throws: expected) {
            try profile.commandArguments(name: "set_setpoint", values: ["value": .int(20), "valeu": .int(20)])
        }
        #expect(expected.description == #"command "set_setpoint" has no argument "valeu" (known arguments: value)"#)
    }

    @Test func missingArgument() {
        let expected = CommandArgumentError.missingArgument(command: "set_setpoint", argument: "value")
        #expect(throws: expected) { try profile.commandArguments(name: "set_setpoint", values: [:]) }
        #expect(expected.description == #"command "set_setpoint" requires the argument "value""#)
    }

    @Test(arguments: [
        ProfileValue.double(3276.8), .double(-3276.9), .int(4000), .double(.infinity), .double(.nan),
    ])
    func valueOutOfRange(value: ProfileValue) {
        let expected = CommandArgumentError.valueOutOfRange(command: "set_setpoint", argument: "value", type: .i16)
        #expect(throws: expected) { try profile.commandArguments(name: "set_setpoint", values: ["value": value]) }
        #expect(
            expected.description == #"argument "value" of command "set_setpoint" is out of range for its type i16"#)
    }

    @Test func outOfRangeForUnscaledTypes() {
        let base: [String: ProfileValue] = [
            "label": .string("hall"), "enabled": .bool(true), "counter": .uint(1), "gain": .int(3),
        ]
        let cases: [(argument: String, value: ProfileValue, type: FieldType)] = [
            ("counter", .int(-1), .u64),
            ("label", .string(String(repeating: "x", count: 256)), .str),
            ("gain", .double(1e39), .f32),
        ]
        for (argument, value, type) in cases {
            var values = base
            values[argument] = value
            #expect(throws: CommandArgumentError.valueOutOfRange(command: "configure", argument: argument, type: type))
            {
                try profile.commandArguments(name: "configure", values: values)
            }
        }
    }

    @Test func valueOfTheWrongKind() {
        let expected = CommandArgumentError.typeMismatch(command: "set_setpoint", argument: "value", expected: .i16)
        #expect(throws: expected) {
            try profile.commandArguments(name: "set_setpoint", values: ["value": .string("22.5")])
        }
        #expect(throws: expected) { try profile.commandArguments(name: "set_setpoint", values: ["value": .bool(true)]) }
        #expect(expected.description == #"argument "value" of command "set_setpoint" must be a number (sent as i16)"#)
        #expect(
            throws: CommandArgumentError.typeMismatch(command: "configure", argument: "enabled", expected: .bool)
        ) {
            try profile.commandArguments(
                name: "configure",
                values: ["label": .string("hall"), "enabled": .int(1), "counter": .uint(1), "gain": .int(3)])
        }
    }
}
