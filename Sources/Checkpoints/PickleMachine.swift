/// Just enough of the pickle virtual machine to read PyTorch checkpoints.
///
/// Nothing is ever executed: GLOBAL may only name the classes in `PickleGlobal`, REDUCE only
/// rebuilds dicts and tensors, and any opcode not handled here is refused by name.
struct PickleMachine {
    /// Turns a persistent id (BINPERSID) into a value, e.g. a torch storage reference.
    typealias PersistentLoader = (PickleValue) throws -> PickleValue

    private let file: MappedFile
    private let start: Int
    private let end: Int
    private let persistentLoad: PersistentLoader?
    /// TorchScript archives: `__torch__.*` classes become plain attribute records (see
    /// TorchScriptArchive.swift). Off for every other file.
    private let moduleRecords: Bool
    /// The records NEWOBJ made from `__torch__.*` classes; BUILD fills only these.
    private var records: Set<ObjectIdentifier> = []

    private var position: Int
    private var stack: [PickleValue] = []
    /// Beside each stack slot: how deeply tuples nest in it (lists and dicts count 0, since
    /// their teardown is iterative; see `PickleTeardown`).
    private var tupleDepths: [Int] = []
    /// Stack depths at each MARK.
    private var marks: [Int] = []
    private var memo: [Int: (value: PickleValue, tupleDepth: Int)] = [:]
    /// Values pushed and container items stored so far, against `PickleLimits.maxValues`.
    private var valueCount = 0

    /// Reads one pickle starting at `offset`, not reading past `end`.
    init(file: MappedFile, offset: Int, end: Int, persistentLoad: PersistentLoader?, moduleRecords: Bool = false) {
        self.file = file
        self.moduleRecords = moduleRecords
        self.start = offset
        self.end = end
        self.position = offset
        self.persistentLoad = persistentLoad
    }

    /// Runs to STOP. Returns the pickled object and the offset just past STOP.
    static func load(
        _ file: MappedFile, from offset: Int, to end: Int,
        persistentLoad: PersistentLoader? = nil, moduleRecords: Bool = false
    ) throws -> (value: PickleValue, end: Int) {
        var machine = PickleMachine(file: file, offset: offset, end: end, persistentLoad: persistentLoad,
                                    moduleRecords: moduleRecords)
        do {
            let value = try machine.run()
            return (value, machine.position)
        } catch {
            // What was built so far may hold cycles: take it apart before it is dropped.
            for value in machine.stack { value.dismantle() }
            for entry in machine.memo.values { entry.value.dismantle() }
            throw error
        }
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let opcodeOffset = position
            let opcode = try readByte()
            // Values are pushed after the switch, and items popped into locals before a
            // method uses them: Swift evaluates a method's `self` before its arguments, so
            // `f(try popMark())` would see the stack as it was before the pop.
            var pushed: PickleValue?
            var pushedDepth = 0
            switch opcode {
            case 0x80: _ = try readByte()                          // PROTO
            case 0x95: _ = try readUInt(8)                         // FRAME: framing only
            case 0x2E:                                             // STOP
                guard let top = stack.popLast() else { throw malformed("STOP with an empty stack") }
                return top
            case 0x28:                                             // MARK
                try count(1)
                marks.append(stack.count)
            case 0x30: _ = try pop()                               // POP
            case 0x31: _ = try popMark()                           // POP_MARK
            case 0x32: (pushed, pushedDepth) = (try peek(), tupleDepths.last ?? 0)  // DUP

            case 0x4E: pushed = PickleValue.none  // NONE
            case 0x88: pushed = .bool(true)  // NEWTRUE
            case 0x89: pushed = .bool(false)  // NEWFALSE
            case 0x4A: pushed = .int(Int(Int32(truncatingIfNeeded: try readUInt(4))))  // BININT
            case 0x4B: pushed = .int(Int(try readUInt(1)))  // BININT1
            case 0x4D: pushed = .int(Int(try readUInt(2)))  // BININT2
            case 0x8A: pushed = try readLong(lengthBytes: 1)  // LONG1
            case 0x8B: pushed = try readLong(lengthBytes: 4)  // LONG4
            case 0x47: pushed = .float(Double(bitPattern: try readBigEndianUInt64()))  // BINFLOAT

            case 0x58: pushed = .string(try readUTF8(lengthBytes: 4))  // BINUNICODE
            case 0x8C: pushed = .string(try readUTF8(lengthBytes: 1))  // SHORT_BINUNICODE
            case 0x8D: pushed = .string(try readUTF8(lengthBytes: 8))  // BINUNICODE8
            // Python 2 str pickles (legacy torch files): treat as text.
            case 0x55: pushed = .string(try readUTF8(lengthBytes: 1))  // SHORT_BINSTRING
            case 0x54: pushed = .string(try readUTF8(lengthBytes: 4))  // BINSTRING
            case 0x43: pushed = .bytes(try readBytes(lengthBytes: 1))  // SHORT_BINBYTES
            case 0x42: pushed = .bytes(try readBytes(lengthBytes: 4))  // BINBYTES
            case 0x8E: pushed = .bytes(try readBytes(lengthBytes: 8))  // BINBYTES8

            case 0x29: (pushed, pushedDepth) = (.tuple([]), 1)  // EMPTY_TUPLE
            case 0x74: (pushed, pushedDepth) = try tuple(popMarkWithDepth())  // TUPLE
            case 0x85: (pushed, pushedDepth) = try tuple(popWithDepth(1))  // TUPLE1
            case 0x86: (pushed, pushedDepth) = try tuple(popWithDepth(2))  // TUPLE2
            case 0x87: (pushed, pushedDepth) = try tuple(popWithDepth(3))  // TUPLE3
            case 0x5D: pushed = .list(PickleList())  // EMPTY_LIST
            case 0x6C: pushed = .list(PickleList(try popMark()))  // LIST
            case 0x61:                                             // APPEND
                let item = try pop()
                try count(1)
                try appendToList([item])
            case 0x65:                                             // APPENDS
                let items = try popMark()
                try count(items.count)
                try appendToList(items)
            // Sets are only ever data here; a list keeps their elements.
            case 0x8F: pushed = .list(PickleList())  // EMPTY_SET
            case 0x90:                                             // ADDITEMS
                let items = try popMark()
                try count(items.count)
                try appendToList(items)
            case 0x91: pushed = .list(PickleList(try popMark()))  // FROZENSET
            case 0x7D: pushed = .dict(PickleDict())  // EMPTY_DICT
            case 0x64: pushed = .dict(try makeDict(try popMark()))  // DICT
            case 0x73:                                             // SETITEM
                let items = try pop(2)
                try count(1)
                try setItems(items)
            case 0x75:                                             // SETITEMS
                let items = try popMark()
                try count(items.count / 2)
                try setItems(items)

            case 0x68: try pushMemo(Int(try readUInt(1)))          // BINGET
            case 0x6A: try pushMemo(Int(try readUInt(4)))          // LONG_BINGET
            case 0x71: try memoize(Int(try readUInt(1)))           // BINPUT
            case 0x72: try memoize(Int(try readUInt(4)))           // LONG_BINPUT
            case 0x94: try memoize(memo.count)                     // MEMOIZE

            case 0x63:                                             // GLOBAL
                let module = try readLine()
                let name = try readLine()
                pushed = .global(try allowedGlobal(module: module, name: name))
            case 0x93:                                             // STACK_GLOBAL
                let parts = try pop(2)
                guard let module = parts[0].asString, let name = parts[1].asString else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                pushed = .global(try allowedGlobal(module: module, name: name))
            case 0x52:                                             // REDUCE
                let args = try pop()
                let callable = try pop()
                pushed = try call(callable, args)
            case 0x81:                                             // NEWOBJ
                let args = try pop()
                let cls = try pop()
                pushed = try construct(cls, args)
            case 0x62:                                             // BUILD
                // State is only ever set on dicts (OrderedDict's `_metadata`) and tensors
                // (Parameter attributes); neither matters for the weights. A TorchScript
                // module record takes its attributes (children, parameters, buffers) from it.
                let state = try pop()
                if case .dict(let record) = try peek(), records.contains(ObjectIdentifier(record)) {
                    guard case .dict(let attributes) = state else {
                        throw malformed("BUILD of a TorchScript module with \(state.kindName) state")
                    }
                    for (key, value) in attributes.entries { record.set(key, value) }
                }
            case 0x51:                                             // BINPERSID
                guard let persistentLoad else { throw malformed("unexpected persistent id") }
                pushed = try persistentLoad(try pop())
            default:
                throw file.error(.unsupportedOpcode(opcode: opcode, offset: opcodeOffset - start))
            }
            if let pushed { try push(pushed, tupleDepth: pushedDepth) }
        }
    }

    /// Every value the stream creates goes through here, so a few bytes repeated cannot
    /// build an unbounded object graph.
    private mutating func push(_ value: PickleValue, tupleDepth: Int) throws {
        try count(1)
        stack.append(value)
        tupleDepths.append(tupleDepth)
    }

    /// A tuple of popped items. Tuples are freed recursively (they are values), so their
    /// nesting is capped: a few kilobytes of nested tuples must not overflow the stack.
    private func tuple(_ items: (values: [PickleValue], tupleDepth: Int)) throws -> (PickleValue, Int) {
        let depth = items.tupleDepth + 1
        guard depth <= PickleLimits.maxTupleDepth else {
            throw malformed("tuples nested deeper than \(PickleLimits.maxTupleDepth) levels at byte \(position - start)")
        }
        return (.tuple(items.values), depth)
    }

    private mutating func count(_ added: Int) throws {
        valueCount += added
        guard valueCount <= PickleLimits.maxValues else {
            throw malformed("more than \(PickleLimits.maxValues) values (limit for a checkpoint pickle) at byte \(position - start)")
        }
    }

    private mutating func memoize(_ index: Int) throws {
        if memo[index] == nil {
            guard memo.count < PickleLimits.maxMemoEntries else {
                throw malformed("more than \(PickleLimits.maxMemoEntries) memo entries at byte \(position - start)")
            }
        }
        memo[index] = (try peek(), tupleDepths.last ?? 0)
    }

    // MARK: Reading the pickle stream

    private mutating func readByte() throws -> UInt8 {
        guard position < end else { throw truncated() }
        let byte = try file.u8(at: position, "pickle")
        position += 1
        return byte
    }

    private mutating func readRaw(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= end - position else { throw truncated() }
        let raw = try file.bytes(at: position, count: count, "pickle")
        position += count
        return raw
    }

    private mutating func readUInt(_ count: Int) throws -> UInt64 {
        try readRaw(count).littleEndianUInt(at: 0, count: count)
    }

    private mutating func readBigEndianUInt64() throws -> UInt64 {
        let raw = try readRaw(8)
        return raw.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func readLength(_ lengthBytes: Int) throws -> Int {
        let length = try readUInt(lengthBytes)
        guard length <= UInt64(end - position) else { throw truncated() }
        return Int(length)
    }

    private mutating func readUTF8(lengthBytes: Int) throws -> String {
        String(decoding: try readRaw(try readLength(lengthBytes)), as: UTF8.self)
    }

    private mutating func readBytes(lengthBytes: Int) throws -> [UInt8] {
        Array(try readRaw(try readLength(lengthBytes)))
    }

    private mutating func readLong(lengthBytes: Int) throws -> PickleValue {
        let bytes = try readBytes(lengthBytes: lengthBytes)
        if bytes.isEmpty { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        var value: UInt64 = 0
        for byte in bytes.reversed() { value = value << 8 | UInt64(byte) }
        // Sign-extend from the top byte actually present.
        let unused = UInt64(64 - 8 * bytes.count)
        return .int(Int(Int64(bitPattern: value << unused) >> Int64(unused)))
    }

    /// A newline-terminated ASCII line (GLOBAL's operands).
    private mutating func readLine() throws -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try readByte()
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
            guard bytes.count < 4096 else { throw malformed("GLOBAL name longer than 4096 bytes") }
        }
    }

    // MARK: Stack

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw malformed("stack underflow at byte \(position - start)")
        }
        tupleDepths.removeLast()
        return value
    }

    private mutating func pop(_ count: Int) throws -> [PickleValue] {
        try popWithDepth(count).values
    }

    private mutating func popWithDepth(_ count: Int) throws -> (values: [PickleValue], tupleDepth: Int) {
        guard stack.count - (marks.last ?? 0) >= count else {
            throw malformed("stack underflow at byte \(position - start)")
        }
        let items = Array(stack.suffix(count))
        let depth = tupleDepths.suffix(count).max() ?? 0
        stack.removeLast(count)
        tupleDepths.removeLast(count)
        return (items, depth)
    }

    private func peek() throws -> PickleValue {
        guard let top = stack.last else { throw malformed("empty stack at byte \(position - start)") }
        return top
    }

    private mutating func popMark() throws -> [PickleValue] {
        try popMarkWithDepth().values
    }

    private mutating func popMarkWithDepth() throws -> (values: [PickleValue], tupleDepth: Int) {
        guard let mark = marks.popLast() else { throw malformed("no MARK at byte \(position - start)") }
        let items = Array(stack[mark...])
        let depth = tupleDepths[mark...].max() ?? 0
        stack.removeSubrange(mark...)
        tupleDepths.removeSubrange(mark...)
        return (items, depth)
    }

    private mutating func pushMemo(_ index: Int) throws {
        guard let entry = memo[index] else { throw malformed("memo entry \(index) read before it was written") }
        try push(entry.value, tupleDepth: entry.tupleDepth)
    }

    private func appendToList(_ items: [PickleValue]) throws {
        guard case .list(let list) = try peek() else {
            throw malformed("APPEND(S) onto a \(try peek().kindName), not a list")
        }
        list.items.append(contentsOf: items)
    }

    private func makeDict(_ items: [PickleValue]) throws -> PickleDict {
        let dict = PickleDict()
        try fill(dict, items)
        return dict
    }

    private func setItems(_ items: [PickleValue]) throws {
        guard case .dict(let dict) = try peek() else {
            throw malformed("SETITEM(S) onto a \(try peek().kindName), not a dict")
        }
        try fill(dict, items)
    }

    private func fill(_ dict: PickleDict, _ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw malformed("odd number of items for a dict") }
        for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i], items[i + 1]) }
    }

    // MARK: The allowlisted callables

    private func allowedGlobal(module: String, name: String) throws -> PickleGlobal {
        if moduleRecords, module == "__torch__" || module.hasPrefix("__torch__.") {
            return .torchScriptClass("\(module).\(name)")
        }
        guard let global = PickleGlobal(module: module, name: name) else {
            throw file.error(.disallowedGlobal("\(module).\(name)"))
        }
        return global
    }

    private func call(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable, let arguments = args.asSequence else {
            throw malformed("REDUCE of a \(callable.kindName) with \(args.kindName) arguments")
        }
        switch global {
        case .orderedDict:
            // OrderedDict() or OrderedDict([[key, value], ...]) (legacy files).
            let dict = PickleDict()
            if let pairs = arguments.first?.asSequence {
                for pair in pairs {
                    guard let kv = pair.asSequence, kv.count == 2 else {
                        throw malformed("OrderedDict built from something other than key/value pairs")
                    }
                    dict.set(kv[0], kv[1])
                }
            }
            return .dict(dict)
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard arguments.count >= 4, case .storage(let storage) = arguments[0],
                  let offset = arguments[1].asInt, let shape = arguments[2].asInts,
                  let strides = arguments[3].asInts, shape.count == strides.count
            else {
                throw malformed("_rebuild_tensor_v2 called with unexpected arguments")
            }
            return .tensor(TensorRef(storage: storage, storageOffset: offset, shape: shape, strides: strides))
        case .rebuildParameter:
            // (data, requires_grad, backward_hooks): a Parameter is its data.
            guard let data = arguments.first, case .tensor = data else {
                throw malformed("_rebuild_parameter called without a tensor")
            }
            return data
        case .storageType:
            throw malformed("\(global.qualifiedName) called directly; storages must come from persistent ids")
        case .torchScriptClass:
            throw malformed("REDUCE of TorchScript class \(global.qualifiedName); modules are only built with NEWOBJ")
        }
    }

    private mutating func construct(_ cls: PickleValue, _ args: PickleValue) throws -> PickleValue {
        if case .global(.torchScriptClass) = cls {
            let record = PickleDict()
            records.insert(ObjectIdentifier(record))
            return .dict(record)
        }
        guard case .global(.orderedDict) = cls else {
            throw malformed("NEWOBJ of \(cls.kindName) is not supported")
        }
        return .dict(PickleDict())
    }

    private func truncated() -> CheckpointError {
        file.error(.truncated("pickle at byte \(start) ends before its STOP opcode"))
    }

    private func malformed(_ what: String) -> CheckpointError {
        file.error(.malformed("pickle: \(what)"))
    }
}
