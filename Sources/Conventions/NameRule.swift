/// One row of a name table: a canonical name template, the source spelling, and the transform.
/// `{i}` in both templates stands for the block index.
public struct NameRule: Sendable, Equatable {
    public let canonical: String
    public let source: String
    public let transform: TensorTransform

    public init(_ canonical: String, _ source: String, _ transform: TensorTransform = .identity) {
        self.canonical = canonical
        self.source = source
        self.transform = transform
    }
}

/// A source key that is deliberately not stored, with the reason recorded in the file.
public struct DropRule: Sendable, Equatable {
    public let source: String
    public let reason: String

    public init(_ source: String, reason: String) {
        self.source = source
        self.reason = reason
    }
}

/// A buffer the convention's modules register and their strict loaders require, whose values are
/// derived rather than trained: conversion drops it (a `DropRule`), and export writes it back,
/// computed from the model and its training dataset.
public struct BufferRule: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// A set-prediction criterion's class weights (DETR's `SetCriterion.empty_weight`, which ZegCLIP's
        /// `SegPlusCriterion` keeps): 1 for each class the loss scores, then `noObjectWeight` for the extra
        /// no-object class, as f32.
        case classWeights(noObjectWeight: Double)
    }

    public let source: String
    public let value: Value
    /// The canonical prefix (`head.`) whose tensors call for the buffer: without them it is not written.
    public let requiredPrefix: String

    public init(_ source: String, value: Value, requiredPrefix: String) {
        self.source = source
        self.value = value
        self.requiredPrefix = requiredPrefix
    }
}
