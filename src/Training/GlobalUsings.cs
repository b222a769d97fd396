// TensorPrimitives without importing System.Numerics.Tensors, whose own Tensor type would clash with ours.
global using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
