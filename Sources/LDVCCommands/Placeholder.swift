import ArgumentParser
public struct LDVCConvert: AsyncParsableCommand { public init() {} ; public func run() async throws {} }
