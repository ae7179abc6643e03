/// One TLV field: a tag (1...255) that a device profile names, and its typed value.
public struct Field: Hashable, Sendable {
    public var tag: UInt8
    public var value: FieldValue

    public init(tag: UInt8, value: FieldValue) {
        self.tag = tag
        self.value = value
    }
}
